import { createHash } from 'node:crypto';
import { writeFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { pickTheme } from '../model/classifier';
import { AUDIO_FEATURE_NAMES, CONTINUOUS_FEATURE_NAMES, DURATION_ENCODING, DURATION_RANGE_MS, ENCODED_FEATURE_NAMES, ENCODED_LENGTH, computeNormalization, encodeBatch, type ModelInput, type Normalization } from '../model/features';
import { denseLogits, readDenseStack, softmaxRows, type DenseStack } from '../model/forward';
import { METADATA_FORMAT_VERSION, parseModelMetadata, type Evaluation, type ModelMetadata } from '../model/metadata';
import { MIN_BADGE_PRECISION, MIN_TRACKS_PER_THEME, THEME_IDS, type ThemeId } from '../model/themes';
import { GRADIENT_BOOSTING, gradientBoostingPredict, knnPredict, majorityClass, KNN_K } from './baselines';
import { chooseUncertainThreshold, expectedCalibrationError, fitClassBiases, fitTemperature, reliabilityBins, transferableUncertainThreshold, type BadgeOutcome, type ReliabilityBin } from './calibration';
import { dataFolderProblem, loadLabelledTracks, type DataStats, type LabelledTrack, type TrackInfo } from './data';
import { formatEvaluation, formatTable } from './format';
import { argmax, badgeMacroF1, evaluate, macroF1Over, topTwoCoverage, type TopTwoCoverage } from './metrics';
import { DEFAULT_TRAIN_OPTIONS, balancedClassWeights, fitMlp, namedWeights, selectWasmBackend, subset, type Dataset, type TrainOptions } from './model';
import { fileModelHandler, float16Handler, writeQuantizedModel, WEIGHTS_FILE } from './model-files';
import { MAX_FLIP_SHARE, PERTURBATIONS, flipShares, type FlipShare } from './robustness';
import { createRng, stratifiedGroupKFold } from './split';
import { crossValidationSplit, DURATION_MASK_SHARE, FOLDS, inputsOf, logOf, maskDurations, pairedDifference, selectRows, summarize, toDataset, type Summary } from './cv';
import { errorMessage } from '../lib/shared/error-message';
export { DURATION_MASK_SHARE, FOLDS, TEST_FRACTION, type Summary } from './cv';

/** One MLP configuration trained on the labels (epochs are checkpoints of the same run). */
export interface MlpConfig {
  readonly hidden: readonly number[];
  readonly dropout: number;
  readonly classWeighting: TrainOptions['classWeighting'];
  readonly softLabels: boolean;
  /** false: every duration is treated as missing in training and evaluation (the "without duration" lever). Default true. */
  readonly duration?: boolean;
}

/**
 * A student network distilled from a teacher: trained on the teacher's probabilities (no class
 * weights: the teacher's probabilities already carry them) for every training row plus
 * `jitterCopies` copies of each row with Gaussian noise of `jitter` robustness steps on the
 * audio features (see `jitteredInputs`), each copy labelled like its original row.
 */
export interface StudentConfig {
  /**
   * The teacher: `mlp` the MLP ensemble; `mlp+gbt` the mean of the MLP ensemble's and the
   * gradient-boosted trees' probabilities, where the trees' probabilities of a training row (and
   * of its jittered copies) come from trees fitted without that row's artist (cross-fitting over
   * {@link TEACHER_FOLDS} artist-grouped folds of the training part), because trees fitted on a
   * row reproduce its label rather than what they would predict for a new track.
   */
  readonly teacher: 'mlp' | 'mlp+gbt' | 'gbt';
  /**
   * Also fit the teacher's probabilities on the unlabelled tracks of the data (the transfer set,
   * training/data.ts `unlabelled`: tracks no themed source voted for), except those by an artist of
   * the held-out fold or of the test split. The trees that label them were fitted on the whole
   * training part, which never saw them. A network fitted to a teacher on many more inputs than
   * the labelled ones follows the teacher more closely (Bucila et al. 2006, "Model compression").
   */
  readonly transfer?: boolean;
  readonly hidden: readonly number[];
  readonly epochs: number;
  readonly jitterCopies: number;
  readonly jitter: number;
}

/** The ensemble of MLPs: the strongest baseline, and the teacher of the students. */
export interface EnsembleConfig {
  readonly size: number;
  readonly member: MlpConfig;
}

/** Plain MLPs trained on the labels: the previous shipped network, with and without duration. */
export const MLP_GRID: readonly MlpConfig[] = [
  { hidden: [64, 32], dropout: 0, classWeighting: 'balanced', softLabels: true, duration: false },
  { hidden: [64, 32], dropout: 0, classWeighting: 'balanced', softLabels: true },
];

/** Five MLPs 64-32 with different seeds, probabilities averaged (the issue's strong baseline). */
export const ENSEMBLE: EnsembleConfig = { size: 5, member: { hidden: [64, 32], dropout: 0, classWeighting: 'balanced', softLabels: true } };

/** Students distilled from the teachers; all fit the 32 KB weights budget. */
export const STUDENTS: readonly StudentConfig[] = [{ teacher: 'gbt', transfer: true, hidden: [128, 64], epochs: 20, jitterCopies: 1, jitter: 5 }];

/** Mini-batch size of the students (they fit twice the rows, soft targets only). */
export const STUDENT_BATCH_SIZE = 256;

/** Artist-grouped folds of the cross-fitted gradient-boosted trees in the `mlp+gbt` teacher. */
export const TEACHER_FOLDS = 3;

/** Largest uint8 weights file the extension accepts (issue 10): 32 KB, one byte per parameter. */
export const MAX_WEIGHT_BYTES = 32 * 1024;

/** Options of one training run (the CLI flags). */
export interface TrainRunOptions {
  readonly dataDir: string;
  readonly outDir: string;
  readonly seed: number;
  /** Epochs of an MLP trained on labels; the grid scores checkpoints at half and at all of them. */
  readonly epochs: number;
  readonly log: (line: string) => void;
  /** Defaults to {@link MLP_GRID}. */
  readonly grid?: readonly MlpConfig[];
  /** Defaults to {@link ENSEMBLE}. */
  readonly ensemble?: EnsembleConfig;
  /** Defaults to {@link STUDENTS}. */
  readonly students?: readonly StudentConfig[];
  /** Gradient-boosted trees baseline (ml-xgboost); default true. */
  readonly gradientBoosting?: boolean;
  /** Called with everything the report needs, after the model files are written. */
  readonly onReport?: (report: TrainingReport) => Promise<void>;
}

/** One model's cross-validated results. */
export interface CandidateResult {
  readonly name: string;
  /** baseline: compared against; mlp: one network trained on labels; student: one network distilled from a teacher (trees, MLP ensemble or both). */
  readonly kind: 'baseline' | 'mlp' | 'student';
  readonly config?: (MlpConfig & { epochs: number }) | (StudentConfig & { student: true });
  readonly folds: Evaluation[];
  readonly macroF1: Summary;
  /** Macro-F1 over the themes on by default only. */
  readonly enabledMacroF1: Summary;
  readonly accuracy: Summary;
  /** Macro-F1 when every held-out duration is missing (networks only). */
  readonly missingDurationMacroF1?: Summary;
  /** Out-of-fold share of badge flips per perturbation (networks at their last epoch). */
  readonly flips?: FlipShare[];
  /** Parameters (= uint8 weight bytes) of one network; undefined for non-network baselines. */
  readonly parameters?: number;
  /** Wall time of fitting and predicting all folds, seconds (shared by checkpoints of one run). */
  readonly seconds: number;
  /** Out-of-fold logits `[devRows, k]` in dev-row order (networks, ensembles, GBT as log-probabilities). */
  readonly oofLogits?: Float64Array;
  /** Out-of-fold predicted class per dev row. */
  readonly oofPredicted: number[];
}

/** Calibration of the shipped model on one label source of the test split. */
export interface SourceCalibration {
  readonly source: TrackSource;
  readonly tracks: number;
  readonly ece: number;
  readonly accuracy: number;
  readonly uncertainShare: number;
  readonly accuracyConfident: number;
  readonly accuracyUncertain: number;
  readonly confident: number;
}

/** Where a track's label votes came from. */
export type TrackSource = 'playlist-named' | 'genre-labelled';

/** What the report is written from: every number of the run. */
export interface TrainingReport {
  readonly stats: DataStats;
  readonly metadata: ModelMetadata;
  readonly seed: number;
  readonly devRows: number;
  readonly testRows: number;
  readonly foldSizes: number[];
  readonly durationKnown: { readonly dev: number; readonly test: number };
  readonly candidates: CandidateResult[];
  readonly selected: CandidateResult;
  readonly bestBaseline: CandidateResult;
  /** Paired per-fold macro-F1 difference of the selected model minus each baseline. */
  readonly margins: {
    readonly name: string;
    readonly diff: Summary;
    readonly baselineStd: number;
    readonly selectedStd: number;
    /** The issue's bar: mean difference above the larger of the two models' fold standard deviations. */
    readonly beatsByOneStd: boolean;
    /** The paired reading: mean difference above the standard deviation of the per-fold differences. */
    readonly beatsByPairedStd: boolean;
  }[];
  readonly oofEvaluation: Evaluation;
  /**
   * The badge's own decision in cross-validation (issue 10's holdout setting): for every candidate
   * with out-of-fold logits, {@link badgeMacroF1} over the themes on by default, per fold; and the
   * selected model's paired per-fold difference to each baseline among them.
   */
  readonly badge: {
    readonly themes: readonly ThemeId[];
    readonly byCandidate: readonly { readonly name: string; readonly macroF1: Summary }[];
    readonly margins: readonly { readonly name: string; readonly diff: Summary }[];
  };
  readonly calibration: {
    readonly temperature: number;
    readonly uncertainThreshold: number;
    readonly bandThreshold: number;
    readonly oofEceBefore: number;
    readonly oofEceAfter: number;
    readonly testEceBefore: number;
    readonly testEceAfter: number;
    readonly testBinsBefore: ReliabilityBin[];
    readonly testBinsAfter: ReliabilityBin[];
    /** Share of test tracks flagged uncertain, and the badge accuracy of flagged and other tracks. */
    readonly testUncertainShare: number;
    readonly testAccuracyUncertain: number;
    readonly testAccuracyConfident: number;
    readonly oofBySource: SourceCalibration[];
    readonly testBySource: SourceCalibration[];
    /** Whether the badge's first theme, or its two themes, hold the true one on the test split (issue 11). */
    readonly testTopTwo: TopTwoCoverage;
  };
  readonly test: {
    readonly float32: Evaluation;
    readonly float16: Evaluation;
    readonly uint8: Evaluation;
    /** uint8 model with every test duration missing. */
    readonly uint8MissingDuration: Evaluation;
    readonly majority: Evaluation;
    readonly majorityLabel: ThemeId;
    readonly flips: FlipShare[];
  };
  readonly sizes: { readonly float32: number; readonly float16: number; readonly uint8: number; readonly parameters: number };
  readonly seconds: { readonly crossValidation: number; readonly finalFit: number; readonly total: number };
}

/** What a run produced: the validated metadata written next to the model. */
export interface TrainRunResult {
  readonly metadata: ModelMetadata;
  readonly weightBytes: number;
}

/**
 * The source of a track's label: `genre-labelled` when a spotify-tracks genre voted for it
 * (possibly with playlists too, 0.3 % of the tracks), `playlist-named` when only playlist names did.
 */
export function trackSource(t: LabelledTrack): TrackSource {
  return Object.keys(t.votes.genres).length > 0 ? 'genre-labelled' : 'playlist-named';
}

function rowsOf(flat: ArrayLike<number>, k: number): number[][] {
  return Array.from({ length: flat.length / k }, (_, i) => Array.from({ length: k }, (__, j) => flat[i * k + j] as number));
}

const shape = (hidden: readonly number[]) => [ENCODED_LENGTH, ...hidden, THEME_IDS.length].join('-');

function describeConfig(c: MlpConfig & { epochs?: number }): string {
  const name = c.hidden.length > 0 ? `MLP ${shape(c.hidden)}` : 'logistic regression';
  return `${name}${c.duration === false ? ' without duration' : ''}, dropout ${c.dropout}, ${c.classWeighting === 'balanced' ? 'balanced' : 'no'} class weights, ${c.softLabels ? 'soft' : 'hard'} labels${c.epochs ? `, ${c.epochs} epochs` : ''}`;
}

function describeStudent(c: StudentConfig, ensemble: EnsembleConfig): string {
  const mlps = `${ensemble.size} MLPs ${ensemble.member.hidden.join('-')}`;
  const teacher = c.teacher === 'gbt' ? 'cross-fitted GBT' : c.teacher === 'mlp+gbt' ? `${mlps} + cross-fitted GBT` : mlps;
  return `MLP ${shape(c.hidden)} distilled from ${teacher}${c.transfer ? ' on labelled + unlabelled tracks' : ''}, ${c.jitterCopies} jittered cop${c.jitterCopies === 1 ? 'y' : 'ies'} (σ ${c.jitter} steps), ${c.epochs} epochs`;
}

function parameterCount(hidden: readonly number[]): number {
  let inputs = ENCODED_LENGTH;
  let n = 0;
  for (const units of [...hidden, THEME_IDS.length]) {
    n += inputs * units + units;
    inputs = units;
  }
  return n;
}

/** Whether a candidate's out-of-fold badge flips stay within {@link MAX_FLIP_SHARE} for every audio-feature step. */
export function robustEnough(c: Pick<CandidateResult, 'flips'>): boolean {
  return (c.flips ?? []).filter((f) => f.perturbation.feature !== 'durationMs').every((f) => f.share <= MAX_FLIP_SHARE) && c.flips !== undefined;
}

const fmt = (s: Summary) => `${s.mean.toFixed(3)} ± ${s.std.toFixed(3)}`;

/** Mean of the members' softmax outputs, row-major `[rows, k]`. */
function ensembleProbabilities(stacks: readonly DenseStack[], x: Float32Array, rows: number, k: number): Float64Array {
  const mean = new Float64Array(rows * k);
  for (const s of stacks) {
    const p = softmaxRows(denseLogits(s, x, rows), k);
    for (let i = 0; i < p.length; i++) mean[i] = (mean[i] as number) + (p[i] as number) / stacks.length;
  }
  return mean;
}

/**
 * The students' training inputs: every row of `train` and `copies` jittered copies of it
 * (copy c of row r at `c · n + r`). Each audio feature that has a robustness step
 * (training/robustness.ts: ±0.02 for the 0–1 features, ±2 BPM, ±0.5 dB) gets seeded Gaussian
 * noise (Box-Muller over seedrandom) of `sigma` steps, in its own unit, so in encoded units
 * `sigma · step / std`; `mode`, key and duration are left as they are.
 */
function jitteredInputs(train: Dataset, normalization: Normalization, copies: number, sigma: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const n = train.y.length;
  const d = train.inputSize;
  const noise = CONTINUOUS_FEATURE_NAMES.map((name, i) => ({ i, sd: (sigma * (PERTURBATIONS.find((p) => p.feature === name)?.step ?? 0)) / (normalization.std[i] ?? 1) })).filter((j) => j.sd > 0);
  const x = new Float32Array(n * (copies + 1) * d);
  x.set(train.x, 0);
  for (let c = 1; c <= copies; c++) {
    for (let r = 0; r < n; r++) {
      const o = (c * n + r) * d;
      x.set(train.x.subarray(r * d, (r + 1) * d), o);
      for (const { i, sd } of noise) x[o + i] = (x[o + i] as number) + sd * gauss();
    }
  }
  return x;
}

/** Rows of a row-major matrix as a label-less dataset (for predicting). */
function labelless(x: Float32Array, inputSize: number): Dataset {
  const rows = x.length / inputSize;
  return { x, y: new Array<number>(rows).fill(0), soft: new Float32Array(0), inputSize };
}

/**
 * Gradient-boosted trees' probabilities for the rows of `x` (copies of `train`'s rows, row i
 * being a copy of row i mod n), cross-fitted: the trees that label a row never saw its artist.
 */
async function crossFittedGbt(train: Dataset, groups: readonly string[], k: number, seed: number): Promise<Float64Array> {
  const x = train.x;
  const n = train.y.length;
  const d = train.inputSize;
  const rows = x.length / d;
  const inner = stratifiedGroupKFold(groups, train.y, TEACHER_FOLDS, seed);
  const out = new Float64Array(rows * k);
  for (let f = 0; f < TEACHER_FOLDS; f++) {
    const fitRows = train.y.map((_, i) => i).filter((i) => inner[i] !== f);
    const fit = subset(train, fitRows);
    const targets = Array.from({ length: rows }, (_, r) => r).filter((r) => inner[r % n] === f);
    const tx = new Float32Array(targets.length * d);
    targets.forEach((r, i) => tx.set(x.subarray(r * d, (r + 1) * d), i * d));
    const p = await gradientBoostingPredict(fit, labelless(tx, d), k, balancedClassWeights(fit.y, k, DEFAULT_TRAIN_OPTIONS.maxClassWeight), seed + f);
    targets.forEach((r, i) => out.set(p.subarray(i * k, (i + 1) * k), r * k));
  }
  return out;
}

/**
 * The unlabelled transfer set as the students see it: encoded with the fold's normalization.
 * `gbt`: the probabilities of the trees fitted on the whole training part, `[rows, k]`.
 */
interface TransferSet {
  readonly x: Float32Array;
  readonly gbt: Float64Array;
}

/**
 * The students' training set: the training rows (and, with `transfer`, the transfer set's rows
 * after them), plus jittered copies of all of them, each copy labelled with the teacher's
 * probabilities at its original row (so the student learns to ignore changes of that size).
 * Teacher: the MLP ensemble's mean (`mlp`), the cross-fitted trees' (`gbt`), or the mean of
 * both (`mlp+gbt`); on transfer rows the trees fitted on the whole training part.
 */
async function distillationSet(train: Dataset, normalization: Normalization, groups: readonly string[], teacher: readonly DenseStack[], k: number, config: StudentConfig, seed: number, cache: Map<string, Dataset>, transfer?: TransferSet): Promise<Dataset> {
  const key = `${config.teacher}|${config.transfer ?? false}|${config.jitterCopies}|${config.jitter}`;
  const cached = cache.get(key);
  if (cached) return cached;
  if (config.transfer && !transfer) throw new Error('a transfer student needs the transfer set');
  const d = train.inputSize;
  const extra = config.transfer && transfer ? transfer.x.length / d : 0;
  const n = train.y.length + extra;
  const base = new Float32Array(n * d);
  base.set(train.x, 0);
  if (extra > 0 && transfer) base.set(transfer.x, train.x.length);
  const x = jitteredInputs({ ...train, x: base, y: new Array<number>(n).fill(0) }, normalization, config.jitterCopies, config.jitter, seed);
  // The trees' probabilities of every row: cross-fitted on the training rows, then the transfer set's.
  let trees: Float64Array | undefined;
  if (config.teacher !== 'mlp') {
    trees = new Float64Array(n * k);
    trees.set(await crossFittedGbt(train, groups, k, seed + 1), 0);
    if (extra > 0 && transfer) trees.set(transfer.gbt, train.y.length * k);
  }
  const mlps = config.teacher === 'gbt' ? undefined : ensembleProbabilities(teacher, base, n, k);
  const p = Float64Array.from({ length: n * k }, (_, i) => (trees && mlps ? ((trees[i] as number) + (mlps[i] as number)) / 2 : ((trees ?? mlps)?.[i] as number)));
  const soft = new Float32Array(n * (config.jitterCopies + 1) * k);
  for (let c = 0; c <= config.jitterCopies; c++) soft.set(p, c * n * k);
  const set = { x, y: rowsOf(soft, k).map(argmax), soft, inputSize: train.inputSize };
  cache.set(key, set);
  return set;
}

/** The stack with `bias` added to its output layer's bias (the class offsets folded into the network). */
function withOutputBias(stack: DenseStack, bias: ArrayLike<number>): DenseStack {
  const last = stack.layers.length - 1;
  return { ...stack, layers: stack.layers.map((l, i) => (i === last ? { ...l, bias: Float64Array.from(l.bias, (b, j) => b + (bias[j] ?? 0)) } : l)) };
}

/** Encodes inputs with the model's normalization and returns badge-order probabilities of a dense stack (float64 forward pass). */
function stackProbabilities(stack: DenseStack, normalization: Normalization, k: number, temperature = 1) {
  return (rows: readonly ModelInput[]) => rowsOf(softmaxRows(denseLogits(stack, encodeBatch(rows, normalization), rows.length), k, temperature), k);
}

function sourceCalibration(sources: readonly TrackSource[], probabilities: readonly number[][], badges: readonly BadgeOutcome[], truth: readonly number[], threshold: number): SourceCalibration[] {
  return (['playlist-named', 'genre-labelled'] as const).map((source) => {
    const idx = sources.map((s, i) => (s === source ? i : -1)).filter((i) => i >= 0);
    const b = idx.map((i) => badges[i] as BadgeOutcome);
    const confident = b.filter((o) => o.probability >= threshold);
    const uncertain = b.filter((o) => o.probability < threshold);
    const share = (xs: readonly BadgeOutcome[]) => (xs.length > 0 ? xs.filter((o) => o.correct).length / xs.length : 0);
    return {
      source,
      tracks: idx.length,
      ece: expectedCalibrationError(idx.map((i) => probabilities[i] ?? []), idx.map((i) => truth[i] ?? 0)),
      accuracy: share(b),
      uncertainShare: b.length > 0 ? uncertain.length / b.length : 0,
      accuracyConfident: share(confident),
      accuracyUncertain: share(uncertain),
      confident: confident.length,
    };
  });
}

/** What {@link crossValidate} needs: the run's options without the outputs of the final fit. */
export type CrossValidationOptions = Omit<TrainRunOptions, 'outDir' | 'onReport'>;

/**
 * Everything cross-validation decides, before any test-split row is evaluated: the scored
 * candidates (mean ± standard deviation over the {@link FOLDS} folds), the selected network and
 * its out-of-fold logits `[devRows, k]`, the paired margins to the baselines, the badge's decision,
 * and what the final fit needs of the data (the split, the transfer set, the class biases).
 */
export interface CrossValidationResult {
  /** When the run started (ms since the epoch), for its total time. */
  readonly started: number;
  readonly tracks: LabelledTrack[];
  readonly stats: DataStats;
  readonly artists: readonly string[];
  readonly devIdx: readonly number[];
  readonly testIdx: readonly number[];
  readonly foldSizes: number[];
  readonly durationKnown: TrainingReport['durationKnown'];
  /** The unlabelled tracks a fit may use whose held-out artists are `heldOutArtists` (never one of theirs or the test split's). */
  readonly transferTracks: (heldOutArtists: ReadonlySet<string>) => TrackInfo[];
  readonly ensemble: EnsembleConfig;
  readonly students: readonly StudentConfig[];
  readonly gbtName: string;
  readonly ensembleName: string;
  readonly candidates: CandidateResult[];
  readonly selected: CandidateResult;
  readonly selectedConfig: NonNullable<CandidateResult['config']>;
  readonly selectedOofLogits: Float64Array;
  readonly bestBaseline: CandidateResult;
  readonly margins: TrainingReport['margins'];
  /** The class offsets of each "+ class biases" candidate, fitted on all out-of-fold logits. */
  readonly biasesOf: ReadonlyMap<string, Float64Array>;
  /** Each cross-validation track's theme index, in dev-row order. */
  readonly devTruth: readonly number[];
  /** Each dev row's fold, and the dev rows of each fold (training/cv.ts `crossValidationSplit`). */
  readonly foldOf: readonly number[];
  readonly heldOutByFold: readonly (readonly number[])[];
  readonly oofEvaluation: Evaluation;
  readonly enabledThemes: readonly ThemeId[];
  readonly experimental: ThemeId[];
  readonly badgeDecision: TrainingReport['badge'];
  readonly cvSeconds: number;
}

/**
 * Cross-validation of every candidate on the artist-grouped folds (training/cv.ts), then the
 * selection on cross-validation alone (see the comment at the selection), the margins to the
 * baselines and the badge's decision. Reads the data in `options.dataDir`; the test split's rows
 * are only kept apart (and their artists out of the transfer set), never evaluated.
 * @throws Error when the data cannot be read or split, or no network candidate is left.
 */
export async function crossValidate(options: CrossValidationOptions): Promise<CrossValidationResult> {
  const { log } = options;
  const started = Date.now();
  const k = THEME_IDS.length;
  await selectWasmBackend();
  const { tracks, unlabelled: unlabelledTracks, stats } = loadLabelledTracks(options.dataDir);
  log(`Loaded ${tracks.length} labelled tracks from ${options.dataDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const [file, n] of Object.entries(stats.invalidRows)) log(`  skipped ${n} rows with missing or out-of-range audio features in ${file}`);
  log(`  ${stats.duplicateIds} duplicate IDs merged (same title+artist or identical features); ${stats.tiedTracks} tracks left out because their themes tied; ${stats.ambiguousPlaylists} playlists matched several themes`);
  log(`  ${stats.multiThemeTracks} labelled tracks have votes for several themes; mean share of the label theme ${stats.meanTopShare.toFixed(3)}`);
  log('');
  log('Tracks per theme (tracks with a vote from each source; final label by majority vote):');
  log(
    formatTable(
      ['theme', 'tidytuesday', 'mpd', 'genres', 'labelled', 'status'],
      THEME_IDS.map((t) => [t, stats.votesBySource.tidytuesday[t], stats.votesBySource.mpd[t], stats.votesBySource.genres[t], stats.trackCounts[t], stats.trackCounts[t] < MIN_TRACKS_PER_THEME ? `experimental (< ${MIN_TRACKS_PER_THEME})` : 'on by default']),
    ),
  );
  // Themes with enough tracks; the precision rule (after selection) may turn more of them off.
  const onByCount = THEME_IDS.filter((t) => stats.trackCounts[t] >= MIN_TRACKS_PER_THEME);
  const countEnabled = onByCount.length > 0 ? onByCount : [...THEME_IDS];
  const grid = options.grid ?? MLP_GRID;
  const ensemble = options.ensemble ?? ENSEMBLE;
  const students = options.students ?? STUDENTS;
  const withGbt = options.gradientBoosting ?? true;

  const { artists, devIdx, testIdx, foldOf, foldSizes, heldOutByFold } = crossValidationSplit(tracks, options.seed);
  const testArtists = new Set(testIdx.map((i) => artists[i] ?? ''));
  const transferStudents = students.some((s) => s.transfer);
  if (transferStudents && !withGbt) throw new Error('transfer students need the gradient-boosted trees');
  /** The transfer set's tracks for a fit whose held-out artists are `heldOutArtists`: never one of theirs or the test split's. */
  const transferTracks = (heldOutArtists: ReadonlySet<string>) => unlabelledTracks.filter((t) => !testArtists.has(t.artist) && !heldOutArtists.has(t.artist));
  const durationKnown = { dev: devIdx.filter((i) => tracks[i]?.durationMs !== null).length, test: testIdx.filter((i) => tracks[i]?.durationMs !== null).length };
  log(`\nSplit by artist: ${devIdx.length} tracks in ${FOLDS} cross-validation folds (${foldSizes.join(', ')}), ${testIdx.length} test tracks; durations known for ${durationKnown.dev} and ${durationKnown.test}`);

  // ---- cross-validation ---------------------------------------------------------------
  const cvStarted = Date.now();
  const checkpoints = [...new Set([Math.ceil(options.epochs / 2), options.epochs])];
  type Acc = {
    name: string;
    kind: CandidateResult['kind'];
    config?: CandidateResult['config'];
    folds: Evaluation[];
    foldsMissing: Evaluation[];
    flips: number[][];
    parameters?: number;
    oofLogits?: Float64Array;
    oofPredicted: number[];
    ms: number;
    /** The network of each fold (last checkpoint), for the class-bias variant. */
    stacks: DenseStack[];
  };
  const acc = new Map<string, Acc>();
  const entry = (name: string, kind: Acc['kind'], withLogits: boolean, config?: Acc['config'], parameters?: number): Acc => {
    let a = acc.get(name);
    if (!a) {
      a = { name, kind, folds: [], foldsMissing: [], flips: [], stacks: [], oofPredicted: new Array<number>(devIdx.length).fill(0), ms: 0, ...(config ? { config } : {}), ...(parameters !== undefined ? { parameters } : {}), ...(withLogits ? { oofLogits: new Float64Array(devIdx.length * k) } : {}) };
      acc.set(name, a);
    }
    return a;
  };
  const record = (a: Acc, heldOut: number[], validation: Dataset, predicted: number[], logits?: Float64Array) => {
    a.folds.push(evaluate(validation.y, predicted, THEME_IDS));
    heldOut.forEach((d, r) => {
      a.oofPredicted[d] = predicted[r] ?? 0;
      if (logits && a.oofLogits) a.oofLogits.set(logits.subarray(r * k, (r + 1) * k), d * k);
    });
  };
  /** Records a network's held-out results: predictions, with all durations missing, and its flip shares. */
  type Fold = { heldOut: number[]; validation: ReturnType<typeof toDataset>; validationMissing: ReturnType<typeof toDataset>; normalization: Normalization };
  const recordStack = (a: Acc, fold: Fold, stack: DenseStack, withFlips: boolean) => {
    const logits = denseLogits(stack, fold.validation.x, fold.validation.y.length);
    record(a, fold.heldOut, fold.validation, rowsOf(logits, k).map(argmax), logits);
    a.foldsMissing.push(evaluate(fold.validationMissing.y, rowsOf(denseLogits(stack, fold.validationMissing.x, fold.validationMissing.y.length), k).map(argmax), THEME_IDS));
    if (withFlips) {
      a.flips.push(flipShares(fold.validation.inputs, stackProbabilities(stack, fold.normalization, k), THEME_IDS, countEnabled).map((f) => f.share));
      a.stacks.push(stack);
    }
  };
  const fitRecorded = async (name: (epochs: number) => string, kind: Acc['kind'], config: MlpConfig, train: Dataset, fold: Fold, seed: number, epochs: readonly number[]) => {
    const t0 = Date.now();
    const last = Math.max(...epochs);
    let finalStack: DenseStack | undefined;
    const model = await fitMlp(train, k, { ...DEFAULT_TRAIN_OPTIONS, ...config, epochs: last, seed }, (epoch, m) => {
      if (!epochs.includes(epoch)) return;
      const stack = readDenseStack(m);
      if (!stack) throw new Error('MLP is not a dense stack');
      if (epoch === last) finalStack = stack;
      const foldView = config.duration === false ? { ...fold, validation: fold.validationMissing } : fold;
      recordStack(entry(name(epoch), kind, true, { ...config, epochs: epoch }, parameterCount(config.hidden)), foldView, stack, epoch === last && kind !== 'baseline');
    });
    model.dispose();
    const ms = Date.now() - t0;
    for (const e of epochs) entry(name(e), kind, true).ms += ms;
    if (!finalStack) throw new Error('no final checkpoint');
    return finalStack;
  };
  const foldData: Fold[] = [];
  const memberName = (m: number) => (m === 0 ? (e: number) => describeConfig({ ...ensemble.member, epochs: e }) : () => `(ensemble member ${m + 1})`);
  const ensembleName = `ensemble of ${ensemble.size} MLPs ${shape(ensemble.member.hidden)} (probabilities averaged)`;
  const gbtName = `gradient-boosted trees (XGBoost, ${GRADIENT_BOOSTING.rounds} rounds, depth ${GRADIENT_BOOSTING.maxDepth})`;
  for (let fold = 0; fold < FOLDS; fold++) {
    const foldStarted = Date.now();
    const trainD = devIdx.map((_, d) => d).filter((d) => foldOf[d] !== fold);
    const heldOut = heldOutByFold[fold] ?? [];
    const trainIdx = trainD.map((d) => devIdx[d] ?? 0);
    const heldIdx = heldOut.map((d) => devIdx[d] ?? 0);
    const normalization = computeNormalization(inputsOf(tracks, trainIdx, 'none'));
    const train = toDataset(tracks, trainIdx, normalization, options.seed + fold);
    const trainNoDuration = toDataset(tracks, trainIdx, normalization, 'all');
    const validation = toDataset(tracks, heldIdx, normalization, 'none');
    const validationMissing = toDataset(tracks, heldIdx, normalization, 'all');
    const transferRows = transferStudents ? transferTracks(new Set(heldIdx.map((i) => artists[i] ?? ''))) : [];
    const transferX = encodeBatch(maskDurations(transferRows, options.seed + fold + 700), normalization);
    const f: Fold = { heldOut, validation, validationMissing, normalization };
    foldData.push(f);
    const classWeights = balancedClassWeights(train.y, k, DEFAULT_TRAIN_OPTIONS.maxClassWeight);

    let t0 = Date.now();
    const maj = entry('majority class', 'baseline', false);
    record(maj, heldOut, validation, majorityClass(train, k, validation.y.length).predicted);
    maj.ms += Date.now() - t0;
    await fitRecorded(() => describeConfig({ hidden: [], dropout: 0, classWeighting: 'balanced', softLabels: true }), 'baseline', { hidden: [], dropout: 0, classWeighting: 'balanced', softLabels: true }, train, f, options.seed + fold, [options.epochs]);
    t0 = Date.now();
    const knn = entry(`k-nearest neighbours (k = ${KNN_K})`, 'baseline', false);
    record(knn, heldOut, validation, knnPredict(train, validation));
    knn.ms += Date.now() - t0;
    let transferGbt = new Float64Array(0);
    if (withGbt) {
      t0 = Date.now();
      const gbt = entry(gbtName, 'baseline', true);
      // One fit predicts the held-out fold (the baseline) and the transfer set (the students' teacher there).
      const both = new Float32Array(validation.x.length + transferX.length);
      both.set(validation.x, 0);
      both.set(transferX, validation.x.length);
      const all = await gradientBoostingPredict(train, labelless(both, ENCODED_LENGTH), k, classWeights, options.seed + fold);
      const p = all.subarray(0, validation.y.length * k);
      transferGbt = all.slice(validation.y.length * k);
      record(gbt, heldOut, validation, rowsOf(p, k).map(argmax), logOf(Float64Array.from(p)));
      gbt.ms += Date.now() - t0;
    }

    // The ensemble: member 1 is also the single MLP of the same configuration (same seed).
    const teacher: DenseStack[] = [];
    t0 = Date.now();
    for (let m = 0; m < ensemble.size; m++) {
      teacher.push(await fitRecorded(memberName(m), m === 0 ? 'mlp' : 'baseline', ensemble.member, train, f, options.seed + fold + 1000 * m, m === 0 ? checkpoints : [options.epochs]));
    }
    const ens = entry(ensembleName, 'baseline', true, undefined, parameterCount(ensemble.member.hidden) * ensemble.size);
    const pv = ensembleProbabilities(teacher, validation.x, validation.y.length, k);
    record(ens, heldOut, validation, rowsOf(pv, k).map(argmax), logOf(pv));
    ens.ms += Date.now() - t0;

    for (const config of grid) {
      if (JSON.stringify({ ...config, duration: config.duration ?? true }) === JSON.stringify({ ...ensemble.member, duration: ensemble.member.duration ?? true })) continue;
      await fitRecorded((e) => describeConfig({ ...config, epochs: e }), 'mlp', config, config.duration === false ? trainNoDuration : train, f, options.seed + fold, checkpoints);
    }
    const distillCache = new Map<string, Dataset>();
    for (const [si, s] of students.entries()) {
      t0 = Date.now();
      const set = await distillationSet(train, normalization, trainIdx.map((i) => artists[i] ?? ''), teacher, k, s, options.seed + fold + 500, distillCache, { x: transferX, gbt: transferGbt });
      const name = describeStudent(s, ensemble);
      const a = entry(name, 'student', true, { ...s, student: true }, parameterCount(s.hidden));
      const model = await fitMlp(set, k, { ...DEFAULT_TRAIN_OPTIONS, batchSize: STUDENT_BATCH_SIZE, hidden: s.hidden, dropout: 0, classWeighting: 'none', softLabels: true, epochs: s.epochs, seed: options.seed + fold + 2000 + si });
      const stack = readDenseStack(model);
      model.dispose();
      if (!stack) throw new Error('student is not a dense stack');
      recordStack(a, f, stack, true);
      a.ms += Date.now() - t0;
    }
    log(`  fold ${fold + 1}/${FOLDS}: ${train.y.length} train / ${validation.y.length} held out, ${((Date.now() - foldStarted) / 1000).toFixed(1)} s`);
  }
  // The ensemble's members are not candidates of their own.
  for (const name of [...acc.keys()]) if (name.startsWith('(ensemble member')) acc.delete(name);
  const candidates: CandidateResult[] = [...acc.values()].map((a) => ({
    name: a.name,
    kind: a.kind,
    ...(a.config ? { config: a.config } : {}),
    folds: a.folds,
    macroF1: summarize(a.folds.map((e) => e.macroF1)),
    enabledMacroF1: summarize(a.folds.map((e) => macroF1Over(e, countEnabled))),
    accuracy: summarize(a.folds.map((e) => e.accuracy)),
    ...(a.foldsMissing.length > 0 ? { missingDurationMacroF1: summarize(a.foldsMissing.map((e) => e.macroF1)) } : {}),
    ...(a.flips.length > 0 ? { flips: PERTURBATIONS.map((perturbation, j) => ({ perturbation, share: a.flips.reduce((s, row) => s + (row[j] ?? 0), 0) / a.flips.length })) } : {}),
    ...(a.parameters !== undefined ? { parameters: a.parameters } : {}),
    seconds: a.ms / 1000,
    ...(a.oofLogits ? { oofLogits: a.oofLogits } : {}),
    oofPredicted: a.oofPredicted,
  }));
  // Class-bias variants of the networks: per fold, offsets fitted on the other folds'
  // out-of-fold logits (so the held-out fold plays no part in its own offsets).
  const devTruth = devIdx.map((i) => THEME_IDS.indexOf(tracks[i]?.theme ?? 'party'));
  const biasesOf = new Map<string, Float64Array>();
  for (const a of [...acc.values()].filter((x) => x.kind !== 'baseline' && x.stacks.length === FOLDS && x.oofLogits)) {
    const logits = a.oofLogits as Float64Array;
    const t0 = Date.now();
    const rowsOut = (f: number) => devIdx.map((_, d) => d).filter((d) => foldOf[d] !== f);
    const folds: Evaluation[] = [];
    const foldsMissing: Evaluation[] = [];
    const flips: number[][] = [];
    const tunedLogits = new Float64Array(logits.length);
    const predicted = new Array<number>(devIdx.length).fill(0);
    for (let f = 0; f < FOLDS; f++) {
      const others = rowsOut(f);
      const bias = fitClassBiases(selectRows(logits, others, k), k, others.map((d) => devTruth[d] ?? 0));
      const fd = foldData[f] as Fold;
      const stack = withOutputBias(a.stacks[f] as DenseStack, bias);
      const vl = denseLogits(stack, fd.validation.x, fd.validation.y.length);
      const pred = rowsOf(vl, k).map(argmax);
      folds.push(evaluate(fd.validation.y, pred, THEME_IDS));
      foldsMissing.push(evaluate(fd.validationMissing.y, rowsOf(denseLogits(stack, fd.validationMissing.x, fd.validationMissing.y.length), k).map(argmax), THEME_IDS));
      flips.push(flipShares(fd.validation.inputs, stackProbabilities(stack, fd.normalization, k), THEME_IDS, countEnabled).map((x) => x.share));
      fd.heldOut.forEach((d, r) => {
        predicted[d] = pred[r] ?? 0;
        tunedLogits.set(vl.subarray(r * k, (r + 1) * k), d * k);
      });
    }
    const base = candidates.find((c) => c.name === a.name) as CandidateResult;
    const name = `${a.name} + class biases`;
    biasesOf.set(name, fitClassBiases(logits, k, devTruth));
    candidates.push({
      ...base,
      name,
      folds,
      macroF1: summarize(folds.map((e) => e.macroF1)),
      enabledMacroF1: summarize(folds.map((e) => macroF1Over(e, countEnabled))),
      accuracy: summarize(folds.map((e) => e.accuracy)),
      missingDurationMacroF1: summarize(foldsMissing.map((e) => e.macroF1)),
      flips: PERTURBATIONS.map((perturbation, j) => ({ perturbation, share: flips.reduce((sum, row) => sum + (row[j] ?? 0), 0) / flips.length })),
      seconds: base.seconds + (Date.now() - t0) / 1000,
      oofLogits: tunedLogits,
      oofPredicted: predicted,
    });
  }
  const cvSeconds = (Date.now() - cvStarted) / 1000;
  // Selection on cross-validation alone: the best mean macro-F1 among the single networks within
  // the weights budget whose out-of-fold badge flips stay within MAX_FLIP_SHARE for every audio
  // feature (all of them when none does).
  const shippable = candidates.filter((c) => c.kind !== 'baseline' && (c.parameters ?? Infinity) <= MAX_WEIGHT_BYTES);
  const robust = shippable.filter((c) => robustEnough(c));
  const selected = (robust.length > 0 ? robust : shippable).reduce((a, b) => (b.macroF1.mean > a.macroF1.mean ? b : a));
  if (robust.length === 0) log(`WARNING: no network keeps its out-of-fold badge flips within ${100 * MAX_FLIP_SHARE} % for every feature step`);
  const baselines = candidates.filter((c) => c.kind === 'baseline');
  const bestBaseline = baselines.reduce((a, b) => (b.macroF1.mean > a.macroF1.mean ? b : a));
  const margins = baselines.map((b) => {
    const diff = pairedDifference(
      selected.folds.map((e) => e.macroF1),
      b.folds.map((e) => e.macroF1),
    );
    return { name: b.name, diff, baselineStd: b.macroF1.std, selectedStd: selected.macroF1.std, beatsByOneStd: diff.mean > Math.max(b.macroF1.std, selected.macroF1.std), beatsByPairedStd: diff.mean > diff.std };
  });
  log(`\n${FOLDS}-fold cross-validation (mean ± standard deviation over folds), ${cvSeconds.toFixed(1)} s:`);
  log(formatTable(['model', 'macro-F1', 'macro-F1 (on-by-default themes)', 'accuracy', 'macro-F1, durations missing', 's'], candidates.map((c) => [c.name, fmt(c.macroF1), fmt(c.enabledMacroF1), fmt(c.accuracy), c.missingDurationMacroF1 ? fmt(c.missingDurationMacroF1) : '–', c.seconds.toFixed(1)])));
  log(`Selected: ${selected.name} (macro-F1 ${fmt(selected.macroF1)}); best baseline: ${bestBaseline.name} (${fmt(bestBaseline.macroF1)})`);
  for (const m of margins) if (!m.beatsByOneStd) log(`WARNING: the selected model does not beat ${m.name} by more than one standard deviation (${(100 * m.diff.mean).toFixed(2)} points)`);
  const config = selected.config;
  if (!config || !selected.oofLogits) throw new Error('no network candidate');

  // ---- themes on by default: enough tracks and a badge right often enough (out-of-fold) ---
  const oofEvaluation = evaluate(devTruth, selected.oofPredicted, THEME_IDS);
  const lowPrecision = countEnabled.filter((t) => (oofEvaluation.perTheme[t]?.precision ?? 0) < MIN_BADGE_PRECISION);
  const enabledThemes = countEnabled.length > lowPrecision.length ? countEnabled.filter((t) => !lowPrecision.includes(t)) : countEnabled;
  const experimental = THEME_IDS.filter((t) => stats.trackCounts[t] < MIN_TRACKS_PER_THEME || lowPrecision.includes(t));
  for (const t of lowPrecision) log(`${t}: out-of-fold precision ${(oofEvaluation.perTheme[t]?.precision ?? 0).toFixed(3)} < ${MIN_BADGE_PRECISION.toFixed(3)}, off by default`);

  // ---- the badge's decision: arg-max among the themes on by default, on tracks of those themes ---
  const badgeFolds = (logits: Float64Array): number[] =>
    heldOutByFold.map((rows) => badgeMacroF1(selectRows(logits, rows, k), rows.map((d) => devTruth[d] ?? 0), THEME_IDS, enabledThemes));
  const badgeByCandidate = candidates.flatMap((c) => (c.oofLogits ? [{ name: c.name, kind: c.kind, folds: badgeFolds(c.oofLogits) }] : []));
  const selectedBadge = badgeByCandidate.find((c) => c.name === selected.name);
  const badgeDecision: TrainingReport['badge'] = {
    themes: enabledThemes,
    byCandidate: badgeByCandidate.map((c) => ({ name: c.name, macroF1: summarize(c.folds) })),
    margins: selectedBadge ? badgeByCandidate.filter((c) => c.kind === 'baseline').map((b) => ({ name: b.name, diff: pairedDifference(selectedBadge.folds, b.folds) })) : [],
  };
  log(`\nThe badge's decision (arg-max among ${enabledThemes.join(', ')}; tracks of those themes), macro-F1 over folds:`);
  log(formatTable(['model', 'badge macro-F1'], badgeDecision.byCandidate.map((c) => [c.name, fmt(c.macroF1)])));

  return { started, tracks, stats, artists, devIdx, testIdx, foldSizes, durationKnown, transferTracks, ensemble, students, gbtName, ensembleName, candidates, selected, selectedConfig: config, selectedOofLogits: selected.oofLogits, bestBaseline, margins, biasesOf, devTruth, foldOf, heldOutByFold, oofEvaluation, enabledThemes, experimental, badgeDecision, cvSeconds };
}

/**
 * Trains the theme classifier on the data in `dataDir` and writes `model.json`, the uint8
 * weights shard and `metadata.json` to `outDir`:
 *
 * 1. labelled, deduplicated tracks with their durations (training/data.ts); a test split of
 *    whole artists ({@link TEST_FRACTION}) is held out; the rest is split into {@link FOLDS}
 *    artist-grouped, theme-stratified folds;
 * 2. on the same folds: baselines (majority class, logistic regression, k-nearest neighbours,
 *    gradient-boosted trees, an ensemble of MLPs), MLPs trained on the labels with and without
 *    duration, and students distilled from a teacher ({@link STUDENTS}: cross-fitted trees, on
 *    the unlabelled transfer set too); the single network with the best mean cross-validated
 *    macro-F1 is selected;
 * 3. themes off by default ({@link MIN_TRACKS_PER_THEME}, {@link MIN_BADGE_PRECISION}), then
 *    temperature and "uncertain" threshold from its out-of-fold predictions;
 * 4. the selected configuration is refitted on all non-test tracks (for a student: its teacher
 *    first), quantized (uint8 shipped; float16 measured) and evaluated once on the test split.
 *
 * Steps 1–2 and the themes off by default are {@link crossValidate}; the rest reads the test
 * split once, for the selected model. Everything is seeded: the same data and seed give
 * byte-identical files. Throws `Error` when the data is missing or a split is empty.
 */
export async function runTraining(options: TrainRunOptions): Promise<TrainRunResult> {
  const { log } = options;
  const k = THEME_IDS.length;
  const { started, tracks, stats, artists, devIdx, testIdx, foldSizes, durationKnown, transferTracks, ensemble, students, gbtName, ensembleName, candidates, selected, selectedConfig: config, selectedOofLogits, bestBaseline, margins, biasesOf, devTruth, oofEvaluation, enabledThemes, experimental, badgeDecision, cvSeconds } = await crossValidate(options);

  // ---- calibration on out-of-fold logits -----------------------------------------------
  const devSources = devIdx.map((i) => trackSource(tracks[i] as LabelledTrack));
  const temperature = fitTemperature({ logits: selectedOofLogits, k, truth: devTruth });
  const oofBefore = rowsOf(softmaxRows(selectedOofLogits, k, 1), k);
  const oofAfter = rowsOf(softmaxRows(selectedOofLogits, k, temperature), k);
  const badge = (p: number[], truth: number): BadgeOutcome => {
    const choice = pickTheme(p, THEME_IDS, enabledThemes);
    return { probability: choice.probability, correct: THEME_IDS.indexOf(choice.theme) === truth };
  };
  const oofBadges = oofAfter.map((p, i) => badge(p, devTruth[i] ?? 0));
  const bandThreshold = chooseUncertainThreshold(oofBadges);
  const uncertainThreshold = transferableUncertainThreshold(bandThreshold, devSources, oofBadges);
  const oofBySource = sourceCalibration(devSources, oofAfter, oofBadges, devTruth, uncertainThreshold);
  log(`Temperature ${temperature.toFixed(4)} (fitted on out-of-fold logits); uncertain below ${uncertainThreshold.toFixed(2)} (band rule ${bandThreshold.toFixed(2)}); out-of-fold ECE ${expectedCalibrationError(oofBefore, devTruth).toFixed(4)} → ${expectedCalibrationError(oofAfter, devTruth).toFixed(4)}`);

  // ---- final fit on all non-test tracks ------------------------------------------------
  const finalStarted = Date.now();
  const normalization = computeNormalization(inputsOf(tracks, devIdx, 'none'));
  const dev = toDataset(tracks, devIdx, normalization, options.seed);
  const test = toDataset(tracks, testIdx, normalization, 'none');
  const testMissing = toDataset(tracks, testIdx, normalization, 'all');
  let model: tf.Sequential;
  let modelInfo: Omit<ModelMetadata['training']['model'], 'classBiases'>;
  const baseName = selected.name.replace(/ \+ class biases$/, '');
  const outputBias = biasesOf.get(selected.name);
  if ('student' in config) {
    const teacherName = config.teacher === 'gbt' ? gbtName : config.teacher === 'mlp+gbt' ? `${ensembleName} + ${gbtName}` : ensembleName;
    log(`\nFinal fit: teacher (${teacherName}) on ${dev.y.length} tracks, then ${selected.name} (seed ${options.seed}, wasm backend)`);
    const teacher: DenseStack[] = [];
    for (let m = 0; config.teacher !== 'gbt' && m < ensemble.size; m++) {
      const member = await fitMlp(dev, k, { ...DEFAULT_TRAIN_OPTIONS, ...ensemble.member, epochs: options.epochs, seed: options.seed + 1000 * m });
      const stack = readDenseStack(member);
      member.dispose();
      if (!stack) throw new Error('ensemble member is not a dense stack');
      teacher.push(stack);
    }
    let transfer: TransferSet | undefined;
    if (config.transfer) {
      const x = encodeBatch(maskDurations(transferTracks(new Set()), options.seed + 700), normalization);
      transfer = { x, gbt: await gradientBoostingPredict(dev, labelless(x, ENCODED_LENGTH), k, balancedClassWeights(dev.y, k, DEFAULT_TRAIN_OPTIONS.maxClassWeight), options.seed) };
      log(`  transfer set: ${x.length / ENCODED_LENGTH} unlabelled tracks (none by a test-split artist)`);
    }
    const si = students.indexOf(students.find((s) => describeStudent(s, ensemble) === baseName) ?? (students[0] as StudentConfig));
    const set = await distillationSet(dev, normalization, devIdx.map((i) => artists[i] ?? ''), teacher, k, config, options.seed + 500, new Map(), transfer);
    model = await fitMlp(set, k, { ...DEFAULT_TRAIN_OPTIONS, batchSize: STUDENT_BATCH_SIZE, hidden: config.hidden, dropout: 0, classWeighting: 'none', softLabels: true, epochs: config.epochs, seed: options.seed + 2000 + si });
    const crossFitted = `cross-fitted over ${TEACHER_FOLDS} artist folds`;
    const teacherInfo = config.teacher === 'gbt' ? `${gbtName}, ${crossFitted}` : config.teacher === 'mlp+gbt' ? `${ensembleName} and ${gbtName}, ${crossFitted}, averaged` : ensembleName;
    modelInfo = { hidden: [...config.hidden], dropout: 0, epochs: config.epochs, classWeighting: 'none', softLabels: true, teacher: `${teacherInfo}${config.transfer ? `; also on ${(transfer?.x.length ?? 0) / ENCODED_LENGTH} unlabelled tracks` : ''}` };
  } else {
    log(`\nFinal fit: ${describeConfig(config)} on ${dev.y.length} tracks (seed ${options.seed}, wasm backend)`);
    const data = config.duration === false ? toDataset(tracks, devIdx, normalization, 'all') : dev;
    model = await fitMlp(data, k, { ...DEFAULT_TRAIN_OPTIONS, ...config, seed: options.seed });
    modelInfo = { hidden: [...config.hidden], dropout: config.dropout, epochs: config.epochs, classWeighting: config.classWeighting, softLabels: config.softLabels, teacher: null };
  }
  if (outputBias) {
    // The class offsets, fitted on all out-of-fold logits, folded into the output layer's bias.
    const out = model.getLayer('output');
    const [kernel, bias] = out.getWeights();
    if (!kernel || !bias) throw new Error('output layer without bias');
    const shifted = tf.add(bias, tf.tensor1d(Array.from(outputBias)));
    out.setWeights([kernel, shifted]);
    shifted.dispose();
  }
  const finalSeconds = (Date.now() - finalStarted) / 1000;
  const floatStack = readDenseStack(model);
  if (!floatStack) throw new Error('MLP is not a dense stack');
  const floatEval = evaluate(test.y, rowsOf(denseLogits(floatStack, test.x, test.y.length), k).map(argmax), THEME_IDS);
  const weights = namedWeights(model);
  const topology = model.toJSON(null, false) as object;
  const generatedBy = `TensorFlow.js tfjs-layers v${tf.version_layers}`;
  const f16 = await tf.loadLayersModel(float16Handler(topology, weights, generatedBy));
  const f16Stack = readDenseStack(f16);
  if (!f16Stack) throw new Error('float16 model is not a dense stack');
  const float16Eval = evaluate(test.y, rowsOf(denseLogits(f16Stack, test.x, test.y.length), k).map(argmax), THEME_IDS);
  f16.dispose();
  const bin = writeQuantizedModel(options.outDir, topology, weights, generatedBy);
  model.dispose();
  const quantized = await tf.loadLayersModel(fileModelHandler(join(options.outDir, 'model.json')));
  const stack = readDenseStack(quantized);
  quantized.dispose();
  if (!stack) throw new Error('uint8 model is not a dense stack');
  const testLogits = denseLogits(stack, test.x, test.y.length);
  const testBefore = rowsOf(softmaxRows(testLogits, k, 1), k);
  const testAfter = rowsOf(softmaxRows(testLogits, k, temperature), k);
  const uint8Eval = evaluate(test.y, testBefore.map(argmax), THEME_IDS);
  const uint8MissingEval = evaluate(test.y, rowsOf(denseLogits(stack, testMissing.x, test.y.length), k).map(argmax), THEME_IDS);
  const majority = majorityClass(dev, k, test.y.length);
  const majorityEval = evaluate(test.y, majority.predicted, THEME_IDS);
  const testBadges = testAfter.map((p, i) => badge(p, test.y[i] ?? 0));
  const testSources = testIdx.map((i) => trackSource(tracks[i] as LabelledTrack));
  const testBySource = sourceCalibration(testSources, testAfter, testBadges, test.y, uncertainThreshold);
  const testFlips = flipShares(test.inputs, stackProbabilities(stack, normalization, k, temperature), THEME_IDS, enabledThemes);
  const flagged = testBadges.filter((b) => b.probability < uncertainThreshold);
  const confident = testBadges.filter((b) => b.probability >= uncertainThreshold);
  const share = (xs: typeof testBadges) => (xs.length > 0 ? xs.filter((b) => b.correct).length / xs.length : 0);
  const parameters = weights.reduce((n, w) => n + w.values.length, 0);

  const modelJson = readFileSync(join(options.outDir, 'model.json'));
  const modelVersion = createHash('sha256').update(modelJson).update(bin).digest('hex').slice(0, 12);
  const summaryOf = (c: CandidateResult) => ({ name: c.name, macroF1: c.macroF1, accuracy: c.accuracy });
  const metadata = parseModelMetadata({
    formatVersion: METADATA_FORMAT_VERSION,
    modelVersion,
    labels: [...THEME_IDS],
    experimental,
    minTracksPerTheme: MIN_TRACKS_PER_THEME,
    minPrecision: MIN_BADGE_PRECISION,
    features: {
      input: [...AUDIO_FEATURE_NAMES],
      encoded: [...ENCODED_FEATURE_NAMES],
      normalization: { mean: [...normalization.mean], std: [...normalization.std], logDuration: { ...normalization.logDuration } },
      duration: {
        input: 'durationMs',
        roundedTo: 'second',
        rangeMs: [DURATION_RANGE_MS.min, DURATION_RANGE_MS.max],
        encoding: DURATION_ENCODING,
        missing: { value: 0, indicator: 'duration_missing' },
        maskedShare: DURATION_MASK_SHARE,
      },
    },
    calibration: {
      temperature,
      uncertainThreshold,
      eceBefore: expectedCalibrationError(testBefore, test.y),
      eceAfter: expectedCalibrationError(testAfter, test.y),
    },
    quantization: { dtype: 'uint8', scheme: 'affine-per-tensor', weightBytes: bin.length },
    training: {
      seed: options.seed,
      trackCounts: stats.trackCounts,
      splits: { train: dev.y.length, validation: 0, test: test.y.length },
      sources: stats.sources,
      model: { ...modelInfo, classBiases: outputBias ? Array.from(outputBias) : null },
      crossValidation: { folds: FOLDS, selected: summaryOf(selected), bestBaseline: summaryOf(bestBaseline), precision: Object.fromEntries(THEME_IDS.map((t) => [t, oofEvaluation.perTheme[t]?.precision ?? 0])) },
    },
    metrics: { float32: floatEval, float16: float16Eval, uint8: uint8Eval, majorityBaseline: majorityEval },
  } satisfies ModelMetadata);
  writeFileSync(join(options.outDir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);

  const show = (title: string, e: Evaluation) => log(`\n${title}\n${formatEvaluation(e, THEME_IDS)}`);
  show('Test split, float32 model:', floatEval);
  show(`Test split, uint8 model (${bin.length} bytes of weights, ${WEIGHTS_FILE}):`, uint8Eval);
  log(
    `\nSummary (test split): macro-F1 float32 ${floatEval.macroF1.toFixed(4)}, float16 ${float16Eval.macroF1.toFixed(4)}, uint8 ${uint8Eval.macroF1.toFixed(4)} (${uint8MissingEval.macroF1.toFixed(4)} with every duration missing), majority ${majorityEval.macroF1.toFixed(4)}; accuracy float32 ${floatEval.accuracy.toFixed(4)}, uint8 ${uint8Eval.accuracy.toFixed(4)}; ECE ${metadata.calibration.eceBefore.toFixed(4)} → ${metadata.calibration.eceAfter.toFixed(4)} (T = ${temperature.toFixed(4)})`,
  );
  log(`Badge flips on the test split: ${testFlips.map((f) => `${f.perturbation.feature} ±${f.perturbation.step}${f.perturbation.unit} ${(100 * f.share).toFixed(1)} %`).join(', ')}`);
  log(`Confident badges right on the test split: ${testBySource.map((s) => `${s.source} ${(100 * s.accuracyConfident).toFixed(1)} % of ${s.confident}`).join(', ')}`);
  const totalSeconds = (Date.now() - started) / 1000;
  log(`Wrote ${resolve(options.outDir)}/{model.json,${WEIGHTS_FILE},metadata.json} (model ${modelVersion}) in ${totalSeconds.toFixed(1)} s wall time`);
  if (options.onReport) {
    await options.onReport({
      stats,
      metadata,
      seed: options.seed,
      devRows: dev.y.length,
      testRows: test.y.length,
      foldSizes,
      durationKnown,
      candidates,
      selected,
      bestBaseline,
      margins,
      oofEvaluation,
      badge: badgeDecision,
      calibration: {
        temperature,
        uncertainThreshold,
        bandThreshold,
        oofEceBefore: expectedCalibrationError(oofBefore, devTruth),
        oofEceAfter: expectedCalibrationError(oofAfter, devTruth),
        testEceBefore: metadata.calibration.eceBefore,
        testEceAfter: metadata.calibration.eceAfter,
        testBinsBefore: reliabilityBins(testBefore, test.y),
        testBinsAfter: reliabilityBins(testAfter, test.y),
        testUncertainShare: flagged.length / Math.max(1, testBadges.length),
        testAccuracyUncertain: share(flagged),
        testAccuracyConfident: share(confident),
        oofBySource,
        testBySource,
        testTopTwo: topTwoCoverage(testAfter, test.y, THEME_IDS, enabledThemes, uncertainThreshold),
      },
      test: { float32: floatEval, float16: float16Eval, uint8: uint8Eval, uint8MissingDuration: uint8MissingEval, majority: majorityEval, majorityLabel: THEME_IDS[majority.label] ?? 'party', flips: testFlips },
      sizes: { float32: parameters * 4, float16: parameters * 2, uint8: bin.length, parameters },
      seconds: { crossValidation: cvSeconds, finalFit: finalSeconds, total: totalSeconds },
    });
  }
  return { metadata, weightBytes: bin.length };
}

/** How to call `npm run train`, printed with every command-line error. */
export const TRAIN_USAGE = 'Usage: npm run train -- --data <dir> [--out <dir>] [--seed <int>] [--epochs <int>] [--report <dir> | --no-report] [--no-chromium-bench]';

/** A mistake in the command line or the data folder: printed as one line with {@link TRAIN_USAGE}, no stack. */
export class TrainUsageError extends Error {}

async function main(): Promise<void> {
  // TF.js's production mode only silences its logger (tfjs-core log.ts), e.g. the "install our
  // node backend" banner; it changes no computation.
  tf.enableProdMode();
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        data: { type: 'string' },
        out: { type: 'string', default: 'public/model' },
        seed: { type: 'string', default: String(DEFAULT_TRAIN_OPTIONS.seed) },
        epochs: { type: 'string', default: String(DEFAULT_TRAIN_OPTIONS.epochs) },
        report: { type: 'string', default: 'training' },
        'no-report': { type: 'boolean', default: false },
        'no-chromium-bench': { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new TrainUsageError(errorMessage(error));
  }
  const { values } = parsed;
  if (!values.data) throw new TrainUsageError('--data is required: the folder with the training data');
  const problem = dataFolderProblem(values.data);
  if (problem !== null) throw new TrainUsageError(problem);
  const seed = Number(values.seed);
  const epochs = Number(values.epochs);
  if (!Number.isInteger(seed)) throw new TrainUsageError(`--seed must be an integer, got "${values.seed}"`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new TrainUsageError(`--epochs must be a positive integer, got "${values.epochs}"`);
  const log = (line: string) => console.log(line);
  const { writeReport } = await import('./report');
  const outDir = values.out;
  const reportDir = values.report;
  await runTraining({
    dataDir: values.data,
    outDir,
    seed,
    epochs,
    log,
    ...(values['no-report'] ? {} : { onReport: (report: TrainingReport) => writeReport(report, { reportDir, modelDir: outDir, dataDir: values.data ?? '', chromium: !values['no-chromium-bench'], log }) }),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    if (error instanceof TrainUsageError) {
      console.error(`npm run train: ${error.message}\n${TRAIN_USAGE}`);
      process.exit(2);
    }
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    process.exit(1);
  });
}
