import { createHash } from 'node:crypto';
import { writeFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { pickTheme } from '../model/classifier';
import { AUDIO_FEATURE_NAMES, DURATION_ENCODING, DURATION_RANGE_MS, ENCODED_FEATURE_NAMES, ENCODED_LENGTH, computeNormalization, encodeBatch } from '../model/features';
import { denseLogits, readDenseStack, softmaxRows, type DenseStack } from '../model/forward';
import { METADATA_FORMAT_VERSION, parseModelMetadata, type Evaluation, type ModelMetadata } from '../model/metadata';
import { MIN_BADGE_PRECISION, MIN_TRACKS_PER_THEME, THEME_IDS, type ThemeId } from '../model/themes';
import { gradientBoostingPredict, majorityClass } from './baselines';
import { chooseUncertainThreshold, expectedCalibrationError, fitClassBiases, fitTemperature, reliabilityBins, transferableUncertainThreshold, type BadgeOutcome, type ReliabilityBin } from './calibration';
import { loadLabelledTracks, type DataStats, type LabelledTrack, type TrackInfo } from './data';
import { formatEvaluation, formatTable } from './format';
import { argmax, badgeMacroF1, evaluate, macroF1Over, topTwoCoverage, type TopTwoCoverage } from './metrics';
import { DEFAULT_TRAIN_OPTIONS, balancedClassWeights, fitMlp, namedWeights, selectWasmBackend } from './model';
import { fileModelHandler, float16Handler, writeQuantizedModel, WEIGHTS_FILE } from './model-files';
import { MAX_FLIP_SHARE, PERTURBATIONS, flipShares, type FlipShare } from './robustness';
import { DURATION_MASK_SHARE, FOLDS, inputsOf, maskDurations, pairedDifference, rowsOf, selectRows, summarize, toDataset, type Summary } from './cv';
import { GBT_NAME, describeConfig, describeStudent, ensembleName as nameOfEnsemble, foldContext, heldOutData, stackProbabilities, type CandidateConfig, type CandidateKind, type EnsembleConfig, type FoldSetup, type MlpConfig } from './cv-fold';
import { foldRunParts, runFolds } from './cv-pool';
import { STUDENT_BATCH_SIZE, TEACHER_FOLDS, distillationSet, labelless, type StudentConfig, type TransferSet } from './distill';
export { DURATION_MASK_SHARE, FOLDS, TEST_FRACTION, type Summary } from './cv';
export type { CandidateConfig, CandidateKind, EnsembleConfig, MlpConfig } from './cv-fold';
export { STUDENT_BATCH_SIZE, TEACHER_FOLDS, type StudentConfig } from './distill';

/** Plain MLPs trained on the labels: the previous shipped network, with and without duration. */
export const MLP_GRID: readonly MlpConfig[] = [
  { hidden: [64, 32], dropout: 0, classWeighting: 'balanced', softLabels: true, duration: false },
  { hidden: [64, 32], dropout: 0, classWeighting: 'balanced', softLabels: true },
];

/** Five MLPs 64-32 with different seeds, probabilities averaged (the issue's strong baseline). */
export const ENSEMBLE: EnsembleConfig = { size: 5, member: { hidden: [64, 32], dropout: 0, classWeighting: 'balanced', softLabels: true } };

/** Students distilled from the teachers; all fit the 32 KB weights budget. */
export const STUDENTS: readonly StudentConfig[] = [{ teacher: 'gbt', transfer: true, hidden: [128, 64], epochs: 20, jitterCopies: 1, jitter: 5 }];

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
  /**
   * Worker threads that run the cross-validation folds (training/cv-pool.ts); default one per
   * core (`os.availableParallelism()`), at most {@link FOLDS}; 1 runs them in this thread. The
   * numbers do not depend on it.
   */
  readonly workers?: number;
  /** Called with everything the report needs, after the model files are written. */
  readonly onReport?: (report: TrainingReport) => Promise<void>;
}

