import { softmaxRows } from '../model/forward';

/**
 * Calibration measures and temperature scaling (Guo, Pleiss, Sun and Weinberger 2017,
 * "On Calibration of Modern Neural Networks", sections 2 and 4.2).
 */

/** Number of equal-width confidence bins for the expected calibration error (Guo et al. use 15). */
export const ECE_BINS = 15;

/**
 * The accuracy at or below which a badge counts as "uncertain" (see {@link chooseUncertainThreshold}):
 * tracks flagged uncertain get the right theme at most half of the time.
 */
export const UNCERTAIN_ACCURACY_LEVEL = 0.5;

/** One confidence bin of a reliability diagram. */
export interface ReliabilityBin {
  /** Bin bounds on the top probability: (lower, upper], the first bin also includes 0. */
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean top probability of the bin's rows (0 when empty). */
  readonly confidence: number;
  /** Share of the bin's rows whose arg-max is the true class (0 when empty). */
  readonly accuracy: number;
}

/**
 * Reliability bins over the top probability of each row.
 * @param probabilities one array per row (each summing to 1); @param truth true class per row.
 * @throws Error when the lengths differ or `bins` < 1.
 */
export function reliabilityBins(probabilities: readonly (readonly number[])[], truth: readonly number[], bins = ECE_BINS): ReliabilityBin[] {
  if (probabilities.length !== truth.length) throw new Error(`${probabilities.length} probability rows for ${truth.length} labels`);
  if (!(bins >= 1)) throw new Error('bins must be at least 1');
  const count = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  probabilities.forEach((p, i) => {
    let best = 0;
    for (let j = 1; j < p.length; j++) if ((p[j] ?? 0) > (p[best] ?? 0)) best = j;
    const c = p[best] ?? 0;
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(c * bins) - 1));
    count[b] = (count[b] ?? 0) + 1;
    conf[b] = (conf[b] ?? 0) + c;
    if (best === truth[i]) correct[b] = (correct[b] ?? 0) + 1;
  });
  return count.map((n, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    count: n,
    confidence: n > 0 ? (conf[b] ?? 0) / n : 0,
    accuracy: n > 0 ? (correct[b] ?? 0) / n : 0,
  }));
}

/**
 * Expected calibration error: `sum_b (n_b / n) · |accuracy_b − confidence_b|` over
 * {@link ECE_BINS} equal-width bins of the top probability (Guo et al. 2017, eq. 3). In [0, 1];
 * 0 for no rows.
 */
export function expectedCalibrationError(probabilities: readonly (readonly number[])[], truth: readonly number[], bins = ECE_BINS): number {
  const n = truth.length;
  const table = reliabilityBins(probabilities, truth, bins);
  if (n === 0) return 0;
  return table.reduce((s, b) => s + (b.count / n) * Math.abs(b.accuracy - b.confidence), 0);
}

/** Row-major logits `[rows, k]` with the true class of each row. */
export interface LogitSet {
  readonly logits: ArrayLike<number>;
  readonly k: number;
  readonly truth: readonly number[];
}

/** Mean negative log-likelihood (natural log) of the true classes under `softmax(logits / T)`. */
export function negativeLogLikelihood(set: LogitSet, temperature: number): number {
  const p = softmaxRows(set.logits, set.k, temperature);
  let total = 0;
  set.truth.forEach((t, i) => {
    total -= Math.log(Math.max(p[i * set.k + t] ?? 0, 1e-300));
  });
  return set.truth.length > 0 ? total / set.truth.length : 0;
}

/** Search interval of the temperature; the NLL is convex in 1/T, so golden-section search on log T finds its minimum. */
export const TEMPERATURE_RANGE = { min: 0.05, max: 20 } as const;

/**
 * Temperature scaling: the T in {@link TEMPERATURE_RANGE} that minimises
 * {@link negativeLogLikelihood} on held-out logits, by golden-section search on log T to a
 * relative precision of 1e-6 (deterministic). Returns 1 for an empty set.
 */
export function fitTemperature(set: LogitSet): number {
  if (set.truth.length === 0) return 1;
  const f = (logT: number) => negativeLogLikelihood(set, Math.exp(logT));
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(TEMPERATURE_RANGE.min);
  let b = Math.log(TEMPERATURE_RANGE.max);
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > 1e-6) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = f(d);
    }
  }
  return Math.exp((a + b) / 2);
}

/** One track's badge outcome: its renormalized top probability and whether the badge's theme is right. */
export interface BadgeOutcome {
  readonly probability: number;
  readonly correct: boolean;
}

/** Width of the probability band whose accuracy {@link chooseUncertainThreshold} reads, in hundredths (0.10). */
export const UNCERTAIN_BAND_HUNDREDTHS = 10;
/** Fewest outcomes a band needs to count, so that a handful of tracks cannot set the cut-off. */
export const UNCERTAIN_MIN_BAND = 30;

/**
 * The "uncertain" cut-off: the largest c in 0.01, 0.02, ..., 1 such that the outcomes with
 * probability in the band [c − 0.10, c) number at least {@link UNCERTAIN_MIN_BAND} and are
 * correct at most `level` of the time. With level 0.5: just below the cut-off the badge is
 * more often wrong than right; the band (rather than everything below c) keeps the many
 * low-probability tracks from pulling the cut-off far above the point where accuracy crosses
 * the level. 0 when no band qualifies.
 */
