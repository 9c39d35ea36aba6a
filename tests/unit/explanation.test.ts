import { describe, expect, it } from 'vitest';
import { describeAge } from '@/lib/shared/badge-look';
import { pickTheme, probabilityAmong, rankThemes } from '@/model/theme-choice';
import { atTrainingMean, EXPLAINED_INPUTS, explainPredictions, MIN_REASON_CHANGE, type Predict } from '@/model/explanation';
import type { ModelInput, Normalization } from '@/model/features';
import { describeReasons, MAX_REASONS, REASON_PHRASES } from '@/model/reasons';
import { makeFeatures } from './support/fixtures';

/** Training means of a made-up model: energy 0.5, tempo 120 BPM, ln(seconds) = ln(200). */
const NORMALIZATION: Normalization = {
  mean: [0.3, 0.5, 0.5, 0.2, 0.2, -9, 0.6, 0.1, 120, 0.4],
  std: [0.3, 0.2, 0.3, 0.3, 0.2, 6, 0.5, 0.1, 30, 0.25],
  logDuration: { mean: Math.log(200), std: 0.4 },
};

/**
 * A two-theme model whose first theme ("workout") rises with energy and tempo and with long
 * tracks, written as plain arithmetic so the expected changes can be worked out by hand:
 * p(workout) = 0.5 + 0.4·(energy − 0.5) + 0.002·(tempo − 120) + 0.05·[duration > 300 s].
 */
const linearModel: Predict = (rows) =>
  rows.map(({ features, durationMs }) => {
    const long = durationMs !== null && durationMs > 300_000 ? 0.05 : 0;
    const workout = 0.5 + 0.4 * (features.energy - 0.5) + 0.002 * (features.tempo - 120) + long;
    return [workout, 1 - workout];
  });

const row = (energy: number, tempo: number, durationMs: number | null = null): ModelInput => ({ features: makeFeatures({ energy, tempo }), durationMs });

describe('explanation by moving each input to the training mean (issue 11)', () => {
  it('gives the inputs that pushed the theme up, largest first, read against the mean', () => {
    // energy 0.9: +0.4·0.4 = 0.16; tempo 170: +0.002·50 = 0.10; duration 400 s (mean 200 s): +0.05.
    const rows = [row(0.9, 170, 400_000)];
    const [reasons] = explainPredictions(linearModel, rows, linearModel(rows), [0], NORMALIZATION);
    expect(reasons?.map((r) => [r.input, r.direction])).toEqual([
      ['energy', 'high'],
      ['tempo', 'high'],
      ['duration', 'high'],
    ]);
    expect(reasons?.map((r) => r.change)).toEqual([expect.closeTo(0.16, 9), expect.closeTo(0.1, 9), expect.closeTo(0.05, 9)]);
    expect(describeReasons(reasons ?? [])).toBe('high energy, fast tempo, long');
  });

  it('explains the theme it is asked about: a slow, calm track is explained for the other theme', () => {
    const rows = [row(0.1, 70)];
    const [reasons] = explainPredictions(linearModel, rows, linearModel(rows), [1], NORMALIZATION);
    // For theme 1 (1 − workout), low energy raised it by 0.16 and the slow tempo by 0.1.
    expect(reasons?.map((r) => describeReasons([r]))).toEqual(['low energy', 'slow tempo']);
  });

  it('with some labels not counted (themes that are off), reads the theme\'s probability among the counted ones', () => {
    // Three labels: workout stays at 0.3 whatever the energy; energy moves probability between
    // party (on) and a third theme that is off: p(party) = 0.3 + 0.4·(energy − 0.5).
    const threeThemes: Predict = (rows) => rows.map(({ features }) => [0.3, 0.3 + 0.4 * (features.energy - 0.5), 0.4 - 0.4 * (features.energy - 0.5)]);
    const rows = [row(0.1, 120)];
    // The model's own workout probability does not move: no reason.
    expect(explainPredictions(threeThemes, rows, threeThemes(rows), [0], NORMALIZATION)).toEqual([[]]);
    // Among workout and party, low energy took probability from party: 0.3 / 0.44 against 0.3 / 0.6 at the mean.
    const [reasons] = explainPredictions(threeThemes, rows, threeThemes(rows), [0], NORMALIZATION, [true, true, false]);
    expect(reasons?.map((r) => [r.input, r.direction])).toEqual([['energy', 'low']]);
    expect(reasons?.[0]?.change).toBeCloseTo(0.3 / 0.44 - 0.5, 9);
  });

  it('leaves out inputs that pushed the theme down or changed it by less than the minimum', () => {
    // energy 0.9 raises workout; tempo 60 lowers it (−0.12); duration 301 s (+0.05 just above 300).
    const lowering = [row(0.9, 60, 301_000)];
    const [reasons] = explainPredictions(linearModel, lowering, linearModel(lowering), [0], NORMALIZATION);
    expect(reasons?.map((r) => r.input)).toEqual(['energy', 'duration']);
    // A move smaller than MIN_REASON_CHANGE is no reason.
    const tiny = [row(0.5 + (MIN_REASON_CHANGE / 0.4) * 0.9, 120)];
    expect(explainPredictions(linearModel, tiny, linearModel(tiny), [0], NORMALIZATION)).toEqual([[]]);
  });

  it('an unknown duration is not moved (the model already reads it as missing)', () => {
    expect(atTrainingMean(row(0.5, 120, null), 'duration', NORMALIZATION)).toBeUndefined();
    // A known one goes to exp(mean ln seconds), whole seconds, in ms.
    expect(atTrainingMean(row(0.5, 120, 61_000), 'duration', NORMALIZATION)?.durationMs).toBe(200_000);
    const calls: number[] = [];
    const counting: Predict = (rows) => {
      calls.push(rows.length);
      return linearModel(rows);
    };
    const rows = [row(0.9, 170, null), row(0.9, 170, 400_000)];
    explainPredictions(counting, rows, linearModel(rows), [0, 0], NORMALIZATION);
    // One call: 10 moved features for the first track, 10 + the duration for the second.
    expect(calls).toEqual([21]);
    expect(EXPLAINED_INPUTS).toHaveLength(11);
  });

  it('works for any model behind predict: a step function (like one tree) over danceability', () => {
    const tree: Predict = (rows) => rows.map(({ features }) => (features.danceability > 0.6 ? [0.9, 0.1] : [0.3, 0.7]));
    const rows = [{ features: makeFeatures({ danceability: 0.8 }), durationMs: null }];
    const [reasons] = explainPredictions(tree, rows, tree(rows), [0], NORMALIZATION);
    expect(reasons).toEqual([{ input: 'danceability', direction: 'high', change: expect.closeTo(0.6, 12) }]);
  });

  it(`gives at most ${MAX_REASONS} reasons, and throws when targets do not match the rows`, () => {
    // Every continuous input raises theme 0 by the same 0.05 when it is away from its mean.
    const everyInput: Predict = (rows) =>
      rows.map(({ features }) => {
        const away = Object.entries(features).filter(([name, value]) => name !== 'key' && value !== NORMALIZATION.mean[EXPLAINED_INPUTS.indexOf(name as never)]).length;
        return [0.05 * away, 1 - 0.05 * away];
      });
    const rows = [{ features: makeFeatures({ acousticness: 0.9, danceability: 0.9, energy: 0.9, instrumentalness: 0.9, liveness: 0.9 }), durationMs: null }];
    const [reasons] = explainPredictions(everyInput, rows, everyInput(rows), [0], NORMALIZATION);
    expect(reasons).toHaveLength(MAX_REASONS);
    // Equal changes keep the inputs' fixed order.
    expect(reasons?.map((r) => r.input)).toEqual(EXPLAINED_INPUTS.slice(0, MAX_REASONS));
    expect(() => explainPredictions(linearModel, rows, everyInput(rows), [], NORMALIZATION)).toThrow(/one target/);
  });

  it('has words for both directions of every explained input', () => {
    for (const input of EXPLAINED_INPUTS) {
      expect(REASON_PHRASES[input].high).not.toBe('');
      expect(REASON_PHRASES[input].low).not.toBe(REASON_PHRASES[input].high);
    }
  });
});

