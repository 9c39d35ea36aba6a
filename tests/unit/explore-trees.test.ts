import { describe, expect, it } from 'vitest';
import { THEME_IDS, type ThemeId } from '@/model/themes';
import { CONTINUOUS_FEATURE_NAMES } from '@/model/features';
import { FOLDS } from '@/training/cv';
import { TEACHER_FOLDS, crossFittedGbt } from '@/training/distill';
import type { LabelledTrack } from '@/training/data';
import { describeTrial, exploreTrees, pruneLowestPerClass, titleVocabulary, titleWords, treesTable, TREES_TRIALS, type TreesTrial } from '@/training/explore-trees';
import { DEFAULT_TRAIN_OPTIONS, balancedClassWeights, type Dataset } from '@/training/model';
import { GRADIENT_BOOSTING, type FitTrees } from '@/training/baselines';
import { makeFeatures, trackId } from './support/fixtures';

/** 50 artists of 6 tracks, each artist of one of four themes, so every fold holds all four. */
const PRESENT: readonly ThemeId[] = ['workout', 'party', 'sleep', 'chill'];
const tracks: LabelledTrack[] = Array.from({ length: 300 }, (_, i) => {
  const artist = Math.floor(i / 6);
  const theme = PRESENT[artist % PRESENT.length] ?? 'party';
  return {
    trackId: trackId(i),
    title: `Song ${i}`,
    artist: `artist ${artist}`,
    features: makeFeatures({ energy: (i % 10) / 10, tempo: 80 + (i % 7) * 10 }),
    durationMs: i % 3 === 0 ? null : 180_000 + i * 1000,
    theme,
    softLabel: THEME_IDS.map((t) => (t === theme ? 1 : 0)),
    votes: { tidytuesday: { [theme]: 1 }, mpd: {}, genres: {} },
  };
});

const SLEEP = THEME_IDS.indexOf('sleep');
const CHILL = THEME_IDS.indexOf('chill');

/**
 * Fake trees that read the held-out truth: right with 0.7 for every theme but sleep, whose tracks
 * get chill 0.5 and sleep 0.45 (so arg-max says chill). A sleep offset of +0.2 on the
 * log-probabilities (log 0.5/0.45 = 0.105) makes every answer right; nothing else needs one.
 */
function fakeTrees() {
  const calls: { seed: number; rounds: number; train: number; truth: number[] }[] = [];
  const fit: FitTrees = async (train, test, classes, _weights, seed, params) => {
    calls.push({ seed, rounds: params.rounds, train: train.y.length, truth: [...test.y] });
    const out = new Float64Array(test.y.length * classes);
    test.y.forEach((t, r) => {
      const row = out.subarray(r * classes, (r + 1) * classes);
      if (t === SLEEP) {
        row.fill(0.05 / (classes - 2));
        row[CHILL] = 0.5;
        row[SLEEP] = 0.45;
      } else {
        row.fill(0.3 / (classes - 1));
        row[t] = 0.7;
      }
    });
    return out;
  };
  return { fit, calls };
}

