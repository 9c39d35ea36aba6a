import { describe, expect, it } from 'vitest';
import { chooseUncertainThreshold, expectedCalibrationError, fitTemperature, negativeLogLikelihood, reliabilityBins, transferableUncertainThreshold } from '@/training/calibration';

describe('expected calibration error', () => {
  it('is 0 when every bin is as accurate as it is confident', () => {
    // 4 rows at confidence 0.75, 3 of them right.
    const p = [[0.75, 0.25], [0.75, 0.25], [0.75, 0.25], [0.75, 0.25]];
    expect(expectedCalibrationError(p, [0, 0, 0, 1])).toBeCloseTo(0, 12);
  });

  it('weights each bin by its share of rows (worked example)', () => {
    // Bin (0.9, 0.933]: 2 rows at 0.92, 1 right → |0.5 − 0.92| = 0.42, weight 2/4.
    // Bin (0.533, 0.6]: 2 rows at 0.6, both right → |1 − 0.6| = 0.4, weight 2/4.
    const p = [[0.92, 0.08], [0.08, 0.92], [0.6, 0.4], [0.4, 0.6]];
    const truth = [0, 0, 0, 1];
    expect(expectedCalibrationError(p, truth)).toBeCloseTo(0.5 * 0.42 + 0.5 * 0.4, 12);
    const bins = reliabilityBins(p, truth);
    expect(bins).toHaveLength(15);
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(4);
    const top = bins[13];
    expect(top).toMatchObject({ count: 2, accuracy: 0.5 });
    expect(top?.confidence).toBeCloseTo(0.92, 12);
  });

  it('puts a confidence of exactly 1 in the last bin and is 0 for no rows', () => {
    expect(reliabilityBins([[1, 0]], [0]).at(-1)?.count).toBe(1);
    expect(expectedCalibrationError([], [])).toBe(0);
    expect(() => expectedCalibrationError([[1, 0]], [])).toThrow(/1 probability rows for 0 labels/);
  });
});

describe('temperature scaling', () => {
  /** Logits whose true class is drawn from softmax(z / trueT): the NLL-optimal temperature is then about trueT. */
  function synthetic(trueT: number, n: number) {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const k = 4;
    const logits: number[] = [];
    const truth: number[] = [];
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: k }, () => (random() - 0.5) * 8);
      logits.push(...z);
      const e = z.map((v) => Math.exp(v / trueT));
      const total = e.reduce((a, b) => a + b, 0);
      let u = random() * total;
      let c = 0;
      while (c < k - 1 && u > (e[c] as number)) u -= e[c++] as number;
      truth.push(c);
    }
    return { logits, k, truth };
  }

  it('recovers the temperature that generated the labels', () => {
    expect(fitTemperature(synthetic(2.5, 20000))).toBeCloseTo(2.5, 0);
    expect(Math.abs(fitTemperature(synthetic(0.5, 20000)) - 0.5)).toBeLessThan(0.05);
  });

  it('finds the minimum of the negative log-likelihood', () => {
    const set = synthetic(1.6, 5000);
    const t = fitTemperature(set);
    const at = negativeLogLikelihood(set, t);
    expect(at).toBeLessThan(negativeLogLikelihood(set, t * 1.05));
    expect(at).toBeLessThan(negativeLogLikelihood(set, t / 1.05));
    expect(at).toBeLessThanOrEqual(negativeLogLikelihood(set, 1));
  });

  it('lowers the ECE of over-confident logits', () => {
    const set = synthetic(3, 20000);
    const rows = (t: number) => {
      const out: number[][] = [];
      for (let i = 0; i < set.truth.length; i++) {
        const z = set.logits.slice(i * 4, i * 4 + 4).map((v) => v / t);
        const m = Math.max(...z);
        const e = z.map((v) => Math.exp(v - m));
        const s = e.reduce((a, b) => a + b, 0);
        out.push(e.map((v) => v / s));
      }
      return out;
    };
    const before = expectedCalibrationError(rows(1), set.truth);
    const after = expectedCalibrationError(rows(fitTemperature(set)), set.truth);
    expect(before).toBeGreaterThan(0.1);
    expect(after).toBeLessThan(0.02);
  });

  it('returns 1 for an empty set', () => {
    expect(fitTemperature({ logits: [], k: 3, truth: [] })).toBe(1);
  });
});

describe('chooseUncertainThreshold', () => {
  /** 40 outcomes at each of 0.05, 0.15, ..., 0.95, right `round(40 · p)` times: accuracy equals probability. */
  const calibrated = [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95].flatMap((p) =>
    Array.from({ length: 40 }, (_, i) => ({ probability: p, correct: i < Math.round(40 * p) })),
  );

  it('is the upper end of the highest 0.1-wide band whose badges are right at most half of the time', () => {
    // Band [0.45, 0.55) holds the 0.45 outcomes (18 of 40 right); every band above holds more right than wrong.
    expect(chooseUncertainThreshold(calibrated)).toBe(0.55);
    expect(chooseUncertainThreshold(calibrated, 0.75)).toBe(0.85);
  });

  it('ignores bands with fewer than 30 outcomes', () => {
    const few = [...calibrated, ...Array.from({ length: 29 }, () => ({ probability: 0.97, correct: false }))];
    expect(chooseUncertainThreshold(few)).toBe(0.55);
  });

  it('is 0 when even the least confident badges are mostly right, and for no outcomes', () => {
    expect(chooseUncertainThreshold(Array.from({ length: 100 }, (_, i) => ({ probability: i / 100, correct: true })))).toBe(0);
    expect(chooseUncertainThreshold([])).toBe(0);
  });
});

describe('transferableUncertainThreshold', () => {
  const outcomes = (n: number, p: number, correct: number) => Array.from({ length: n }, (_, i) => ({ probability: p, correct: i < correct }));

  it('keeps the band cut-off when the confident badges of every source are right often enough', () => {
    const sources = [...new Array<string>(40).fill('a'), ...new Array<string>(40).fill('b')];
    const o = [...outcomes(40, 0.8, 30), ...outcomes(40, 0.7, 28)];
    expect(transferableUncertainThreshold(0.4, sources, o)).toBe(0.4);
  });

  it('raises the cut-off until every source with 30+ confident tracks reaches the accuracy', () => {
    // Source b: 40 tracks at 0.6 right 10 % of the time, 40 at 0.9 right 90 % (50 % together); source a is fine.
    const sources = [...new Array<string>(40).fill('a'), ...new Array<string>(80).fill('b')];
    const o = [...outcomes(40, 0.7, 35), ...outcomes(40, 0.6, 4), ...outcomes(40, 0.9, 36)];
    expect(transferableUncertainThreshold(0.5, sources, o)).toBe(0.61);
    expect(transferableUncertainThreshold(0.5, sources.slice(0, 110), o.slice(0, 110))).toBe(0.61);
    // A source with fewer than 30 confident tracks does not hold the cut-off up.
    expect(transferableUncertainThreshold(0.5, sources.slice(0, 60), o.slice(0, 60))).toBe(0.5);
    // Nothing reaches the accuracy: 0.99.
    expect(transferableUncertainThreshold(0.5, new Array<string>(40).fill('c'), outcomes(40, 0.995, 10))).toBe(0.99);
    expect(() => transferableUncertainThreshold(0.5, ['a'], [])).toThrow(/1 sources for 0 outcomes/);
  });
});