/** One model's cross-validated results. */
export interface CandidateResult {
  readonly name: string;
  /** baseline: compared against; mlp: one network trained on labels; student: one network distilled from a teacher (trees, MLP ensemble or both). */
  readonly kind: CandidateKind;
  readonly config?: CandidateConfig;
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
  /** Worker threads the cross-validation folds ran on (1: this thread). */
  readonly workers: number;
  /** Whether each fold ran as its parts on the worker threads (training/cv-pool.ts). */
  readonly foldParts: boolean;
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

/** Whether a candidate's out-of-fold badge flips stay within {@link MAX_FLIP_SHARE} for every audio-feature step. */
export function robustEnough(c: Pick<CandidateResult, 'flips'>): boolean {
  return (c.flips ?? []).filter((f) => f.perturbation.feature !== 'durationMs').every((f) => f.share <= MAX_FLIP_SHARE) && c.flips !== undefined;
}

const fmt = (s: Summary) => `${s.mean.toFixed(3)} ± ${s.std.toFixed(3)}`;

/** The stack with `bias` added to its output layer's bias (the class offsets folded into the network). */
function withOutputBias(stack: DenseStack, bias: ArrayLike<number>): DenseStack {
  const last = stack.layers.length - 1;
  return { ...stack, layers: stack.layers.map((l, i) => (i === last ? { ...l, bias: Float64Array.from(l.bias, (b, j) => b + (bias[j] ?? 0)) } : l)) };
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
  /** Worker threads the folds ran on (1: this thread). */
  readonly workers: number;
  /** Whether each fold ran as its parts (training/cv-fold.ts `foldPartsIndependent`, on worker threads only). */
  readonly foldParts: boolean;
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
  const setup: FoldSetup = {
    dataDir: options.dataDir,
    seed: options.seed,
    epochs: options.epochs,
    grid: options.grid ?? MLP_GRID,
    ensemble: options.ensemble ?? ENSEMBLE,
    students: options.students ?? STUDENTS,
    gradientBoosting: options.gradientBoosting ?? true,
  };
  const ctx = foldContext(setup, { tracks, unlabelled: unlabelledTracks, stats });
  // countEnabled: themes with enough tracks; the precision rule (after selection) may turn more of them off.
  const { artists, devIdx, testIdx, foldOf, foldSizes, heldOutByFold, countEnabled, transferTracks } = ctx;
  const { ensemble, students } = setup;
  const durationKnown = { dev: devIdx.filter((i) => tracks[i]?.durationMs !== null).length, test: testIdx.filter((i) => tracks[i]?.durationMs !== null).length };
  log(`\nSplit by artist: ${devIdx.length} tracks in ${FOLDS} cross-validation folds (${foldSizes.join(', ')}), ${testIdx.length} test tracks; durations known for ${durationKnown.dev} and ${durationKnown.test}`);

  // ---- cross-validation ---------------------------------------------------------------
  const cvStarted = Date.now();
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
  const workers = Math.max(1, Math.min(FOLDS, options.workers ?? availableParallelism()));
  const outcomes = await runFolds(ctx, workers, (o) => {
    const heldOut = heldOutByFold[o.fold]?.length ?? 0;
    log(`  fold ${o.fold + 1}/${FOLDS}: ${devIdx.length - heldOut} train / ${heldOut} held out, ${o.seconds.toFixed(1)} s`);
  });
  // The folds' records added up in fold order, so every candidate's per-fold figures (and the
  // report's row order, the order of first use) are the same however the folds ran.
  for (const outcome of outcomes) {
    const heldOut = heldOutByFold[outcome.fold] ?? [];
    for (const r of outcome.records) {
      const a = entry(r.name, r.kind, r.withLogits, r.config, r.parameters);
      a.folds.push(...r.evaluations);
      a.foldsMissing.push(...r.missing);
      a.flips.push(...r.flips);
      a.stacks.push(...r.stacks);
      a.ms += r.ms;
      if (!r.recorded) continue;
      heldOut.forEach((d, row) => {
        a.oofPredicted[d] = r.predicted[row] ?? 0;
        if (r.logits && a.oofLogits) a.oofLogits.set(r.logits.subarray(row * k, (row + 1) * k), d * k);
      });
    }
  }
  // The held-out parts again, for the class-bias variants below (the folds' own copies stayed in their threads).
  const heldOutParts = heldOutByFold.map((_, f) => heldOutData(ctx, f));
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
      const fd = heldOutParts[f];
      if (!fd) throw new Error(`no held-out part for fold ${f}`);
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

  return { started, tracks, stats, artists, devIdx, testIdx, foldSizes: [...foldSizes], durationKnown, transferTracks, ensemble, students, gbtName: GBT_NAME, ensembleName: nameOfEnsemble(ensemble), candidates, selected, selectedConfig: config, selectedOofLogits: selected.oofLogits, bestBaseline, margins, biasesOf, devTruth, foldOf, heldOutByFold, oofEvaluation, enabledThemes, experimental, badgeDecision, cvSeconds, workers, foldParts: foldRunParts(setup, workers).length > 1 };
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
  const { started, tracks, stats, artists, devIdx, testIdx, foldSizes, durationKnown, transferTracks, ensemble, students, gbtName, ensembleName, candidates, selected, selectedConfig: config, selectedOofLogits, bestBaseline, margins, biasesOf, devTruth, oofEvaluation, enabledThemes, experimental, badgeDecision, cvSeconds, workers, foldParts } = await crossValidate(options);

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
      workers,
      foldParts,
    });
  }
  return { metadata, weightBytes: bin.length };
}
