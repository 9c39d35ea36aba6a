import { describe, expect, it } from 'vitest';
import { THEME_IDS, type ThemeId } from '@/model/themes';
import { FOLDS } from '@/training/cv';
import type { LabelledTrack } from '@/training/data';
import { describeTrial, exploreTrees, titleVocabulary, titleWords, treesTable, TREES_TRIALS, type FitTrees, type TreesTrial } from '@/training/explore-trees';
import type { Dataset } from '@/training/model';
import { GRADIENT_BOOSTING } from '@/training/baselines';
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
