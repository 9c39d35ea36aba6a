import { readFileSync, writeFileSync } from 'node:fs';
import { computeNormalization } from '../model/features';
import { parseModelMetadata } from '../model/metadata';
import { MIN_TRACKS_PER_THEME, THEME_IDS, type ThemeId } from '../model/themes';
import { GRADIENT_BOOSTING, gradientBoostingPredict, type FitTrees, type GradientBoostingParams } from './baselines';
import { crossValidationSplit, FOLDS, inputsOf, logOf, pairedDifference, scoreOutOfFold, summarize, toDataset, type OutOfFoldScores, type Summary } from './cv';
import { loadLabelledTracks, type LabelledTrack } from './data';
import type { ExploreArgs } from './explore-cli';
import { crossFittedGbt } from './distill';
import { DEFAULT_TRAIN_OPTIONS, balancedClassWeights, subset, type Dataset } from './model';

/**
 * `npm run explore:trees`: re-measures the gradient-boosted trees levers of issue 10 that
 * `npm run train` does not run (training time), on the very folds `npm run train` scores on
 * (training/cv.ts, seed 42): other XGBoost settings, other tree seeds, and per-theme decision
 * offsets ("class biases", training/calibration.ts) fitted for each fold on the other folds'
 * out-of-fold log-probabilities only, the words of the track's title as extra inputs
 * ({@link TreesTrial.titleWordMinTracks}), and label-noise pruning of the training rows
 * ({@link TreesTrial.pruneShare}). Its first trial is the baseline of `npm run train`, so its
 * per-fold figures must equal the report's (a check that the folds and data are the same). The
 * test split is never read. Output: a Markdown table (stdout, and `--out`).
 */

/** One trees configuration to score: XGBoost's parameters and the tree seed (fold f uses `treeSeed + f`, as `npm run train` uses `seed + f`). */
export interface TreesTrial {
  readonly params: GradientBoostingParams;
  readonly treeSeed: number;
  /**
   * When set, the words of the track's title are inputs too (a lever of this command, not of
   * issue 10's list: every track row shows its title): one 0/1 column per word ({@link titleWords})
   * found in at least this many titles of the fold's training rows ({@link titleVocabulary}).
   */
  readonly titleWordMinTracks?: number;
  /**
   * When set, label-noise pruning (a lever of this command, not of issue 10's list; "prune by
   * class" of confident learning, Northcutt et al. 2021, "Confident Learning: Estimating
   * Uncertainty in Dataset Labels", JAIR 70): before the trees are fitted, this share (0–1) of
   * each theme's training rows is dropped, the rows whose cross-fitted probability of their own
   * theme is lowest (`crossFittedGbt` with the trial's parameters and seed `treeSeed + fold`: trees
   * that never saw the row's artist), and the class weights are those of the rows kept.
   */
  readonly pruneShare?: number;
}

/**
 * The words of a title as inputs: lower-cased, accents stripped (Unicode NFKD), split at anything
 * but a-z and 0-9, words of at least 2 characters, each once, in order of appearance.
 * "Rain Sounds (Loopable) - Remix" → `["rain", "sounds", "loopable", "remix"]`.
 */
export function titleWords(title: string): string[] {
  const words = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 2);
  return [...new Set(words)];
}

/** The words ({@link titleWords}) in at least `minTracks` of `titles`, the most frequent first (ties alphabetical). */
export function titleVocabulary(titles: readonly string[], minTracks: number): string[] {
  const counts = new Map<string, number>();
  for (const title of titles) for (const w of titleWords(title)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts]
    .filter(([, n]) => n >= minTracks)
    .sort(([a, n], [b, m]) => m - n || (a < b ? -1 : 1))
    .map(([w]) => w);
}

/**
 * The rows kept by label-noise pruning ({@link TreesTrial.pruneShare}): of each class's rows, all
 * but the ⌊n × `share`⌋ whose `ownProbability` is lowest (ties: the earlier row goes first).
 *
 * @param classes each row's class (`[rows]`).
 * @param ownProbability each row's probability of its own class (`[rows]`).
 * @returns the indices of the rows kept, ascending.
 * @throws RangeError when `share` is not in [0, 1) or the two arrays differ in length.
 */