export function chooseUncertainThreshold(outcomes: readonly BadgeOutcome[], level = UNCERTAIN_ACCURACY_LEVEL): number {
  let best = 0;
  for (let step = 1; step <= 100; step++) {
    const lower = (step - UNCERTAIN_BAND_HUNDREDTHS) / 100;
    const upper = step / 100;
    let n = 0;
    let correct = 0;
    for (const o of outcomes) {
      if (o.probability >= lower && o.probability < upper) {
        n++;
        if (o.correct) correct++;
      }
    }
    if (n >= UNCERTAIN_MIN_BAND && correct / n <= level) best = upper;
  }
  return best;
}

/** Accuracy the confident badges must reach on every label source's out-of-fold predictions: more often right than wrong, with a small margin. */
export const TRANSFER_MIN_ACCURACY = 0.52;

/**
 * The "uncertain" cut-off made to transfer across label sources: the smallest c ≥ `base` (on
 * the 0.01 grid) such that on every source with at least {@link UNCERTAIN_MIN_BAND} tracks at or
 * above c, those tracks' badges are right at least {@link TRANSFER_MIN_ACCURACY} of the time.
 * `base` itself when it already holds; 0.99 at most.
 *
 * @param sources label source of each outcome (same order as `outcomes`).
 */
export function transferableUncertainThreshold(base: number, sources: readonly string[], outcomes: readonly BadgeOutcome[], minAccuracy = TRANSFER_MIN_ACCURACY): number {
  if (sources.length !== outcomes.length) throw new Error(`${sources.length} sources for ${outcomes.length} outcomes`);
  const names = [...new Set(sources)];
  const holds = (c: number) =>
    names.every((name) => {
      const confident = outcomes.filter((o, i) => sources[i] === name && o.probability >= c);
      return confident.length < UNCERTAIN_MIN_BAND || confident.filter((o) => o.correct).length / confident.length >= minAccuracy;
    });
  for (let step = Math.round(base * 100); step < 100; step++) if (holds(step / 100)) return step / 100;
  return 0.99;
}

/** Grid of the per-theme logit offsets {@link fitClassBiases} searches: −2 to 2 in steps of 0.1. */
export const CLASS_BIAS_GRID = Array.from({ length: 41 }, (_, i) => Math.round((i - 20) * 10) / 100);

/**
 * Per-theme offsets added to the logits before the arg-max, fitted to maximise macro-F1 on
 * held-out logits (out-of-fold predictions): coordinate ascent over {@link CLASS_BIAS_GRID},
 * theme by theme in label order, `rounds` passes, keeping an offset only when it raises the
 * macro-F1 (deterministic; ties keep the smaller |offset|). Cross-entropy training with class
 * weights puts the decision boundaries where the weighted likelihood says, not where macro-F1
 * is best; these offsets move them. They are folded into the output layer's bias, so the
 * shipped network is unchanged in shape.
 *
 * @param logits row-major `[rows, k]`; @param truth true class per row.
 */
export function fitClassBiases(logits: ArrayLike<number>, k: number, truth: readonly number[], rounds = 2): Float64Array {
  const n = truth.length;
  if (logits.length !== n * k) throw new Error(`${logits.length} logits for ${n} rows of ${k}`);
  const bias = new Float64Array(k);
  const score = (b: Float64Array) => macroF1OfLogits(logits, k, truth, b);
  let best = score(bias);
  for (let round = 0; round < rounds; round++) {
    for (let c = 0; c < k; c++) {
      const keep = bias[c] as number;
      let bestValue = keep;
      for (const v of CLASS_BIAS_GRID) {
        bias[c] = v;
        const s = score(bias);
        if (s > best + 1e-12 || (Math.abs(s - best) <= 1e-12 && Math.abs(v) < Math.abs(bestValue))) {
          best = s;
          bestValue = v;
        }
      }
      bias[c] = bestValue;
    }
  }
  return bias;
}

/** Macro-F1 (over all k classes) of the arg-max of `logits + bias`. */
export function macroF1OfLogits(logits: ArrayLike<number>, k: number, truth: readonly number[], bias: ArrayLike<number>): number {
  const tp = new Float64Array(k);
  const predicted = new Float64Array(k);
  const support = new Float64Array(k);
  truth.forEach((t, r) => {
    let top = 0;
    let topValue = -Infinity;
    for (let j = 0; j < k; j++) {
      const v = (logits[r * k + j] as number) + (bias[j] as number);
      if (v > topValue) {
        topValue = v;
        top = j;
      }
    }
    predicted[top] = (predicted[top] as number) + 1;
    support[t] = (support[t] as number) + 1;
    if (top === t) tp[t] = (tp[t] as number) + 1;
  });
  let sum = 0;
  for (let j = 0; j < k; j++) {
    const p = (predicted[j] as number) > 0 ? (tp[j] as number) / (predicted[j] as number) : 0;
    const r = (support[j] as number) > 0 ? (tp[j] as number) / (support[j] as number) : 0;
    sum += p + r > 0 ? (2 * p * r) / (p + r) : 0;
  }
  return sum / k;
}
