import { parseModelMetadata, type ModelMetadata } from '@/model/metadata';
import type { ThemeId } from '@/model/themes';

/**
 * The bundled model's metadata without TF.js, for the popup and the options page (the theme list
 * and the model's threshold); `lib/bundled-model.ts` loads the network itself.
 */

/** Paths of the bundled model's files inside the extension (copied from `public/model/`). */
export type BundledModelPath = '/model/model.json' | '/model/metadata.json';

/**
 * Fetches and validates the bundled `metadata.json`.
 * @param url maps an extension path to a URL (`browser.runtime.getURL`).
 * @param fetchFn defaults to the global `fetch`.
 * @throws Error when the file is missing or invalid.
 */
export async function loadBundledMetadata(url: (path: BundledModelPath) => string, fetchFn: typeof fetch = fetch): Promise<ModelMetadata> {
  const response = await fetchFn(url('/model/metadata.json'));
  if (!response.ok) throw new Error(`metadata.json: HTTP ${response.status}`);
  return parseModelMetadata(await response.json());
}

/** What the theme settings need of a model: labels, experimental themes, its "uncertain" threshold. */
export interface ModelThemeInfo {
  readonly labels: readonly ThemeId[];
  readonly experimental: readonly ThemeId[];
  /** Renormalized top probability below which the badge says "uncertain", in [0, 1]. */
  readonly uncertainThreshold: number;
}

/** The theme-related facts of a model's metadata. */
export function modelThemeInfo(metadata: ModelMetadata): ModelThemeInfo {
  return { labels: metadata.labels, experimental: metadata.experimental, uncertainThreshold: metadata.calibration.uncertainThreshold };
}