export function pruneLowestPerClass(classes: readonly number[], ownProbability: ArrayLike<number>, share: number): number[] {
  if (!(share >= 0 && share < 1)) throw new RangeError(`the share of rows to prune must be in [0, 1), got ${share}`);
  if (classes.length !== ownProbability.length) throw new RangeError(`${classes.length} classes but ${ownProbability.length} probabilities`);
  const byClass = new Map<number, number[]>();
  classes.forEach((c, r) => {
    const rows = byClass.get(c) ?? [];
    rows.push(r);
    byClass.set(c, rows);
  });
  const dropped = new Set<number>();
  for (const rows of byClass.values()) {
    const ascending = [...rows].sort((a, b) => (ownProbability[a] ?? 0) - (ownProbability[b] ?? 0) || a - b);
    for (const r of ascending.slice(0, Math.floor(rows.length * share))) dropped.add(r);
  }
  return classes.flatMap((_, r) => (dropped.has(r) ? [] : [r]));
}

/** `data` (rows in the order of `titles`) with one 0/1 column per word of `vocabulary` appended to each row. */
export function withTitleWords(data: Dataset, titles: readonly string[], vocabulary: readonly string[]): Dataset {
  const inputSize = data.inputSize + vocabulary.length;
  const x = new Float32Array(titles.length * inputSize);
  titles.forEach((title, r) => {
    x.set(data.x.subarray(r * data.inputSize, (r + 1) * data.inputSize), r * inputSize);
    const words = new Set(titleWords(title));
    vocabulary.forEach((w, j) => {
      if (words.has(w)) x[r * inputSize + data.inputSize + j] = 1;
    });
  });
  return { ...data, x, inputSize };
}

/**
 * The trials of the table "Tried before this run" in training/REPORT.md: the baseline with its
 * own seed and five others (how much the seed alone moves it), four tuned settings, title words,
 * and label-noise pruning at three shares.
 */
export const TREES_TRIALS: readonly TreesTrial[] = [
  ...[42, 1042, 2042, 3042, 4042, 5042].map((treeSeed) => ({ params: GRADIENT_BOOSTING, treeSeed })),
  { params: { ...GRADIENT_BOOSTING, rounds: 300, maxDepth: 6, eta: 0.05, minChildWeight: 3, colsampleByTree: 0.7 }, treeSeed: 42 },
  { params: { ...GRADIENT_BOOSTING, rounds: 200, maxDepth: 4, eta: 0.08 }, treeSeed: 42 },
  { params: { ...GRADIENT_BOOSTING, rounds: 400, maxDepth: 3, eta: 0.05 }, treeSeed: 42 },
  { params: { ...GRADIENT_BOOSTING, rounds: 600, maxDepth: 5, eta: 0.02 }, treeSeed: 42 },
  // Title words: 20 tracks gives about 100 words per fold; at 8 (about 300 words) ml-xgboost's
  // WebAssembly heap ran out ("memory access out of bounds", 2026-12-06).
  { params: GRADIENT_BOOSTING, treeSeed: 42, titleWordMinTracks: 20 },
  // Label-noise pruning: the share is the lever's one setting, so three of them.
  ...[0.1, 0.2, 0.3].map((pruneShare) => ({ params: GRADIENT_BOOSTING, treeSeed: 42, pruneShare })),
];

/** How a trial scored: per fold (the {@link FOLDS} held-out folds; see `scoreOutOfFold`), and its time. */
export interface TreesResult extends OutOfFoldScores {
  readonly trial: TreesTrial;
  /** Fitting and predicting all folds, seconds. */
  readonly seconds: number;
}

