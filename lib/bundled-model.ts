import { loadClassifier, type Classifier } from '@/model/classifier';

/** Paths of the bundled model's files inside the extension (copied from `public/model/`). */
export type BundledModelPath = '/model/model.json' | '/model/metadata.json';

/**
 * Loads the classifier bundled with the extension from its extension URLs.
 * @param url maps an extension path to a URL (`browser.runtime.getURL`).
 * @param fetchFn defaults to the global `fetch`.
 * @throws Error when a file is missing, the metadata is invalid, or the shapes disagree.
 */
export async function loadBundledClassifier(url: (path: BundledModelPath) => string, fetchFn: typeof fetch = fetch): Promise<Classifier> {
  const response = await fetchFn(url('/model/metadata.json'));
  if (!response.ok) throw new Error(`metadata.json: HTTP ${response.status}`);
  const metadata: unknown = await response.json();
  return loadClassifier(url('/model/model.json'), metadata);
}
