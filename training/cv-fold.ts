/**
 * One cross-validation fold of `npm run train` (training/train.ts `crossValidate`): every
 * candidate (the baselines, the MLPs trained on the labels, the students) fitted on the fold's
 * training part and scored on its held-out part. Everything in a fold is seeded from the run's
 * seed and the fold's index, and no fold reads what another one computed, so the folds (and the
 * parts of a fold, {@link FOLD_STAGES}) can run in worker threads (training/cv-worker.ts) or one
 * after another in this thread and give the same numbers, bit for bit.
 */
import { ENCODED_LENGTH, computeNormalization, encodeBatch, type ModelInput, type Normalization } from '../model/features';
import { denseLogits, readDenseStack, softmaxRows, type DenseStack } from '../model/forward';
import type { Evaluation } from '../model/metadata';
import { MIN_TRACKS_PER_THEME, THEME_IDS, type ThemeId } from '../model/themes';
import { GRADIENT_BOOSTING, gradientBoostingPredict, knnPredict, majorityClass, KNN_K } from './baselines';
import { crossValidationSplit, inputsOf, logOf, maskDurations, rowsOf, toDataset } from './cv';
import type { DataStats, LabelledTrack, TrackInfo } from './data';
import { STUDENT_BATCH_SIZE, distillationSet, ensembleProbabilities, labelless, type StudentConfig } from './distill';
import { argmax, evaluate } from './metrics';
import { DEFAULT_TRAIN_OPTIONS, balancedClassWeights, fitMlp, type Dataset, type TrainOptions } from './model';
import { flipShares } from './robustness';

/** One MLP configuration trained on the labels (epochs are checkpoints of the same run). */
export interface MlpConfig {
  readonly hidden: readonly number[];
  readonly dropout: number;
  readonly classWeighting: TrainOptions['classWeighting'];
  readonly softLabels: boolean;
  /** false: every duration is treated as missing in training and evaluation (the "without duration" lever). Default true. */
  readonly duration?: boolean;
}

/** The ensemble of MLPs: the strongest baseline, and the teacher of the students. */
export interface EnsembleConfig {
  readonly size: number;
  readonly member: MlpConfig;
}

/** baseline: compared against; mlp: one network trained on labels; student: one network distilled from a teacher. */
export type CandidateKind = 'baseline' | 'mlp' | 'student';

/** A network candidate's configuration: an MLP at one epoch checkpoint, or a student. */
export type CandidateConfig = (MlpConfig & { epochs: number }) | (StudentConfig & { student: true });

/** A network's layer sizes, e.g. `24-64-32-8`. */
export const shape = (hidden: readonly number[]) => [ENCODED_LENGTH, ...hidden, THEME_IDS.length].join('-');

/** The report's name of an MLP trained on labels (logistic regression without hidden layers), e.g. `MLP 24-64-32-8, dropout 0, balanced class weights, soft labels, 40 epochs`. */
export function describeConfig(c: MlpConfig & { epochs?: number }): string {
  const name = c.hidden.length > 0 ? `MLP ${shape(c.hidden)}` : 'logistic regression';
  return `${name}${c.duration === false ? ' without duration' : ''}, dropout ${c.dropout}, ${c.classWeighting === 'balanced' ? 'balanced' : 'no'} class weights, ${c.softLabels ? 'soft' : 'hard'} labels${c.epochs ? `, ${c.epochs} epochs` : ''}`;
}

/** The report's name of a student network: its shape, teacher, transfer set, jitter and epochs. */
export function describeStudent(c: StudentConfig, ensemble: EnsembleConfig): string {
  const mlps = `${ensemble.size} MLPs ${ensemble.member.hidden.join('-')}`;
  const teacher = c.teacher === 'gbt' ? 'cross-fitted GBT' : c.teacher === 'mlp+gbt' ? `${mlps} + cross-fitted GBT` : mlps;
  return `MLP ${shape(c.hidden)} distilled from ${teacher}${c.transfer ? ' on labelled + unlabelled tracks' : ''}, ${c.jitterCopies} jittered cop${c.jitterCopies === 1 ? 'y' : 'ies'} (σ ${c.jitter} steps), ${c.epochs} epochs`;
}

