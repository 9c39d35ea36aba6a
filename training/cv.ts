import { ENCODED_LENGTH, encodeBatch, type ModelInput, type Normalization } from '../model/features';
import { THEME_IDS, type ThemeId } from '../model/themes';
import { fitClassBiases } from './calibration';
import type { LabelledTrack } from './data';
import { argmax, badgeMacroF1, evaluate, macroF1Over } from './metrics';
import type { Dataset } from './model';
import { createRng, groupedSplit, stratifiedGroupKFold } from './split';

/**
 * The data side of training's cross-validation, shared by `npm run train` (training/train.ts)
 * and `npm run explore:trees` (training/explore-trees.ts), so both score on the same folds: the
 * artist-grouped test split, the artist-grouped, theme-stratified folds, and the encoded datasets
 * with their masked durations.
 */

/** Share of tracks (whole artists) held out as the test split; cross-validation uses the rest. */
export const TEST_FRACTION = 0.15;
/** Number of artist-grouped, theme-stratified cross-validation folds. */
export const FOLDS = 5;
/**
 * Share of training rows whose duration is masked as missing (seeded per fit), so that the
 * network learns the `duration_missing` case: a track from a pasted link, or ReccoBeats
 * without a page row, has no duration at runtime.
 */
export const DURATION_MASK_SHARE = 0.2;

/** The test split and the cross-validation folds of a set of labelled tracks (indices into it). */
export interface CrossValidationSplit {
  /** Each track's primary artist (the grouping key). */
  readonly artists: string[];
  /** The cross-validation tracks (indices into the tracks). */
  readonly devIdx: number[];
  /** The test split (indices into the tracks), read once, for the shipped model. */
  readonly testIdx: number[];
  /** Per cross-validation track (index into `devIdx`), its fold, 0 … {@link FOLDS} − 1. */
  readonly foldOf: number[];
  /** Cross-validation tracks per fold. */
  readonly foldSizes: number[];
  /** Per fold, the cross-validation rows (indices into `devIdx`) it holds out. */
  readonly heldOutByFold: number[][];
}

/**
 * Splits `tracks` by artist: {@link TEST_FRACTION} to the test split, the rest into {@link FOLDS}
 * theme-stratified folds (`groupedSplit`, `stratifiedGroupKFold`), both seeded.
 *
 * @throws Error when the test split or the cross-validation set is empty, or a fold is empty.
 */
export function crossValidationSplit(tracks: readonly LabelledTrack[], seed: number): CrossValidationSplit {
  const artists = tracks.map((t) => t.artist);
  const split = groupedSplit(artists, { validation: 0, test: TEST_FRACTION }, seed);
  const devIdx = split.train;
  const testIdx = split.test;
  if (devIdx.length === 0 || testIdx.length === 0) throw new Error(`Not enough data to split: ${devIdx.length} cross-validation, ${testIdx.length} test tracks`);
  const devClasses = devIdx.map((i) => THEME_IDS.indexOf(tracks[i]?.theme ?? 'party'));
  const foldOf = stratifiedGroupKFold(devIdx.map((i) => artists[i] ?? ''), devClasses, FOLDS, seed);
  const foldSizes = Array.from({ length: FOLDS }, (_, f) => foldOf.filter((x) => x === f).length);
  const heldOutByFold = Array.from({ length: FOLDS }, (_, f) => devIdx.map((_, d) => d).filter((d) => foldOf[d] === f));
  if (foldSizes.some((n) => n === 0)) throw new Error(`Not enough artists for ${FOLDS} folds: ${foldSizes.join(', ')}`);
  return { artists, devIdx, testIdx, foldOf, foldSizes, heldOutByFold };
}

/**
 * The model inputs of `indices`: all durations missing with `missing: 'all'`; a seeded
 * {@link DURATION_MASK_SHARE} of them with `missing: seed`; as recorded otherwise.
 */
export function inputsOf(tracks: readonly LabelledTrack[], indices: readonly number[], missing: 'none' | 'all' | number): ModelInput[] {
  const rows = indices.map((i) => tracks[i] as LabelledTrack);
  if (typeof missing === 'number') return maskDurations(rows, missing);
  return rows.map((t) => ({ features: t.features, durationMs: missing === 'all' ? null : t.durationMs }));
}

/** Model inputs of `rows` with a seeded {@link DURATION_MASK_SHARE} of their durations masked as missing. */
export function maskDurations(rows: readonly Pick<LabelledTrack, 'features' | 'durationMs'>[], seed: number): ModelInput[] {
  const rng = createRng(seed);
  return rows.map((t) => ({ features: t.features, durationMs: rng() < DURATION_MASK_SHARE ? null : t.durationMs }));
}

/**
 * The encoded dataset of `indices` (24 values per row, `encodeBatch` with `normalization`), their
 * label indices and soft labels (`[rows, 8]`), and the inputs as the model read them; durations as
 * in {@link inputsOf}.
 */