describe('rankThemes and probabilityAmong (one scale for the badge, its tooltip, the popup and the panel)', () => {
  const labels = ['workout', 'party', 'dinner', 'sleep'] as const;

  it('ranks the enabled themes, ties in label order, with the probabilities renormalized over them; the first is pickTheme\'s choice to the bit', () => {
    // dinner is off: its 0.5 is dropped and the enabled 0.2, 0.2, 0.1 become 0.4, 0.4, 0.2.
    const p = [0.2, 0.2, 0.5, 0.1];
    const enabled = ['workout', 'party', 'sleep'] as const;
    const ranked = rankThemes(p, labels, enabled);
    expect(ranked.map((r) => r.theme)).toEqual(['workout', 'party', 'sleep']);
    expect(ranked.map((r) => r.probability)).toEqual([expect.closeTo(0.4, 12), expect.closeTo(0.4, 12), expect.closeTo(0.2, 12)]);
    expect(ranked[0]).toEqual(pickTheme(p, labels, enabled));
    expect(() => rankThemes([1], labels, ['workout'])).toThrow(/Expected 4/);
  });

  it('gives every enabled theme 0 when they carry no probability, and agrees with probabilityAmong on a record', () => {
    expect(rankThemes([0, 0, 1, 0], labels, ['workout', 'sleep'])).toEqual([
      { theme: 'workout', probability: 0 },
      { theme: 'sleep', probability: 0 },
    ]);
    const record = { workout: 0.3, party: 0.1, dinner: 0.4, sleep: 0.2 };
    const enabled = ['workout', 'party', 'sleep'] as const;
    for (const { theme, probability } of rankThemes([0.3, 0.1, 0.4, 0.2], labels, enabled)) expect(probabilityAmong(record, theme, enabled)).toBeCloseTo(probability, 12);
    expect(probabilityAmong(record, 'workout', enabled)).toBeCloseTo(0.5, 12);
    // A theme that is off, a theme the record lacks, and enabled themes with no probability.
    expect(probabilityAmong(record, 'dinner', enabled)).toBe(0);
    expect(probabilityAmong({ workout: 0.6 }, 'party', ['workout', 'party'])).toBe(0);
    expect(probabilityAmong({ dinner: 1 }, 'sleep', ['sleep', 'workout'])).toBe(0);
  });
});

describe('describeAge (the tooltip\'s age of the audio features)', () => {
  it('reads whole units, largest first, in English', () => {
    const now = Date.UTC(2026, 11, 5, 12);
    const minute = 60_000;
    const day = 24 * 60 * minute;
    expect(describeAge(now - 30_000, now)).toBe('just now');
    expect(describeAge(now + 5 * minute, now)).toBe('just now');
    expect(describeAge(now - 5 * minute, now)).toBe('5 minutes ago');
    expect(describeAge(now - 2 * 60 * minute, now)).toBe('2 hours ago');
    expect(describeAge(now - day, now)).toBe('yesterday');
    expect(describeAge(now - 3 * day, now)).toBe('3 days ago');
    expect(describeAge(now - 65 * day, now)).toBe('2 months ago');
    expect(describeAge(now - 800 * day, now)).toBe('2 years ago');
  });
});