/** Weights and biases of a dense network of the encoded input → `hidden` → the themes (= bytes of its uint8 weights). */
export function parameterCount(hidden: readonly number[]): number {
  let inputs = ENCODED_LENGTH;
  let n = 0;
  for (const units of [...hidden, THEME_IDS.length]) {
    n += inputs * units + units;
    inputs = units;
  }
  return n;
}

/** The report's name of the gradient-boosted trees baseline. */
export const GBT_NAME = `gradient-boosted trees (XGBoost, ${GRADIENT_BOOSTING.rounds} rounds, depth ${GRADIENT_BOOSTING.maxDepth})`;

/** The report's name of the MLP ensemble baseline. */
export function ensembleName(ensemble: EnsembleConfig): string {
  return `ensemble of ${ensemble.size} MLPs ${shape(ensemble.member.hidden)} (probabilities averaged)`;
}

/** Encodes inputs with the model's normalization and returns badge-order probabilities of a dense stack (float64 forward pass). */
export function stackProbabilities(stack: DenseStack, normalization: Normalization, k: number, temperature = 1) {
  return (rows: readonly ModelInput[]) => rowsOf(softmaxRows(denseLogits(stack, encodeBatch(rows, normalization), rows.length), k, temperature), k);
}

/**
 * What a fold needs besides the data: the run's seed, epochs and candidates with their defaults
 * resolved. Plain data, so it can be sent to a worker thread.
 */
export interface FoldSetup {
  /** The data folder (training/data.ts `loadLabelledTracks`). */
  readonly dataDir: string;
  readonly seed: number;
  /** Epochs of an MLP trained on labels; checkpoints at half and at all of them. */
  readonly epochs: number;
  readonly grid: readonly MlpConfig[];
  readonly ensemble: EnsembleConfig;
  readonly students: readonly StudentConfig[];
  /** Whether the gradient-boosted trees baseline (and so the students' trees teacher) runs. */
  readonly gradientBoosting: boolean;
}

/** The folds' shared view of the data: the loaded tracks, the split (training/cv.ts) and the setup. */
export interface FoldContext {
  readonly setup: FoldSetup;
  readonly tracks: readonly LabelledTrack[];
  readonly stats: DataStats;
  /** Each track's primary artist; the cross-validation and test tracks; the folds (training/cv.ts `crossValidationSplit`). */
  readonly artists: readonly string[];
  readonly devIdx: readonly number[];
  readonly testIdx: readonly number[];
  readonly foldOf: readonly number[];
  readonly foldSizes: readonly number[];
  readonly heldOutByFold: readonly (readonly number[])[];
  /** Themes with at least {@link MIN_TRACKS_PER_THEME} labelled tracks (all when none has): flips and "≥ 300 tracks" figures count these. */
  readonly countEnabled: readonly ThemeId[];
  /** The unlabelled tracks a fit may use whose held-out artists are `heldOutArtists` (never one of theirs or the test split's). */
  readonly transferTracks: (heldOutArtists: ReadonlySet<string>) => TrackInfo[];
}

/**
 * The folds' view of loaded data (training/data.ts `loadLabelledTracks`), the same in every thread.
 * @throws Error when the split fails (training/cv.ts `crossValidationSplit`), or a transfer student is asked for without the trees.
 */
export function foldContext(setup: FoldSetup, loaded: { readonly tracks: LabelledTrack[]; readonly unlabelled: readonly TrackInfo[]; readonly stats: DataStats }): FoldContext {
  const { tracks, unlabelled, stats } = loaded;
  if (setup.students.some((s) => s.transfer) && !setup.gradientBoosting) throw new Error('transfer students need the gradient-boosted trees');
  const { artists, devIdx, testIdx, foldOf, foldSizes, heldOutByFold } = crossValidationSplit(tracks, setup.seed);
  const testArtists = new Set(testIdx.map((i) => artists[i] ?? ''));
  const onByCount = THEME_IDS.filter((t) => stats.trackCounts[t] >= MIN_TRACKS_PER_THEME);
  return {
    setup,
    tracks,
    stats,
    artists,
    devIdx,
    testIdx,
    foldOf,
    foldSizes,
    heldOutByFold,
    countEnabled: onByCount.length > 0 ? onByCount : [...THEME_IDS],
    transferTracks: (heldOutArtists) => unlabelled.filter((t) => !testArtists.has(t.artist) && !heldOutArtists.has(t.artist)),
  };
}