export function toDataset(tracks: readonly LabelledTrack[], indices: readonly number[], normalization: Normalization, missing: 'none' | 'all' | number): Dataset & { inputs: ModelInput[] } {
  const rows = indices.map((i) => tracks[i] as LabelledTrack);
  const soft = new Float32Array(rows.length * THEME_IDS.length);
  rows.forEach((t, i) => soft.set(t.softLabel, i * THEME_IDS.length));
  const inputs = inputsOf(tracks, indices, missing);
  return { x: encodeBatch(inputs, normalization), y: rows.map((t) => THEME_IDS.indexOf(t.theme)), soft, inputSize: ENCODED_LENGTH, inputs };
}

/** Mean, spread and range of one metric over the folds. */
export interface Summary {
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

/** Mean, population standard deviation, minimum and maximum of `values` (one per fold). */
export function summarize(values: readonly number[]): Summary {
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length));
  return { mean, std, min: Math.min(...values), max: Math.max(...values) };
}

/** The per-fold differences `a[i] − b[i]` of two models scored on the same folds (a paired comparison), summarized. */
export function pairedDifference(a: readonly number[], b: readonly number[]): Summary {
  return summarize(a.map((v, i) => v - (b[i] ?? 0)));
}

/** log of probabilities, so that probability models can be handled as logits (softmax(log p) = p). */
export function logOf(p: ArrayLike<number>): Float64Array {
  return Float64Array.from(p, (v) => Math.log(Math.max(v, 1e-12)));
}

/** Rows `rows` (indices into a row-major `[n, k]` array) of `values`, concatenated in that order: `[rows.length, k]`. */
export function selectRows(values: Float64Array, rows: readonly number[], k: number): Float64Array {
  const out = new Float64Array(rows.length * k);
  rows.forEach((d, r) => out.set(values.subarray(d * k, (d + 1) * k), r * k));
  return out;
}

/** A model's out-of-fold scores, one value per held-out fold (see {@link scoreOutOfFold}). */
export interface OutOfFoldScores {
  /** Macro-F1 over all 8 themes. */
  readonly macroF1: readonly number[];
  /** The same with per-theme offsets fitted on the other folds' out-of-fold logits. */
  readonly withBiases: readonly number[];
  /** Macro-F1 over the themes with at least `MIN_TRACKS_PER_THEME` tracks. */
  readonly countedMacroF1: readonly number[];
  /** The badge's decision (`badgeMacroF1` over the themes on by default), without and with the offsets. */
  readonly badge: readonly number[];
  readonly badgeWithBiases: readonly number[];
}

/**
 * Scores out-of-fold logits `[devRows, k]` (dev-row order; log-probabilities for probability
 * models) per held-out fold: macro-F1 over all themes and over `countedThemes`, then with
 * per-theme offsets ("class biases", `fitClassBiases`) fitted on the other folds' rows only, and
 * the badge's decision (`badgeMacroF1` among `badgeThemes`) without and with them.
 * @param truth each dev row's theme index; `foldOf` each dev row's fold; `heldOutByFold` the dev rows of each fold.
 */
export function scoreOutOfFold(oofLogits: Float64Array, truth: readonly number[], foldOf: readonly number[], heldOutByFold: readonly (readonly number[])[], badgeThemes: readonly ThemeId[], countedThemes: readonly ThemeId[]): OutOfFoldScores {
  const k = THEME_IDS.length;
  const scores = { macroF1: [] as number[], withBiases: [] as number[], countedMacroF1: [] as number[], badge: [] as number[], badgeWithBiases: [] as number[] };
  const predict = (logits: Float64Array) => Array.from({ length: logits.length / k }, (_, r) => argmax(logits.subarray(r * k, (r + 1) * k)));
  for (const [fold, heldOut] of heldOutByFold.entries()) {
    const others = foldOf.flatMap((f, d) => (f === fold ? [] : [d]));
    const bias = fitClassBiases(selectRows(oofLogits, others, k), k, others.map((d) => truth[d] ?? 0));
    const held = selectRows(oofLogits, heldOut, k);
    const shifted = held.map((v, i) => v + (bias[i % k] ?? 0));
    const heldTruth = heldOut.map((d) => truth[d] ?? 0);
    const evaluation = evaluate(heldTruth, predict(held), THEME_IDS);
    scores.macroF1.push(evaluation.macroF1);
    scores.countedMacroF1.push(macroF1Over(evaluation, countedThemes));
    scores.withBiases.push(evaluate(heldTruth, predict(shifted), THEME_IDS).macroF1);
    scores.badge.push(badgeMacroF1(held, heldTruth, THEME_IDS, badgeThemes));
    scores.badgeWithBiases.push(badgeMacroF1(shifted, heldTruth, THEME_IDS, badgeThemes));
  }
  return scores;
}

/** The rows of a row-major matrix `[rows, k]` as arrays of `k` values. */
export function rowsOf(flat: ArrayLike<number>, k: number): number[][] {
  return Array.from({ length: flat.length / k }, (_, i) => Array.from({ length: k }, (__, j) => flat[i * k + j] as number));
}
