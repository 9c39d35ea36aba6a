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
