import { loadClassifier, type Classifier } from '@/model/classifier';
import { loadBundledMetadata, type BundledModelPath } from '@/lib/shared/bundled-metadata';

export type { BundledModelPath } from '@/lib/shared/bundled-metadata';

/**
 * Loads the classifier bundled with the extension from its extension URLs (background only: this
 * module pulls in TF.js).
 * @param url maps an extension path to a URL (`browser.runtime.getURL`).
 * @param fetchFn defaults to the global `fetch`.
 * @throws Error when a file is missing, the metadata is invalid, or the shapes disagree.
 */
export async function loadBundledClassifier(url: (path: BundledModelPath) => string, fetchFn: typeof fetch = fetch): Promise<Classifier> {
  const metadata = await loadBundledMetadata(url, fetchFn);
  return loadClassifier(url('/model/model.json'), metadata);
}