/** Options of {@link exploreTrees}. */
export interface ExploreTreesOptions {
  /** The seed of the split and folds, and of the masked durations (`npm run train`'s `--seed`, 42). */
  readonly seed: number;
  readonly trials: readonly TreesTrial[];
  /** The themes the badge picks among (the shipped model's themes on by default). */
  readonly badgeThemes: readonly ThemeId[];
  /** The themes with at least `MIN_TRACKS_PER_THEME` labelled tracks. */
  readonly countedThemes: readonly ThemeId[];
  /** The trees; `gradientBoostingPredict` in the CLI, a fake in unit tests. */
  readonly fit?: FitTrees;
  readonly log?: (line: string) => void;
}

/**
 * Scores every trial on the cross-validation folds of `tracks` (see the module comment). For
 * each fold the training rows are encoded as `npm run train` encodes them (normalization of the
 * training rows, a seeded fifth of their durations masked, balanced class weights); the held-out
 * rows with their durations.
 *
 * @throws Error when the tracks are too few to split (see `crossValidationSplit`).
 */
export async function exploreTrees(tracks: readonly LabelledTrack[], options: ExploreTreesOptions): Promise<TreesResult[]> {
  const { seed, trials, badgeThemes, countedThemes, fit = gradientBoostingPredict, log = () => {} } = options;
  const k = THEME_IDS.length;
  const { devIdx, foldOf, heldOutByFold } = crossValidationSplit(tracks, seed);
  const truth = devIdx.map((i) => THEME_IDS.indexOf(tracks[i]?.theme ?? 'party'));
  const folds = heldOutByFold.map((heldOut, fold) => {
    const trainIdx = devIdx.filter((_, d) => foldOf[d] !== fold);
    const normalization = computeNormalization(inputsOf(tracks, trainIdx, 'none'));
    const train = toDataset(tracks, trainIdx, normalization, seed + fold);
    const validationIdx = heldOut.map((d) => devIdx[d] ?? 0);
    const validation = toDataset(tracks, validationIdx, normalization, 'none');
    const titlesOf = (idx: readonly number[]) => idx.map((i) => tracks[i]?.title ?? '');
    return { heldOut, train, validation, trainArtists: trainIdx.map((i) => tracks[i]?.artist ?? ''), trainTitles: titlesOf(trainIdx), validationTitles: titlesOf(validationIdx), classWeights: balancedClassWeights(train.y, k, DEFAULT_TRAIN_OPTIONS.maxClassWeight) };
  });
  const results: TreesResult[] = [];
  for (const trial of trials) {
    const started = Date.now();
    const oofLogits = new Float64Array(devIdx.length * k);
    for (const [fold, f] of folds.entries()) {
      let train: Dataset = f.train;
      let validation: Dataset = f.validation;
      let classWeights = f.classWeights;
      if (trial.titleWordMinTracks !== undefined) {
        // The vocabulary comes from the training rows' titles only.
        const vocabulary = titleVocabulary(f.trainTitles, trial.titleWordMinTracks);
        train = withTitleWords(train, f.trainTitles, vocabulary);
        validation = withTitleWords(validation, f.validationTitles, vocabulary);
      }
      // After the title words, so the pruning trees see the inputs of the final ones.
      if (trial.pruneShare !== undefined) {
        const p = await crossFittedGbt(train, f.trainArtists, k, trial.treeSeed + fold, trial.params, fit);
        const kept = pruneLowestPerClass(train.y, train.y.map((y, r) => p[r * k + y] ?? 0), trial.pruneShare);
        train = subset(train, kept);
        classWeights = balancedClassWeights(train.y, k, DEFAULT_TRAIN_OPTIONS.maxClassWeight);
      }
      const logits = logOf(await fit(train, validation, k, classWeights, trial.treeSeed + fold, trial.params));
      f.heldOut.forEach((d, r) => oofLogits.set(logits.subarray(r * k, (r + 1) * k), d * k));
    }
    const result = { trial, ...scoreOutOfFold(oofLogits, truth, foldOf, heldOutByFold, badgeThemes, countedThemes), seconds: (Date.now() - started) / 1000 };
    results.push(result);
    log(`${describeTrial(trial)}: macro-F1 ${fmt(summarize(result.macroF1))}, + class biases ${fmt(summarize(result.withBiases))} (${result.seconds.toFixed(0)} s)`);
  }
  return results;
}