describe('npm run explore:trees (issue 10: the trees levers on the folds of npm run train)', () => {
  it('scores each trial on every fold with its seed + fold, and class biases fitted on the other folds fix what they should', async () => {
    const { fit, calls } = fakeTrees();
    const trials: TreesTrial[] = [
      { params: GRADIENT_BOOSTING, treeSeed: 42 },
      { params: { ...GRADIENT_BOOSTING, rounds: 7 }, treeSeed: 1000 },
    ];
    const results = await exploreTrees(tracks, { seed: 42, trials, badgeThemes: PRESENT, countedThemes: PRESENT, fit });
    expect(calls.map((c) => [c.rounds, c.seed])).toEqual([
      ...Array.from({ length: FOLDS }, (_, f) => [GRADIENT_BOOSTING.rounds, 42 + f]),
      ...Array.from({ length: FOLDS }, (_, f) => [7, 1000 + f]),
    ]);
    // Every cross-validation track is held out once per trial, and trained on in the other folds.
    const heldOut = calls.slice(0, FOLDS).reduce((n, c) => n + c.truth.length, 0);
    for (const c of calls.slice(0, FOLDS)) expect(c.train + c.truth.length).toBe(heldOut);

    for (const r of results) {
      r.macroF1.forEach((f1, fold) => {
        // Worked out from the fold's own counts: sleep is never predicted, chill takes its tracks.
        const truth = calls[fold]?.truth ?? [];
        const chill = truth.filter((t) => t === CHILL).length;
        const sleep = truth.filter((t) => t === SLEEP).length;
        const precision = chill / (chill + sleep);
        const chillF1 = (2 * precision) / (1 + precision);
        // Over all 8 themes (four have no tracks: F1 0), and over the four present ones.
        expect(f1).toBeCloseTo((2 + chillF1) / 8, 12);
        expect(r.countedMacroF1[fold]).toBeCloseTo((2 + chillF1) / 4, 12);
        expect(r.badge[fold]).toBeCloseTo((2 + chillF1) / 4, 12);
        // With the offsets (fitted without this fold), every answer is right.
        expect(r.withBiases[fold]).toBeCloseTo(4 / 8, 12);
        expect(r.badgeWithBiases[fold]).toBeCloseTo(1, 12);
      });
    }

    const table = treesTable(results).split('\n');
    expect(table).toHaveLength(2 + trials.length);
    expect(table[2]).toMatch(/^\| 120 rounds, depth 5, η 0\.1, .*tree seed 42 \+ fold \| .* \| – \| – \| \d+ \|$/);
    // The second trial scored the same as the first: paired differences of 0.
    expect(table[3]).toMatch(/\| 0\.00 ± 0\.00 \| 0\.00 ± 0\.00 \| \d+ \|$/);
  });

  it('a title-word trial gives the trees one 0/1 column per word of enough training titles, the held-out rows encoded with that vocabulary', async () => {
    // Sleep tracks are "Rain Song <i>", the others "Song <i>"; track 7 alone adds "Lullaby".
    const titled = tracks.map((t, i) => ({ ...t, title: i === 7 ? 'Lullaby Song 7' : t.theme === 'sleep' ? `Rain Song ${i}` : `Song ${i}` }));
    const seen: { train: Dataset; test: Dataset }[] = [];
    const { fit: scoreLikeFake } = fakeTrees();
    const fit: FitTrees = (train, test, ...rest) => {
      seen.push({ train, test });
      return scoreLikeFake(train, test, ...rest);
    };
    const plain = await exploreTrees(titled, { seed: 42, trials: [{ params: GRADIENT_BOOSTING, treeSeed: 42 }], badgeThemes: PRESENT, countedThemes: PRESENT, fit });
    const words = await exploreTrees(titled, { seed: 42, trials: [{ params: GRADIENT_BOOSTING, treeSeed: 42, titleWordMinTracks: 5 }], badgeThemes: PRESENT, countedThemes: PRESENT, fit });
    expect(words[0]?.macroF1).toEqual(plain[0]?.macroF1);

    const sleep = THEME_IDS.indexOf('sleep');
    for (let fold = 0; fold < FOLDS; fold++) {
      const before = seen[fold];
      const after = seen[FOLDS + fold];
      if (!before || !after) throw new Error(`fold ${fold} was not fitted twice`);
      // "song" is in every title and "rain" in every sleep title; "lullaby" (1 track) and the numbers (1 each) are too rare.
      expect(after.train.inputSize).toBe(before.train.inputSize + 2);
      for (const [b, a] of [
        [before.train, after.train],
        [before.test, after.test],
      ] as const) {
        expect(a.y).toEqual(b.y);
        a.y.forEach((y, r) => {
          const row = a.x.subarray(r * a.inputSize, (r + 1) * a.inputSize);
          expect([...row.subarray(0, b.inputSize)]).toEqual([...b.x.subarray(r * b.inputSize, (r + 1) * b.inputSize)]);
          expect([...row.subarray(b.inputSize)]).toEqual([1, y === sleep ? 1 : 0]);
        });
      }
    }
    expect(describeTrial({ params: GRADIENT_BOOSTING, treeSeed: 42, titleWordMinTracks: 20 })).toMatch(/tree seed 42 \+ fold, \+ title words in ≥ 20 training titles$/);
  });

  it('a pruning trial drops the share of each theme\'s training rows with the lowest cross-fitted probability of their own theme, and weighs the classes of the rows kept', async () => {
    const energy = CONTINUOUS_FEATURE_NAMES.indexOf('energy');
    const calls: { seed: number; train: Dataset; test: Dataset; weights: Readonly<Record<number, number>> }[] = [];
    // Every theme's probability rises with the row's (standardized) energy, so the pruned rows are a theme's least energetic.
    const fit: FitTrees = async (train, test, classes, weights, seed) => {
      calls.push({ seed, train, test, weights });
      const out = new Float64Array(test.y.length * classes);
      test.y.forEach((_, r) => out.fill(1 / (1 + Math.exp(-(test.x[r * test.inputSize + energy] ?? 0))), r * classes, (r + 1) * classes));
      return out;
    };
    await exploreTrees(tracks, { seed: 42, trials: [{ params: GRADIENT_BOOSTING, treeSeed: 42 }], badgeThemes: PRESENT, countedThemes: PRESENT, fit });
    const plain = calls.splice(0);
    await exploreTrees(tracks, { seed: 42, trials: [{ params: GRADIENT_BOOSTING, treeSeed: 7, pruneShare: 0.2 }], badgeThemes: PRESENT, countedThemes: PRESENT, fit });

    // Per fold: three cross-fitted fits (seed 7 + fold + part), then the trees on the rows kept (seed 7 + fold).
    expect(calls.map((c) => c.seed)).toEqual(Array.from({ length: FOLDS }, (_, f) => [7 + f, 8 + f, 9 + f, 7 + f]).flat());
    for (let fold = 0; fold < FOLDS; fold++) {
      const before = plain[fold]?.train;
      const inner = calls.slice(4 * fold, 4 * fold + 3);
      const after = calls[4 * fold + 3];
      if (!before || !after) throw new Error(`fold ${fold} was not fitted`);
      // The cross-fitted parts label every training row once; the held-out fold is what it was.
      expect(inner.reduce((n, c) => n + c.test.y.length, 0)).toBe(before.y.length);
      expect(after.test.y).toEqual(plain[fold]?.test.y);
      const energies = (d: Dataset, theme: number) =>
        d.y.flatMap((y, r) => (y === theme ? [d.x[r * d.inputSize + energy] ?? 0] : [])).sort((a, b) => a - b);
      for (const theme of PRESENT.map((t) => THEME_IDS.indexOf(t))) {
        const all = energies(before, theme);
        expect(energies(after.train, theme)).toEqual(all.slice(Math.floor(all.length * 0.2)));
      }
      expect(after.weights).toEqual(balancedClassWeights(after.train.y, THEME_IDS.length, DEFAULT_TRAIN_OPTIONS.maxClassWeight));
    }
    expect(describeTrial({ params: GRADIENT_BOOSTING, treeSeed: 42, pruneShare: 0.2 })).toMatch(/tree seed 42 \+ fold, training rows pruned: 20 % of each theme$/);
  });

  it('pruneLowestPerClass keeps all but the ⌊n × share⌋ rows of each class with the lowest probability, the earlier row first on ties', () => {
    const classes = [0, 0, 0, 0, 1, 1, 1, 2];
    const own = [0.9, 0.1, 0.5, 0.3, 0.2, 0.2, 0.8, 0.05];
    // Class 0 loses rows 1 and 3 (⌊4 × 0.5⌋ = 2), class 1 row 4 (tied with 5, earlier), class 2 nothing (⌊0.5⌋ = 0).
    expect(pruneLowestPerClass(classes, own, 0.5)).toEqual([0, 2, 5, 6, 7]);
    expect(pruneLowestPerClass(classes, own, 0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const share of [1, -0.1, Number.NaN]) expect(() => pruneLowestPerClass(classes, own, share)).toThrow(RangeError);
    expect(() => pruneLowestPerClass(classes, own.slice(1), 0.5)).toThrow(/8 classes but 7 probabilities/);
  });

  it('crossFittedGbt labels each row, and each copy of it, with trees fitted without its artist', async () => {
    // 12 artists of 5 rows; input column 0 is the row's artist, so a fit's training rows tell its artists.
    const n = 60;
    const artistOf = (r: number) => Math.floor((r % n) / 5);
    const rows = 2 * n; // the rows past n are copies
    const x = Float32Array.from({ length: rows * 2 }, (_, i) => (i % 2 === 0 ? artistOf(i / 2) : 0));
    const train: Dataset = { x, y: Array.from({ length: n }, (_, r) => artistOf(r) % 3), soft: new Float32Array(0), inputSize: 2 };
    const seen: Set<number>[] = [];
    const fit: FitTrees = async (fitted, test, classes) => {
      seen.push(new Set(fitted.y.map((_, r) => fitted.x[r * 2] ?? -1)));
      return new Float64Array(test.y.length * classes).fill(seen.length - 1);
    };
    const p = await crossFittedGbt(train, Array.from({ length: n }, (_, r) => `artist ${artistOf(r)}`), 3, 5, GRADIENT_BOOSTING, fit);
    expect(seen).toHaveLength(TEACHER_FOLDS);
    for (let r = 0; r < rows; r++) {
      const call = p[r * 3] ?? -1;
      expect(seen[call]?.has(artistOf(r)), `row ${r}`).toBe(false);
      expect(call, `copy of row ${r % n}`).toBe(p[(r % n) * 3]);
    }
  });

  it('titleWords: lower case, accents and punctuation dropped, one-character words and repeats left out', () => {
    expect(titleWords('Rain Sounds (Loopable) - Remix')).toEqual(['rain', 'sounds', 'loopable', 'remix']);
    expect(titleWords('Café del Mar, Vol. 2 — café')).toEqual(['cafe', 'del', 'mar', 'vol']);
    expect(titleWords("Don't Stop Me Now")).toEqual(['don', 'stop', 'me', 'now']);
    expect(titleVocabulary(['a b rain', 'Rain', 'RAIN sleep', 'sleep'], 2)).toEqual(['rain', 'sleep']);
  });

  it('its first trial is the baseline of npm run train (same settings, same seeds), so the report can check the folds against it', () => {
    expect(TREES_TRIALS[0]).toEqual({ params: GRADIENT_BOOSTING, treeSeed: 42 });
  });
});
