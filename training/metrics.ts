import { pickTheme, rankThemes } from '../model/classifier';
import type { Evaluation } from '../model/metadata';
import type { ThemeId } from '../model/themes';

/**
 * Classification metrics over integer class indices.
 *
 * - accuracy: share of rows whose prediction equals the truth;
 * - per class: precision = TP / (TP + FP), recall = TP / (TP + FN), F1 their harmonic mean,
 *   each 0 when its denominator is 0 (scikit-learn's `zero_division=0` convention);
 * - macro-F1: the unweighted mean of the per-class F1 over all `labels`, so small classes count
 *   as much as large ones;
 * - confusion matrix: `[true][predicted]` counts in `labels` order.
 *
 * @param truth true class index per row; @param predicted predicted class index per row (same length).
 * @throws Error when the lengths differ or an index is outside `labels`.
 */
export function evaluate(truth: readonly number[], predicted: readonly number[], labels: readonly string[]): Evaluation {
  if (truth.length !== predicted.length) throw new Error(`truth has ${truth.length} rows, predictions ${predicted.length}`);
  const k = labels.length;
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  truth.forEach((t, i) => {
    const p = predicted[i] ?? -1;
    const row = matrix[t];
    if (!row || p < 0 || p >= k) throw new Error(`class index out of range at row ${i}: truth ${t}, predicted ${p}`);
    row[p] = (row[p] ?? 0) + 1;
    if (t === p) correct++;
  });
  const perTheme: Evaluation['perTheme'] = {};
  let f1Sum = 0;
  labels.forEach((label, c) => {
    const tp = matrix[c]?.[c] ?? 0;
    const support = (matrix[c] ?? []).reduce((a, b) => a + b, 0);
    const predictedCount = matrix.reduce((a, row) => a + (row[c] ?? 0), 0);
    const precision = predictedCount > 0 ? tp / predictedCount : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perTheme[label] = { precision, recall, f1, support };
    f1Sum += f1;
  });
  return { accuracy: truth.length > 0 ? correct / truth.length : 0, macroF1: k > 0 ? f1Sum / k : 0, perTheme, confusionMatrix: matrix };
}

/** Macro-F1 of `e` over a subset of its labels (e.g. the themes on by default): the mean of their F1. */
export function macroF1Over(e: Evaluation, themes: readonly ThemeId[]): number {
  return themes.reduce((s, t) => s + (e.perTheme[t]?.f1 ?? 0), 0) / Math.max(1, themes.length);
}

/** Index of the largest value (first on ties); -1 for an empty array. */
export function argmax(values: ArrayLike<number>): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (best < 0 || (values[i] ?? 0) > (values[best] ?? 0)) best = i;
  return best;
}

/** How often the badge's themes hold the true theme (issue 11), see {@link topTwoCoverage}. */
export interface TopTwoCoverage {
  /** Tracks counted: those whose true theme is enabled (the badge can name it). */
  readonly tracks: number;
  /** Share whose most probable enabled theme is the true one. */
  readonly top1: number;
  /** Share whose two most probable enabled themes include the true one. */
  readonly top2: number;
  /** The same for the tracks the badge flags uncertain (those that show two themes). */
  readonly uncertain: { readonly tracks: number; readonly top1: number; readonly top2: number };
}

/**
 * The share of tracks whose true theme is the badge's first theme, and the share where it is one
 * of its two most probable enabled themes (what an uncertain badge shows, "Chill · Focus"),
 * overall and among uncertain badges (renormalized top probability below `threshold`, as
 * `pickTheme` computes it). Tracks whose true theme is not enabled are left out.
 *
 * @param probabilities one row per track, in `labels` order (calibrated).
 * @param truth the true label index per track.
 */
export function topTwoCoverage(probabilities: readonly (readonly number[])[], truth: readonly number[], labels: readonly ThemeId[], enabled: readonly ThemeId[], threshold: number): TopTwoCoverage {
  const all = { tracks: 0, top1: 0, top2: 0 };
  const unsure = { tracks: 0, top1: 0, top2: 0 };
  probabilities.forEach((p, i) => {
    const trueTheme = labels[truth[i] ?? -1];
    if (trueTheme === undefined || !enabled.includes(trueTheme)) return;
    const ranked = rankThemes(p, labels, enabled);
    const first = ranked[0]?.theme === trueTheme ? 1 : 0;
    const two = ranked.slice(0, 2).some((r) => r.theme === trueTheme) ? 1 : 0;
    const counts = [all, ...(pickTheme(p, labels, enabled).probability < threshold ? [unsure] : [])];
    for (const c of counts) {
      c.tracks++;
      c.top1 += first;
      c.top2 += two;
    }
  });
  const share = (c: { tracks: number; top1: number; top2: number }) => ({ tracks: c.tracks, top1: c.top1 / Math.max(1, c.tracks), top2: c.top2 / Math.max(1, c.tracks) });
  return { ...share(all), uncertain: share(unsure) };
}

/**
 * Macro-F1 of the badge's decision (issue 10): each row's prediction is the badge's own choice,
 * `pickTheme` over its `logits` (the most probable of the `enabled` themes; the themes off by
 * default are never shown), scored on the rows whose true theme is enabled, averaged over the
 * enabled themes. The independent holdout of issue 10 is measured this way: its tracks are of the
 * six themes on by default, and `npm run classify` picks among them. Log-probabilities work as
 * logits (same choice).
 *
 * @param logits row-major `[truth.length, labels.length]`. @param truth true label index per row.
 * @param enabled the themes the badge can show (at least one).
 * @throws Error when `logits` is not `truth.length · labels.length` long or `enabled` is empty.
 */
export function badgeMacroF1(logits: ArrayLike<number>, truth: readonly number[], labels: readonly ThemeId[], enabled: readonly ThemeId[]): number {
  const k = labels.length;
  if (logits.length !== truth.length * k) throw new Error(`${logits.length} logits for ${truth.length} rows of ${k}`);
  if (enabled.length === 0) throw new Error('badgeMacroF1 needs at least one enabled class');
  const kept: number[] = [];
  const predicted: number[] = [];
  truth.forEach((t, r) => {
    const column = enabled.indexOf(labels[t] as ThemeId);
    if (column < 0) return;
    kept.push(column);
    predicted.push(enabled.indexOf(pickTheme(Array.from({ length: k }, (_, c) => logits[r * k + c] as number), labels, enabled).theme));
  });
  return evaluate(kept, predicted, enabled).macroF1;
}
