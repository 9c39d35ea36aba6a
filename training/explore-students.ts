import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { MIN_TRACKS_PER_THEME, THEME_IDS, type ThemeId } from '../model/themes';
import { logOf, pairedDifference, scoreOutOfFold, summarize, type OutOfFoldScores, type Summary } from './cv';
import type { ExploreArgs } from './explore-cli';
import { DEFAULT_TRAIN_OPTIONS } from './model';
import { crossValidate, STUDENTS, type CandidateResult, type CrossValidationResult, type StudentConfig, type TrainingReport } from './train';

/**
 * `npm run explore:students`: re-measures the student levers of issue 10 that `npm run train`
 * does not run (training time), with the very code and folds of `npm run train`: it runs
 * `crossValidate` (training/train.ts) on the same data and seed with {@link STUDENT_TRIALS} as
 * the students and no plain MLPs besides the ensemble's members. Nothing reads the test split:
 * `crossValidate` only keeps its rows apart. Its first trial is the shipped configuration at the
 * same position, so its per-fold figures must equal the report's row (a check that code, folds
 * and data are the same); the others train with seeds of their own position (`seed + fold + 2000
 * + position`), as any added student would. It also scores the averaged teacher (the ensemble's
 * and the trees' out-of-fold probabilities averaged, the teacher of the `mlp+gbt` student) from
 * the run's out-of-fold logits, with class biases fitted on the other folds. Output: a Markdown
 * table (stdout, and `--out`).
 */

/** The students scored: the shipped one (the check), the same trained 40 epochs, and one distilled from the averaged teacher. */
export const STUDENT_TRIALS: readonly StudentConfig[] = [
  ...STUDENTS,
  ...STUDENTS.map((s) => ({ ...s, epochs: 40 })),
  { teacher: 'mlp+gbt', transfer: true, hidden: [128, 64], epochs: 15, jitterCopies: 1, jitter: 5 },
];

/** What {@link studentsTable} reads of a cross-validation run. */
export type StudentsRun = { readonly candidates: readonly CandidateResult[]; readonly badgeDecision: TrainingReport['badge'] };

/** A row scored outside the run's candidates: per-fold macro-F1 and badge macro-F1. */
export interface ExtraRow {
  readonly name: string;
  readonly macroF1: readonly number[];
  readonly badge: readonly number[];
  /** Computing the row from the run's out-of-fold logits (the models it combines are timed in their own rows). */
  readonly seconds: number;
}

const TREES_PREFIX = 'gradient-boosted trees';
const ENSEMBLE_PREFIX = 'ensemble';

/**
 * The averaged teacher's out-of-fold scores: per dev row, the mean of the ensemble's and the
 * trees' out-of-fold probabilities (their logits are log-probabilities), scored per fold by
 * `scoreOutOfFold` (class biases fitted on the other folds), badge among the run's badge themes.
 * @throws Error when the run lacks the ensemble's or the trees' out-of-fold logits.
 */
export function averagedTeacher(run: Pick<CrossValidationResult, 'candidates' | 'devTruth' | 'foldOf' | 'heldOutByFold' | 'badgeDecision'>, countedThemes: readonly ThemeId[]): OutOfFoldScores {
  const logitsOf = (prefix: string) => {
    const logits = run.candidates.find((c) => c.kind === 'baseline' && c.name.startsWith(prefix))?.oofLogits;
    if (!logits) throw new Error(`the run has no out-of-fold logits of the ${prefix} baseline`);
    return logits;
  };
  const ensemble = logitsOf(ENSEMBLE_PREFIX);
  const trees = logitsOf(TREES_PREFIX);
  const averaged = logOf(Float64Array.from(ensemble, (v, i) => (Math.exp(v) + Math.exp(trees[i] ?? -Infinity)) / 2));
  return scoreOutOfFold(averaged, run.devTruth, run.foldOf, run.heldOutByFold, run.badgeDecision.themes, countedThemes);
}

const fmt = (s: Summary): string => `${s.mean.toFixed(3)} ± ${s.std.toFixed(3)}`;
/** In points, with no "-0.00" for a difference that rounds to zero. */
const points = (s: Summary): string => `${(Math.abs(s.mean) < 0.00005 ? 0 : 100 * s.mean).toFixed(2)} ± ${(100 * s.std).toFixed(2)}`;

