import type { Classifier } from '@/model/classifier';
import { loadDenseClassifier } from '@/model/dense-model';
import { loadBundledMetadata, type BundledModelPath } from '@/lib/shared/bundled-metadata';

export type { BundledModelPath } from '@/lib/shared/bundled-metadata';

/**
 * Loads the classifier bundled with the extension from its extension URLs, without TF.js
 * (model/dense-model.ts reads the standard `model.json` and its weights; issue 13 took TF.js out
 * of the background bundle).
 * @param url maps an extension path to a URL (`browser.runtime.getURL`).
 * @param fetchFn defaults to the global `fetch`.
 * @throws Error when a file is missing, the metadata or model.json is invalid, or the shapes disagree.
 */
export async function loadBundledClassifier(url: (path: BundledModelPath) => string, fetchFn: typeof fetch = fetch): Promise<Classifier> {
  const metadata = await loadBundledMetadata(url, fetchFn);
  const base = new URL('.', url('/model/model.json'));
  return loadDenseClassifier(async (path) => {
    const response = await fetchFn(new URL(path, base));
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return response.arrayBuffer();
  }, metadata);
}
