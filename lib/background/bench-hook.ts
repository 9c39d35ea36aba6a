import { loadBundledClassifier } from '@/lib/background/bundled-model';
import { benchmarkClassifier, type BenchResult } from '@/model/benchmark';
import type { AudioFeatures } from '@/model/features';

/** Name of the global the e2e build's background exposes for `npm run bench:model`. */
export const BENCH_HOOK_NAME = '__playlistPredictorBench';

/** The hook: times loading the bundled model and `predict` on the given tracks (see {@link benchmarkClassifier}). */
export type BenchHook = (tracks: AudioFeatures[]) => Promise<BenchResult>;

/**
 * Installs the model benchmark on `globalThis[BENCH_HOOK_NAME]`. The background calls this only
 * in the test-only build (`wxt build --mode e2e`, `import.meta.env.MODE === 'e2e'`), so
 * production bundles do not contain it. The model is loaded exactly as the background loads it
 * (`loadBundledClassifier` with extension URLs), a fresh instance per call.
 *
 * @param url maps an extension path to a URL (`browser.runtime.getURL`).
 */
export function installBenchHook(url: Parameters<typeof loadBundledClassifier>[0]): void {
  const hook: BenchHook = (tracks) => benchmarkClassifier(() => loadBundledClassifier(url), tracks);
  Object.defineProperty(globalThis, BENCH_HOOK_NAME, { value: hook, configurable: true });
}