/** A fold's held-out part, encoded with the normalization of the fold's training part. */
export interface HeldOutData {
  /** The training part (track indices) and the held-out part (dev rows, and their track indices). */
  readonly trainIdx: readonly number[];
  readonly heldOut: readonly number[];
  readonly heldIdx: readonly number[];
  readonly normalization: Normalization;
  /** Held-out rows as they are, and with every duration missing. */
  readonly validation: ReturnType<typeof toDataset>;
  readonly validationMissing: ReturnType<typeof toDataset>;
}

/** A fold's datasets: its held-out part and its training rows. */
export interface FoldData extends HeldOutData {
  /** Training rows with `DURATION_MASK_SHARE` (training/cv.ts) of the durations masked (seeded by the fold), and with all of them missing. */
  readonly train: Dataset;
  readonly trainNoDuration: Dataset;
}

/**
 * The held-out part of fold `fold` (0 … FOLDS − 1), what `crossValidate` needs after the folds
 * ran (the class-bias variants); pure, so every thread computes the same one.
 */
export function heldOutData(ctx: FoldContext, fold: number): HeldOutData {
  const { tracks, devIdx, foldOf, heldOutByFold } = ctx;
  const heldOut = heldOutByFold[fold] ?? [];
  const trainIdx = devIdx.filter((_, d) => foldOf[d] !== fold);
  const heldIdx = heldOut.map((d) => devIdx[d] ?? 0);
  const normalization = computeNormalization(inputsOf(tracks, trainIdx, 'none'));
  return {
    trainIdx,
    heldOut,
    heldIdx,
    normalization,
    validation: toDataset(tracks, heldIdx, normalization, 'none'),
    validationMissing: toDataset(tracks, heldIdx, normalization, 'all'),
  };
}

/** The datasets of fold `fold`: {@link heldOutData} and the training rows; pure, like it. */
export function foldData(ctx: FoldContext, fold: number): FoldData {
  const part = heldOutData(ctx, fold);
  return {
    ...part,
    train: toDataset(ctx.tracks, part.trainIdx, part.normalization, ctx.setup.seed + fold),
    trainNoDuration: toDataset(ctx.tracks, part.trainIdx, part.normalization, 'all'),
  };
}

/**
 * One candidate's results on one fold, in the order they were recorded. Plain data (sent back
 * from a worker thread); `crossValidate` adds the folds' records up in fold order.
 */
export interface FoldRecord {
  readonly name: string;
  /** The {@link FOLD_STAGES} index of the step that recorded it: a fold's parts merge back into the order of a whole fold by it. */
  readonly stage: number;
  readonly kind: CandidateKind;
  /** Whether the candidate has out-of-fold logits (networks, ensembles, trees). */
  readonly withLogits: boolean;
  readonly config?: CandidateConfig;
  readonly parameters?: number;
  /** Evaluations of the held-out rows, and with every duration missing (networks). */
  readonly evaluations: Evaluation[];
  readonly missing: Evaluation[];
  /** Whether held-out predictions were recorded; then the predicted theme index per held-out row (in `heldOut` order) and, with logits, `[heldOut, k]` logits. */
  recorded: boolean;
  predicted: number[];
  logits?: Float64Array;
  /** Flip share per robustness step (training/robustness.ts `PERTURBATIONS` order), and the network, at the last checkpoint. */
  readonly flips: number[][];
  readonly stacks: DenseStack[];
  /** Wall time of fitting and predicting on this fold, ms. */
  ms: number;
}