/**
 * "120 rounds, depth 5, η 0.1, subsampling 0.8 / 0.8, min child weight 1, tree seed 42 + fold"
 * (and ", + title words in ≥ 20 training titles", ", training rows pruned: 20 % of each theme").
 */
export function describeTrial({ params: p, treeSeed, titleWordMinTracks, pruneShare }: TreesTrial): string {
  const words = titleWordMinTracks === undefined ? '' : `, + title words in ≥ ${titleWordMinTracks} training titles`;
  const pruned = pruneShare === undefined ? '' : `, training rows pruned: ${Math.round(100 * pruneShare)} % of each theme`;
  return `${p.rounds} rounds, depth ${p.maxDepth}, η ${p.eta}, subsampling ${p.subsample} / ${p.colsampleByTree}, min child weight ${p.minChildWeight}, tree seed ${treeSeed} + fold${words}${pruned}`;
}

const fmt = (s: Summary): string => `${s.mean.toFixed(3)} ± ${s.std.toFixed(3)}`;
/** In points, with no "-0.00" for a difference that rounds to zero. */
const points = (s: Summary): string => `${(Math.abs(s.mean) < 0.00005 ? 0 : 100 * s.mean).toFixed(2)} ± ${(100 * s.std).toFixed(2)}`;

/**
 * The results as a Markdown table: mean ± standard deviation over the folds of each score, and
 * the paired per-fold difference (in points) from the first trial, without and with offsets.
 */
export function treesTable(results: readonly TreesResult[]): string {
  const [first] = results;
  const header = ['trees (XGBoost)', 'macro-F1', '+ class biases', 'macro-F1, themes with ≥ 300 tracks', 'badge macro-F1', 'badge, + class biases', '− first row, paired (points)', '+ class biases − first row, paired', 's'];
  const rows = results.map((r) => [
    describeTrial(r.trial),
    fmt(summarize(r.macroF1)),
    fmt(summarize(r.withBiases)),
    fmt(summarize(r.countedMacroF1)),
    fmt(summarize(r.badge)),
    fmt(summarize(r.badgeWithBiases)),
    first && r !== first ? points(pairedDifference(r.macroF1, first.macroF1)) : '–',
    first && r !== first ? points(pairedDifference(r.withBiases, first.withBiases)) : '–',
    r.seconds.toFixed(0),
  ]);
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/**
 * `npm run explore:trees` once its arguments are checked (training/explore-cli.ts): scores
 * {@link TREES_TRIALS} on the folds of `args.data`, prints the table and writes it to `args.out`.
 * @returns the exit code, 0.
 * @throws what loading the data or fitting the trees throws (the CLI prints its message).
 */
export async function exploreTreesCommand(args: ExploreArgs): Promise<number> {
  const seed = args.seed ?? DEFAULT_TRAIN_OPTIONS.seed;
  const { tracks, stats } = loadLabelledTracks(args.data);
  const metadata = parseModelMetadata(JSON.parse(readFileSync('public/model/metadata.json', 'utf8')));
  const badgeThemes = metadata.labels.filter((t) => !metadata.experimental.includes(t));
  const countedThemes = THEME_IDS.filter((t) => stats.trackCounts[t] >= MIN_TRACKS_PER_THEME);
  console.log(`${tracks.length} labelled tracks; ${FOLDS} folds (seed ${seed}); badge themes ${badgeThemes.join(', ')}`);
  const results = await exploreTrees(tracks, { seed, trials: TREES_TRIALS, badgeThemes, countedThemes, log: (line) => console.log(line) });
  const table = treesTable(results);
  console.log(`\n${table}`);
  if (args.out) {
    writeFileSync(args.out, `# Gradient-boosted trees on the cross-validation folds of npm run train\n\nWritten by \`npm run explore:trees -- --data <dir> --out ${args.out}\` (seed ${seed}); method in training/explore-trees.ts.\n\n${table}\n`);
    console.log(`Wrote ${args.out}`);
  }
  return 0;
}