/**
 * The students and their "+ class biases" variants as a Markdown table, after the trees baseline
 * and the ensemble for reference: macro-F1 over all themes (mean ± standard deviation over the
 * folds), the badge's decision, the largest out-of-fold badge-flip share over the feature steps,
 * and the paired per-fold macro-F1 difference from the trees (points, mean ± standard deviation).
 * @throws Error when the run has no gradient-boosted trees baseline.
 */
export function studentsTable(run: StudentsRun, extra: readonly ExtraRow[] = []): string {
  const trees = run.candidates.find((c) => c.kind === 'baseline' && c.name.startsWith(TREES_PREFIX));
  if (!trees) throw new Error('the run has no gradient-boosted trees baseline');
  const treesF1 = trees.folds.map((e) => e.macroF1);
  const shown = run.candidates.filter((c) => c === trees || c.kind === 'student' || (c.kind === 'baseline' && c.name.startsWith(ENSEMBLE_PREFIX)));
  const badgeOf = new Map(run.badgeDecision.byCandidate.map((b) => [b.name, b.macroF1]));
  const header = ['model', 'macro-F1', 'badge macro-F1', 'largest flips', '− trees, paired (points)', 's'];
  const row = (name: string, macroF1: readonly number[], badge: Summary | undefined, flips: string, seconds: number, isTrees = false) => [
    name,
    fmt(summarize(macroF1)),
    badge ? fmt(badge) : '–',
    flips,
    isTrees ? '–' : points(pairedDifference(macroF1, treesF1)),
    seconds.toFixed(0),
  ];
  const candidateRows = shown.map((c) =>
    row(c.name, c.folds.map((e) => e.macroF1), badgeOf.get(c.name), c.flips && c.flips.length > 0 ? `${(100 * Math.max(...c.flips.map((f) => f.share))).toFixed(1)} %` : '–', c.seconds, c === trees),
  );
  const extraRows = extra.map((e) => row(e.name, e.macroF1, summarize(e.badge), '–', e.seconds));
  // The extra rows after the baselines (shown first, in the run's order), before the students.
  const baselines = shown.filter((c) => c.kind === 'baseline').length;
  const rows = [...candidateRows.slice(0, baselines), ...extraRows, ...candidateRows.slice(baselines)];
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/** Per-fold macro-F1 of a candidate, for the check against the report. */
export function foldMacroF1(c: CandidateResult): string {
  return `${c.folds.map((e) => e.macroF1.toFixed(4)).join(', ')} (mean ${fmt(summarize(c.folds.map((e) => e.macroF1)))})`;
}

/**
 * `npm run explore:students` once its arguments are checked (training/explore-cli.ts): runs the
 * cross-validation with {@link STUDENT_TRIALS}, prints the table and writes it to `args.out`.
 * @returns the exit code, 0.
 * @throws what loading the data or training throws (the CLI prints its message).
 */
export async function exploreStudentsCommand(args: ExploreArgs): Promise<number> {
  tf.enableProdMode();
  const seed = args.seed ?? DEFAULT_TRAIN_OPTIONS.seed;
  const run = await crossValidate({ dataDir: args.data, seed, epochs: DEFAULT_TRAIN_OPTIONS.epochs, grid: [], students: STUDENT_TRIALS, log: (line) => console.log(line) });
  const teacherStarted = Date.now();
  const teacher = averagedTeacher(run, THEME_IDS.filter((t) => run.stats.trackCounts[t] >= MIN_TRACKS_PER_THEME));
  const teacherSeconds = (Date.now() - teacherStarted) / 1000;
  const teacherName = 'teacher: the ensemble and the trees, probabilities averaged';
  const table = studentsTable(run, [
    { name: teacherName, macroF1: teacher.macroF1, badge: teacher.badge, seconds: teacherSeconds },
    { name: `${teacherName} + class biases`, macroF1: teacher.withBiases, badge: teacher.badgeWithBiases, seconds: teacherSeconds },
  ]);
  const check = run.candidates.filter((c) => c.kind === 'student').slice(0, 1);
  console.log(`\n${table}`);
  for (const c of check) console.log(`per-fold macro-F1 of the first student (the report's row must match): ${foldMacroF1(c)}`);
  if (args.out) {
    writeFileSync(
      args.out,
      `# Distilled students on the cross-validation folds of npm run train\n\nWritten by \`npm run explore:students -- --data <dir> --out ${args.out}\` (seed ${seed}, ${run.cvSeconds.toFixed(0)} s); method in training/explore-students.ts. The first student is the shipped configuration; its per-fold macro-F1: ${check.map(foldMacroF1).join('; ')}.\n\n${table}\n`,
    );
    console.log(`Wrote ${args.out}`);
  }
  return 0;
}