/** A fold's records, in the order of their first use (the report's row order), and its time. */
export interface FoldOutcome {
  readonly fold: number;
  readonly records: FoldRecord[];
  /** Wall time of the fold, seconds; of a fold run in parts, the sum of the parts' wall times. */
  readonly seconds: number;
}

/**
 * The steps of a fold, in the order a whole fold runs them, with the part each belongs to. The
 * parts share nothing but the data: `trees` fits the gradient-boosted trees (one fit labels the
 * held-out rows and the transfer set) and the students they teach; `mlps` the MLP ensemble and the
 * grid's other MLPs; `baselines` the majority class, logistic regression and k-nearest
 * neighbours. So they can run at the same time on different threads; each step's seeds are its
 * own (the run's seed, the fold and a fixed offset), so a step gives the same numbers in any.
 * On 2 cores a fold's parts take about 65, 37 and 12 s (the report's time column, 2026-12-07).
 */
export const FOLD_STAGES = [
  { step: 'majority class', part: 'baselines' },
  { step: 'logistic regression', part: 'baselines' },
  { step: 'k-nearest neighbours', part: 'baselines' },
  { step: 'gradient-boosted trees', part: 'trees' },
  { step: 'MLP ensemble', part: 'mlps' },
  { step: 'grid MLPs', part: 'mlps' },
  { step: 'students', part: 'trees' },
] as const satisfies readonly { step: string; part: 'trees' | 'mlps' | 'baselines' }[];

/** A step of a fold ({@link FOLD_STAGES}). */
type FoldStep = (typeof FOLD_STAGES)[number]['step'];

/** What one run of {@link runFold} fits: the whole fold, or one of its parts ({@link FOLD_STAGES}). */
export type FoldPart = 'whole' | (typeof FOLD_STAGES)[number]['part'];

/**
 * Whether a setup's folds can run in parts: only when every student is taught by the trees
 * alone, since a teacher with the MLP ensemble (`mlp`, `mlp+gbt`) needs the `mlps` part's
 * networks in the `trees` part.
 */
export function foldPartsIndependent(setup: FoldSetup): boolean {
  return setup.students.every((s) => s.teacher === 'gbt');
}

/**
 * One fold's outcome from the outcomes of its parts (any order): the records in the order a whole
 * fold records them (by stage, then as each part recorded them), the parts' times added up.
 * @throws Error when the outcomes are of different folds, or none is given.
 */
export function mergeFoldParts(parts: readonly FoldOutcome[]): FoldOutcome {
  const [first] = parts;
  if (!first || parts.some((p) => p.fold !== first.fold)) throw new Error(`fold parts to merge must be of one fold, got folds [${parts.map((p) => p.fold).join(', ')}]`);
  const records = parts.flatMap((p) => p.records).sort((a, b) => a.stage - b.stage);
  return { fold: first.fold, records, seconds: parts.reduce((sum, p) => sum + p.seconds, 0) };
}

/**
 * Fits every candidate on fold `fold`'s training part and scores it on the held-out part: the
 * majority class, logistic regression, k-nearest neighbours, the gradient-boosted trees (one fit
 * also labels the transfer set for the students), the MLP ensemble (its first member is also the
 * single MLP of that configuration, scored at both checkpoints), the other MLPs of the grid, and
 * the students; with `part`, only the steps of that part ({@link FOLD_STAGES}; merge a fold's
 * parts with {@link mergeFoldParts}). Assumes the TF.js backend is selected (training/model.ts
 * `selectWasmBackend`).
 * @throws Error for the `trees` part of a setup whose students need the MLP ensemble ({@link foldPartsIndependent}).
 */
