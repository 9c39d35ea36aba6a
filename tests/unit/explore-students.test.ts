import { describe, expect, it } from 'vitest';
import { THEME_IDS } from '@/model/themes';
import { logOf, summarize } from '@/training/cv';
import { averagedTeacher, STUDENT_TRIALS, studentsTable, type StudentsRun } from '@/training/explore-students';
import { evaluate } from '@/training/metrics';
import { PERTURBATIONS } from '@/training/robustness';
import { STUDENTS, type CandidateResult } from '@/training/train';

/** A fold's evaluation whose macro-F1 over the 8 themes is `right` / 8: `right` themes each predicted right once, the others absent. */
function fold(right: number) {
  const truth = THEME_IDS.map((_, i) => i).slice(0, right);
  return evaluate(truth, truth, THEME_IDS);
}

function candidate(name: string, kind: CandidateResult['kind'], rights: readonly number[], flips?: readonly number[]): CandidateResult {
  const folds = rights.map(fold);
  const macroF1 = summarize(folds.map((e) => e.macroF1));
  return {
    name,
    kind,
    folds,
    macroF1,
    enabledMacroF1: macroF1,
    accuracy: summarize(folds.map((e) => e.accuracy)),
    ...(flips ? { flips: PERTURBATIONS.map((perturbation, i) => ({ perturbation, share: flips[i] ?? 0 })) } : {}),
    seconds: 12.4,
    oofPredicted: [],
  };
}

describe('npm run explore:students (issue 10: the student levers on the folds of npm run train)', () => {
  it('scores the shipped student first (the check against the report), then the levers', () => {
    expect(STUDENT_TRIALS[0]).toEqual(STUDENTS[0]);
    expect(STUDENT_TRIALS.slice(1).map((s) => [s.teacher, s.epochs])).toEqual([
      ['gbt', 40],
      ['mlp+gbt', 15],
    ]);
  });

  it('tabulates the students against the trees: mean ± sd, badge macro-F1, largest flips, paired difference in points', () => {
    const trees = candidate('gradient-boosted trees (XGBoost, 120 rounds, depth 5)', 'baseline', [4, 4, 4, 4, 4]);
    const run: StudentsRun = {
      candidates: [
        candidate('majority class', 'baseline', [1, 1, 1, 1, 1]),
        trees,
        candidate('ensemble of 5 MLPs 64-32 (probabilities averaged)', 'baseline', [3, 3, 3, 3, 3]),
        candidate('MLP 24-64-32-8, 20 epochs', 'mlp', [2, 2, 2, 2, 2], [0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01]),
        candidate('student A', 'student', [5, 3, 4, 4, 4], [0.02, 0.051, 0.03]),
      ],
      badgeDecision: { themes: ['party'], byCandidate: [{ name: 'student A', macroF1: { mean: 0.6, std: 0.01, min: 0.59, max: 0.61 } }], margins: [] },
    };
    const lines = studentsTable(run).split('\n');
    // Header, separator, then the trees, the ensemble and the student (neither the majority class nor the plain MLP).
    expect(lines).toHaveLength(5);
    expect(lines[2]).toBe('| gradient-boosted trees (XGBoost, 120 rounds, depth 5) | 0.500 ± 0.000 | – | – | – | 12 |');
    expect(lines[3]).toBe('| ensemble of 5 MLPs 64-32 (probabilities averaged) | 0.375 ± 0.000 | – | – | -12.50 ± 0.00 | 12 |');
    // Student A per fold: 5/8, 3/8, 4/8, 4/8, 4/8; minus the trees' 4/8: +12.5, −12.5, 0, 0, 0 points,
    // mean 0 and standard deviation sqrt((12.5² · 2) / 5) = 7.91 points.
    expect(lines[4]).toBe('| student A | 0.500 ± 0.079 | 0.600 ± 0.010 | 5.1 % | 0.00 ± 7.91 | 12 |');
  });

  it('puts extra rows (the averaged teacher) between the baselines and the students, compared with the trees the same way', () => {
    const run: StudentsRun = {
      candidates: [candidate('gradient-boosted trees (XGBoost)', 'baseline', [4, 4]), candidate('student A', 'student', [3, 3])],
      badgeDecision: { themes: ['party'], byCandidate: [], margins: [] },
    };
    const lines = studentsTable(run, [{ name: 'teacher', macroF1: [0.625, 0.375], badge: [0.7, 0.5], seconds: 0.2 }]).split('\n');
    expect(lines.slice(2).map((l) => l.split(' | ')[0])).toEqual(['| gradient-boosted trees (XGBoost)', '| teacher', '| student A']);
    // +12.5 and −12.5 points from the trees' 0.5: mean 0, standard deviation 12.5.
    expect(lines[3]).toBe('| teacher | 0.500 ± 0.125 | 0.600 ± 0.100 | – | 0.00 ± 12.50 | 0 |');
  });

  it('scores the averaged teacher on the mean of the ensemble\'s and the trees\' probabilities', () => {
    const k = THEME_IDS.length;
    const party = THEME_IDS.indexOf('party');
    const workout = THEME_IDS.indexOf('workout');
    /** Rows of probabilities with `pParty` on party and `pWorkout` on workout, the rest spread thin. */
    const rows = (n: number, pParty: number, pWorkout: number) =>
      logOf(Float64Array.from({ length: n * k }, (_, i) => (i % k === party ? pParty : i % k === workout ? pWorkout : (1 - pParty - pWorkout) / (k - 2))));
    // Every track is party. The ensemble leans to workout (0.55 against 0.4), the trees say party
    // (0.9): the mean says party (0.65 against 0.3), so every held-out track is right.
    const n = 8;
    const ensemble = { ...candidate('ensemble of 5 MLPs (probabilities averaged)', 'baseline', [0, 0]), oofLogits: rows(n, 0.4, 0.55) };
    const trees = { ...candidate('gradient-boosted trees (XGBoost)', 'baseline', [0, 0]), oofLogits: rows(n, 0.9, 0.05) };
    const cv = {
      candidates: [trees, ensemble],
      devTruth: new Array<number>(n).fill(party),
      foldOf: [0, 0, 0, 0, 1, 1, 1, 1],
      heldOutByFold: [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
      ],
      badgeDecision: { themes: ['party', 'workout'] as const, byCandidate: [], margins: [] },
    };
    const scores = averagedTeacher(cv, ['party', 'workout']);
    // Party right on every track of a fold: F1 1 for party, 0 for the 7 other themes.
    expect(scores.macroF1).toEqual([1 / k, 1 / k]);
    expect(scores.countedMacroF1).toEqual([0.5, 0.5]);
    expect(() => averagedTeacher({ ...cv, candidates: [trees] }, [])).toThrow(/no out-of-fold logits of the ensemble/);
  });

  it('refuses a run without the trees baseline to compare with', () => {
    expect(() => studentsTable({ candidates: [candidate('student A', 'student', [4])], badgeDecision: { themes: [], byCandidate: [], margins: [] } })).toThrow(/no gradient-boosted trees/);
  });
});
