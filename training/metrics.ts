import type { Evaluation } from '../model/metadata';

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

/** Index of the largest value (first on ties); -1 for an empty array. */
export function argmax(values: ArrayLike<number>): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (best < 0 || (values[i] ?? 0) > (values[best] ?? 0)) best = i;
  return best;
}
