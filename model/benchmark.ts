import type { Classifier } from './classifier';
import { pickTheme } from './theme-choice';
import { explainPredictions } from './explanation';
import type { AudioFeatures, ModelInput } from './features';

/** Batch sizes the model benchmark times (tracks per `predict` call). */
export const BENCH_BATCH_SIZES = [1, 100, 1000] as const;

/** Timings of one benchmark run, in milliseconds (`performance.now()`). */
export interface BenchResult {
  /** Time of the first `load()`: fetching or reading the files, parsing, decoding the weights. */
  readonly loadMs: number;
  /** Per batch size: the median time of one `predict` call after warm-up, and how many calls were timed. */
  readonly predict: { readonly batch: number; readonly medianMs: number; readonly runs: number; readonly msPer100Tracks: number }[];
  /**
   * What the theme service does per answer since issue 11: `predict` on 100 tracks plus the
   * badge's *why* for each (`explainPredictions`: one more `predict` on the tracks with one input
   * at a time at its training mean); median of the timed runs.
   */
  readonly explain: { readonly batch: number; readonly medianMs: number; readonly runs: number };
}

/** Median of `times` (sorted here). */
function median(times: number[]): number {
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return times.length % 2 === 1 ? (times[mid] ?? 0) : ((times[mid - 1] ?? 0) + (times[mid] ?? 0)) / 2;
}

/**
 * Times a classifier the way the extension uses it: `load()` once, then for each batch size
 * 5 warm-up `predict` calls followed by `runs` timed calls (default 50; 10 for 1,000 tracks),
 * reporting the median. Rows are the given tracks repeated to the batch size, four in five with a duration.
 *
 * @throws Error when `tracks` is empty or `load` rejects.
 */
export async function benchmarkClassifier(load: () => Promise<Classifier>, tracks: readonly AudioFeatures[], runs = 50): Promise<BenchResult> {
  if (tracks.length === 0) throw new Error('benchmarkClassifier needs at least one track');
  const t0 = performance.now();
  const classifier = await load();
  const loadMs = performance.now() - t0;
  const predict: BenchResult['predict'][number][] = [];
  for (const batch of BENCH_BATCH_SIZES) {
    // Four tracks in five with a duration (2–6 min), as on a playlist page; the rest unknown.
    const rows = Array.from({ length: batch }, (_, i) => ({ features: tracks[i % tracks.length] as AudioFeatures, durationMs: i % 5 === 4 ? null : 120_000 + ((i * 7919) % 240) * 1000 }));
    for (let i = 0; i < 5; i++) classifier.predict(rows);
    const n = batch >= 1000 ? Math.max(3, Math.round(runs / 5)) : runs;
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      classifier.predict(rows);
      times.push(performance.now() - s);
    }
    const medianMs = median(times);
    predict.push({ batch, medianMs, runs: n, msPer100Tracks: (medianMs * 100) / batch });
  }
  const explainRuns = Math.max(3, Math.round(runs / 5));
  const rows: ModelInput[] = Array.from({ length: 100 }, (_, i) => ({ features: tracks[i % tracks.length] as AudioFeatures, durationMs: i % 5 === 4 ? null : 120_000 + ((i * 7919) % 240) * 1000 }));
  const { labels } = classifier.metadata;
  const explainOnce = (): void => {
    const p = classifier.predict(rows);
    explainPredictions((r) => classifier.predict(r), rows, p, p.map((row) => labels.indexOf(pickTheme(row, labels, labels).theme)), classifier.metadata.features.normalization);
  };
  for (let i = 0; i < 3; i++) explainOnce();
  const explainTimes: number[] = [];
  for (let i = 0; i < explainRuns; i++) {
    const s = performance.now();
    explainOnce();
    explainTimes.push(performance.now() - s);
  }
  classifier.dispose();
  return { loadMs, predict, explain: { batch: 100, medianMs: median(explainTimes), runs: explainRuns } };
}