export async function runFold(ctx: FoldContext, fold: number, part: FoldPart = 'whole'): Promise<FoldOutcome> {
  if (part === 'trees' && !foldPartsIndependent(ctx.setup)) throw new Error('the trees part of a fold cannot run alone: a student is taught by the MLP ensemble');
  const { setup, artists, countEnabled } = ctx;
  const k = THEME_IDS.length;
  const foldStarted = Date.now();
  const checkpoints = [...new Set([Math.ceil(setup.epochs / 2), setup.epochs])];
  const records = new Map<string, FoldRecord>();
  /** The {@link FOLD_STAGES} index of the step running now: every record it makes carries it. */
  let stage = 0;
  /** Whether this run fits step `step` (its part, or the whole fold). */
  const fits = (step: FoldStep): boolean => part === 'whole' || FOLD_STAGES.find((s) => s.step === step)?.part === part;
  /** Starts step `step`; whether this run fits it. */
  const begin = (step: FoldStep): boolean => {
    stage = FOLD_STAGES.findIndex((s) => s.step === step);
    return fits(step);
  };
  const entry = (name: string, kind: CandidateKind, withLogits: boolean, config?: CandidateConfig, parameters?: number): FoldRecord => {
    let r = records.get(name);
    if (!r) {
      r = { name, stage, kind, withLogits, ...(config ? { config } : {}), ...(parameters !== undefined ? { parameters } : {}), evaluations: [], missing: [], recorded: false, predicted: [], flips: [], stacks: [], ms: 0 };
      records.set(name, r);
    }
    return r;
  };
  const data = foldData(ctx, fold);
  const { validation, validationMissing, normalization, train, trainNoDuration, heldIdx } = data;
  /** Records held-out predictions (of `view`: the held-out rows, or them with every duration missing) and, for candidates with logits, the logits. */
  const record = (r: FoldRecord, predicted: number[], logits?: Float64Array, view = validation) => {
    r.evaluations.push(evaluate(view.y, predicted, THEME_IDS));
    r.recorded = true;
    r.predicted = predicted;
    if (logits && r.withLogits) r.logits = logits;
  };
  /** Records a network's held-out results: predictions, with all durations missing, and its flip shares. */
  const recordStack = (r: FoldRecord, stack: DenseStack, withFlips: boolean, durationMissing: boolean) => {
    const view = durationMissing ? validationMissing : validation;
    const logits = denseLogits(stack, view.x, view.y.length);
    record(r, rowsOf(logits, k).map(argmax), logits, view);
    r.missing.push(evaluate(validationMissing.y, rowsOf(denseLogits(stack, validationMissing.x, validationMissing.y.length), k).map(argmax), THEME_IDS));
    if (withFlips) {
      r.flips.push(flipShares(view.inputs, stackProbabilities(stack, normalization, k), THEME_IDS, countEnabled).map((f) => f.share));
      r.stacks.push(stack);
    }
  };
  const fitRecorded = async (name: (epochs: number) => string, kind: CandidateKind, config: MlpConfig, trainSet: Dataset, seed: number, epochs: readonly number[]) => {
    const t0 = Date.now();
    const last = Math.max(...epochs);
    let finalStack: DenseStack | undefined;
    const model = await fitMlp(trainSet, k, { ...DEFAULT_TRAIN_OPTIONS, ...config, epochs: last, seed }, (epoch, m) => {
      if (!epochs.includes(epoch)) return;
      const stack = readDenseStack(m);
      if (!stack) throw new Error('MLP is not a dense stack');
      if (epoch === last) finalStack = stack;
      recordStack(entry(name(epoch), kind, true, { ...config, epochs: epoch }, parameterCount(config.hidden)), stack, epoch === last && kind !== 'baseline', config.duration === false);
    });
    model.dispose();
    const ms = Date.now() - t0;
    for (const e of epochs) entry(name(e), kind, true).ms += ms;
    if (!finalStack) throw new Error('no final checkpoint');
    return finalStack;
  };
  const { ensemble } = setup;
  const memberName = (m: number) => (m === 0 ? (e: number) => describeConfig({ ...ensemble.member, epochs: e }) : () => `(ensemble member ${m + 1})`);
  const transferStudents = fits('students') && setup.students.some((s) => s.transfer);
  const transferRows = transferStudents ? ctx.transferTracks(new Set(heldIdx.map((i) => artists[i] ?? ''))) : [];
  const transferX = encodeBatch(maskDurations(transferRows, setup.seed + fold + 700), normalization);
  const classWeights = balancedClassWeights(train.y, k, DEFAULT_TRAIN_OPTIONS.maxClassWeight);

  let t0 = Date.now();
  if (begin('majority class')) {
    const maj = entry('majority class', 'baseline', false);
    record(maj, majorityClass(train, k, validation.y.length).predicted);
    maj.ms += Date.now() - t0;
  }
  if (begin('logistic regression')) {
    const logistic = { hidden: [], dropout: 0, classWeighting: 'balanced', softLabels: true } as const satisfies MlpConfig;
    await fitRecorded(() => describeConfig(logistic), 'baseline', logistic, train, setup.seed + fold, [setup.epochs]);
  }
  if (begin('k-nearest neighbours')) {
    t0 = Date.now();
    const knn = entry(`k-nearest neighbours (k = ${KNN_K})`, 'baseline', false);
    record(knn, knnPredict(train, validation));
    knn.ms += Date.now() - t0;
  }
  let transferGbt = new Float64Array(0);
  if (begin('gradient-boosted trees') && setup.gradientBoosting) {
    t0 = Date.now();
    const gbt = entry(GBT_NAME, 'baseline', true);
    // One fit predicts the held-out fold (the baseline) and the transfer set (the students' teacher there).
    const both = new Float32Array(validation.x.length + transferX.length);
    both.set(validation.x, 0);
    both.set(transferX, validation.x.length);
    const all = await gradientBoostingPredict(train, labelless(both, ENCODED_LENGTH), k, classWeights, setup.seed + fold);
    const p = all.subarray(0, validation.y.length * k);
    transferGbt = all.slice(validation.y.length * k);
    record(gbt, rowsOf(p, k).map(argmax), logOf(Float64Array.from(p)));
    gbt.ms += Date.now() - t0;
  }

  // The ensemble: member 1 is also the single MLP of the same configuration (same seed).
  const teacher: DenseStack[] = [];
  if (begin('MLP ensemble')) {
    t0 = Date.now();
    for (let m = 0; m < ensemble.size; m++) {
      teacher.push(await fitRecorded(memberName(m), m === 0 ? 'mlp' : 'baseline', ensemble.member, train, setup.seed + fold + 1000 * m, m === 0 ? checkpoints : [setup.epochs]));
    }
    const ens = entry(ensembleName(ensemble), 'baseline', true, undefined, parameterCount(ensemble.member.hidden) * ensemble.size);
    const pv = ensembleProbabilities(teacher, validation.x, validation.y.length, k);
    record(ens, rowsOf(pv, k).map(argmax), logOf(pv));
    ens.ms += Date.now() - t0;
  }

  for (const config of begin('grid MLPs') ? setup.grid : []) {
    if (JSON.stringify({ ...config, duration: config.duration ?? true }) === JSON.stringify({ ...ensemble.member, duration: ensemble.member.duration ?? true })) continue;
    await fitRecorded((e) => describeConfig({ ...config, epochs: e }), 'mlp', config, config.duration === false ? trainNoDuration : train, setup.seed + fold, checkpoints);
  }
  const distillCache = new Map<string, Dataset>();
  for (const [si, s] of begin('students') ? setup.students.entries() : []) {
    t0 = Date.now();
    const set = await distillationSet(train, normalization, data.trainIdx.map((i) => artists[i] ?? ''), teacher, k, s, setup.seed + fold + 500, distillCache, { x: transferX, gbt: transferGbt });
    const r = entry(describeStudent(s, ensemble), 'student', true, { ...s, student: true }, parameterCount(s.hidden));
    const model = await fitMlp(set, k, { ...DEFAULT_TRAIN_OPTIONS, batchSize: STUDENT_BATCH_SIZE, hidden: s.hidden, dropout: 0, classWeighting: 'none', softLabels: true, epochs: s.epochs, seed: setup.seed + fold + 2000 + si });
    const stack = readDenseStack(model);
    model.dispose();
    if (!stack) throw new Error('student is not a dense stack');
    recordStack(r, stack, true, false);
    r.ms += Date.now() - t0;
  }
  return { fold, records: [...records.values()], seconds: (Date.now() - foldStarted) / 1000 };
}
