import { CONTINUOUS_FEATURE_NAMES, logDurationSeconds, type ModelInput, type Normalization } from './features';
import { MAX_REASONS, type ExplainedInput, type Reason } from './reasons';

/**
 * Why the model gave a theme (issue 11): for one track and one theme, each explained input
 * ({@link ExplainedInput}: the 10 continuous audio features and the duration) is moved to its
 * training mean, one at a time, with everything else kept, and the theme's probability is asked
 * again. The drop `p(theme | track) − p(theme | track with that input at the mean)` is how much the
 * track's own value of that input pushed the theme up. The inputs with the largest positive drop
 * are the reasons, read as "high" or "low" by which side of the mean the track's value is on.
 * The extension reads the probability among the enabled themes (the scale its badge, tooltip and
 * threshold use), so an input that moves probability onto a theme that is off counts too.
 *
 * This is an occlusion (or "mean ablation") explanation: it needs nothing but `predict`, so it
 * works for any model behind it (network, trees, ensemble), and it is exact about what it says
 * (the model's own answer for a changed input), not an approximation of gradients. It does not
 * capture interactions between inputs (two inputs that matter only together each look small),
 * and `key` is left out because a pitch class has no meaningful mean.
 */

/**
 * Smallest probability change, in points of probability (0..1), that counts as a reason: 0.02.
 * Below that the change is within what the uint8 quantization and a ±0.02 move of a feature
 * already shift (training/REPORT.md, "Robustness"), so it would explain noise.
 */
export const MIN_REASON_CHANGE = 0.02;

/** The explained inputs in a fixed order: the continuous features, then the duration. */
export const EXPLAINED_INPUTS: readonly ExplainedInput[] = [...CONTINUOUS_FEATURE_NAMES, 'duration'];

/** A model's calibrated probabilities, one row per input, in label order (`Classifier.predict`). */
export type Predict = (rows: readonly ModelInput[]) => number[][];

/**
 * `row` with `input` moved to the training mean of `normalization`: a feature to its mean (in its
 * own unit), the duration to exp(mean ln seconds) in ms. `undefined` for a duration that is
 * unknown (nothing to move: the model already reads it as missing).
 */
export function atTrainingMean(row: ModelInput, input: ExplainedInput, normalization: Normalization): ModelInput | undefined {
  if (input === 'duration') {
    if (logDurationSeconds(row.durationMs) === null) return undefined;
    return { features: row.features, durationMs: Math.round(Math.exp(normalization.logDuration.mean)) * 1000 };
  }
  const i = CONTINUOUS_FEATURE_NAMES.indexOf(input);
  return { features: { ...row.features, [input]: normalization.mean[i] ?? row.features[input] }, durationMs: row.durationMs };
}

/** Whether the track's value of `input` is above the training mean (`high`) or not (`low`). */
function directionOf(row: ModelInput, input: ExplainedInput, normalization: Normalization): 'high' | 'low' {
  if (input === 'duration') return (logDurationSeconds(row.durationMs) ?? 0) > normalization.logDuration.mean ? 'high' : 'low';
  const i = CONTINUOUS_FEATURE_NAMES.indexOf(input);
  return row.features[input] > (normalization.mean[i] ?? 0) ? 'high' : 'low';
}

/** `p[target]` over the sum of the counted labels' `p` (all labels when `counted` is absent); 0 when they sum to 0. */
function shareOf(p: readonly number[], target: number, counted: readonly boolean[] | undefined): number {
  const value = p[target] ?? 0;
  if (!counted) return value;
  const total = p.reduce((sum, x, i) => (counted[i] ? sum + x : sum), 0);
  return total > 0 ? value / total : 0;
}

/**
 * The reasons for each track's theme (see the module comment).
 *
 * @param predict the model (one call, with `rows.length × 11` changed rows at most).
 * @param rows the tracks, as the model read them.
 * @param probabilities `predict(rows)`, which the caller already has (one array per row).
 * @param targets per row, the index (in label order) of the theme to explain; `rows.length` long.
 * @param normalization the model's training means (`metadata.features.normalization`).
 * @param counted per label (in label order), whether its probability counts: the theme's
 *   probability is read renormalized over these labels (the enabled themes, as `rankThemes` gives
 *   the badge and its tooltip), before and after each move. Default: every label (the model's own
 *   probability).
 * @returns per row, at most {@link MAX_REASONS} reasons whose change is at least
 *   {@link MIN_REASON_CHANGE}, largest change first (ties in {@link EXPLAINED_INPUTS} order); may be empty.
 * @throws Error when `targets` or `probabilities` do not have one entry per row.
 */
export function explainPredictions(
  predict: Predict,
  rows: readonly ModelInput[],
  probabilities: readonly (readonly number[])[],
  targets: readonly number[],
  normalization: Normalization,
  counted?: readonly boolean[],
): Reason[][] {
  if (targets.length !== rows.length || probabilities.length !== rows.length) {
    throw new Error(`explainPredictions needs one target and one probability row per track: ${rows.length} tracks, ${targets.length} targets, ${probabilities.length} probability rows`);
  }
  const changed: ModelInput[] = [];
  const slots: { row: number; input: ExplainedInput }[] = [];
  rows.forEach((row, r) => {
    for (const input of EXPLAINED_INPUTS) {
      const moved = atTrainingMean(row, input, normalization);
      if (!moved) continue;
      changed.push(moved);
      slots.push({ row: r, input });
    }
  });
  const moved = changed.length > 0 ? predict(changed) : [];
  const candidates: { input: ExplainedInput; change: number }[][] = rows.map(() => []);
  slots.forEach(({ row, input }, k) => {
    const target = targets[row] ?? 0;
    const change = shareOf(probabilities[row] ?? [], target, counted) - shareOf(moved[k] ?? [], target, counted);
    if (change >= MIN_REASON_CHANGE) candidates[row]?.push({ input, change });
  });
  return candidates.map((list, r) => {
    const row = rows[r];
    if (!row) return [];
    // Array.prototype.sort is stable, so equal changes keep EXPLAINED_INPUTS order.
    return [...list]
      .sort((a, b) => b.change - a.change)
      .slice(0, MAX_REASONS)
      .map(({ input, change }) => ({ input, direction: directionOf(row, input, normalization), change }));
  });
}
