import { createHash } from 'node:crypto';
import { writeFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { pickTheme } from '../model/classifier';
import { AUDIO_FEATURE_NAMES, ENCODED_FEATURE_NAMES, ENCODED_LENGTH, computeNormalization, encodeBatch, type Normalization } from '../model/features';
import { denseLogits, readDenseStack, softmaxRows } from '../model/forward';
import { METADATA_FORMAT_VERSION, parseModelMetadata, type Evaluation, type ModelMetadata } from '../model/metadata';
import { MIN_TRACKS_PER_THEME, THEME_IDS, type ThemeId } from '../model/themes';
import { knnPredict, majorityClass, randomForestPredict, KNN_K, RANDOM_FOREST } from './baselines';
import { chooseUncertainThreshold, expectedCalibrationError, fitTemperature, reliabilityBins, type ReliabilityBin } from './calibration';
import { loadLabelledTracks, type DataStats, type LabelledTrack } from './data';
import { formatEvaluation, formatTable } from './format';
import { argmax, evaluate } from './metrics';
import { DEFAULT_TRAIN_OPTIONS, fitMlp, namedWeights, selectWasmBackend, type Dataset, type TrainOptions } from './model';
import { fileModelHandler, float16Handler, writeQuantizedModel, WEIGHTS_FILE } from './model-files';
import { groupedSplit, stratifiedGroupKFold } from './split';

/** Share of tracks (whole artists) held out as the test split; cross-validation uses the rest. */
export const TEST_FRACTION = 0.15;
/** Number of artist-grouped, theme-stratified cross-validation folds. */
export const FOLDS = 5;

/** One MLP configuration of the tuning grid (epochs are checkpoints of the same run). */
export interface MlpConfig {
  readonly hidden: readonly number[];
  readonly dropout: number;
  readonly classWeighting: TrainOptions['classWeighting'];
  readonly softLabels: boolean;
}

/**
 * The tuning grid: kept small so that 5-fold cross-validation of all of it runs in a few
 * minutes on 2 cores. Every configuration has at most 16,384 parameters, so its uint8 weights
 * fit in 16 KB. The last two differ from the second only in class weights and in hard labels,
 * to measure what those choices are worth.
 */
export const MLP_GRID: readonly MlpConfig[] = [
  { hidden: [32], dropout: 0, classWeighting: 'balanced', softLabels: true },
  { hidden: [64, 32], dropout: 0.2, classWeighting: 'balanced', softLabels: true },
  { hidden: [64, 32], dropout: 0, classWeighting: 'balanced', softLabels: true },
  { hidden: [96, 64], dropout: 0.3, classWeighting: 'balanced', softLabels: true },
  { hidden: [64, 32], dropout: 0.2, classWeighting: 'none', softLabels: true },
  { hidden: [64, 32], dropout: 0.2, classWeighting: 'balanced', softLabels: false },
];

/** Options of one training run (the CLI flags). */
export interface TrainRunOptions {
  readonly dataDir: string;
  readonly outDir: string;
  readonly seed: number;
  /** Most epochs of an MLP run; the grid scores checkpoints at half and at all of them. */
  readonly epochs: number;
  readonly log: (line: string) => void;
  /** Defaults to {@link MLP_GRID}. */
  readonly grid?: readonly MlpConfig[];
  /** Called with everything the report needs, after the model files are written. */
  readonly onReport?: (report: TrainingReport) => Promise<void>;
}

/** Mean, spread and range of one metric over the folds. */
export interface Summary {
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

/** One model's cross-validated results. */
export interface CandidateResult {
  readonly name: string;
  readonly kind: 'baseline' | 'mlp';
  readonly config?: MlpConfig & { epochs: number };
  readonly folds: Evaluation[];
  readonly macroF1: Summary;
  /** Macro-F1 over the themes on by default only. */
  readonly enabledMacroF1: Summary;
  readonly accuracy: Summary;
  /** Wall time of fitting and predicting all folds, seconds (shared by checkpoints of one run). */
  readonly seconds: number;
  /** Out-of-fold logits `[devRows, k]` in dev-row order (MLPs and logistic regression). */
  readonly oofLogits?: Float64Array;
  /** Out-of-fold predicted class per dev row. */
  readonly oofPredicted: number[];
}

/** What the report is written from: every number of the run. */
export interface TrainingReport {
  readonly stats: DataStats;
  readonly metadata: ModelMetadata;
  readonly seed: number;
  readonly devRows: number;
  readonly testRows: number;
  readonly foldSizes: number[];
  readonly candidates: CandidateResult[];
  readonly selected: CandidateResult;
  readonly bestBaseline: CandidateResult;
  readonly oofEvaluation: Evaluation;
  readonly calibration: {
    readonly temperature: number;
    readonly uncertainThreshold: number;
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
  };
  readonly test: { readonly float32: Evaluation; readonly float16: Evaluation; readonly uint8: Evaluation; readonly majority: Evaluation; readonly majorityLabel: ThemeId };
  readonly sizes: { readonly float32: number; readonly float16: number; readonly uint8: number; readonly parameters: number };
  readonly seconds: { readonly crossValidation: number; readonly finalFit: number; readonly total: number };
}

/** What a run produced: the validated metadata written next to the model. */
export interface TrainRunResult {
  readonly metadata: ModelMetadata;
  readonly weightBytes: number;
}

function toDataset(tracks: readonly LabelledTrack[], indices: readonly number[], normalization: Normalization): Dataset {
  const rows = indices.map((i) => tracks[i]).filter((t): t is LabelledTrack => t !== undefined);
  const soft = new Float32Array(rows.length * THEME_IDS.length);
  rows.forEach((t, i) => soft.set(t.softLabel, i * THEME_IDS.length));
  return { x: encodeBatch(rows.map((t) => t.features), normalization), y: rows.map((t) => THEME_IDS.indexOf(t.theme)), soft, inputSize: ENCODED_LENGTH };
}

function summarize(values: readonly number[]): Summary {
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length));
  return { mean, std, min: Math.min(...values), max: Math.max(...values) };
}

/** Macro-F1 over a subset of the labels (the themes on by default). */
function macroF1Over(e: Evaluation, themes: readonly ThemeId[]): number {
  return themes.reduce((s, t) => s + (e.perTheme[t]?.f1 ?? 0), 0) / Math.max(1, themes.length);
}

function rowsOf(flat: Float64Array, k: number): number[][] {
  return Array.from({ length: flat.length / k }, (_, i) => Array.from(flat.subarray(i * k, (i + 1) * k)));
}

function describeConfig(c: MlpConfig & { epochs?: number }): string {
  const shape = c.hidden.length > 0 ? `MLP ${[ENCODED_LENGTH, ...c.hidden, THEME_IDS.length].join('-')}` : 'logistic regression';
  return `${shape}, dropout ${c.dropout}, ${c.classWeighting === 'balanced' ? 'balanced' : 'no'} class weights, ${c.softLabels ? 'soft' : 'hard'} labels${c.epochs ? `, ${c.epochs} epochs` : ''}`;
}

const fmt = (s: Summary) => `${s.mean.toFixed(3)} ± ${s.std.toFixed(3)}`;

/**
 * Trains the theme classifier on the data in `dataDir` and writes `model.json`, the uint8
 * weights shard and `metadata.json` to `outDir`:
 *
 * 1. labelled, deduplicated tracks (training/data.ts); a test split of whole artists
 *    ({@link TEST_FRACTION}) is held out; the rest is split into {@link FOLDS} artist-grouped,
 *    theme-stratified folds;
 * 2. on the same folds: majority class, logistic regression, k-nearest neighbours, a random
 *    forest and every {@link MlpConfig} of the grid at two epoch checkpoints; the MLP with the
 *    best mean cross-validated macro-F1 is selected;
 * 3. temperature and "uncertain" threshold from its out-of-fold predictions;
 * 4. the selected configuration is refitted on all non-test tracks, quantized (uint8 shipped;
 *    float16 measured) and evaluated once on the test split.
 *
 * Everything is seeded: the same data and seed give byte-identical files. Throws `Error` when
 * the data is missing or a split is empty.
 */
export async function runTraining(options: TrainRunOptions): Promise<TrainRunResult> {
  const { log } = options;
  const started = Date.now();
  const k = THEME_IDS.length;
  await selectWasmBackend();
  const { tracks, stats } = loadLabelledTracks(options.dataDir);
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
  const onByDefault = THEME_IDS.filter((t) => stats.trackCounts[t] >= MIN_TRACKS_PER_THEME);
  const enabledThemes = onByDefault.length > 0 ? onByDefault : [...THEME_IDS];

  const artists = tracks.map((t) => t.artist);
  const split = groupedSplit(artists, { validation: 0, test: TEST_FRACTION }, options.seed);
  const devIdx = split.train;
  const testIdx = split.test;
  if (devIdx.length === 0 || testIdx.length === 0) throw new Error(`Not enough data to split: ${devIdx.length} cross-validation, ${testIdx.length} test tracks`);
  const devClasses = devIdx.map((i) => THEME_IDS.indexOf(tracks[i]?.theme ?? 'party'));
  const foldOf = stratifiedGroupKFold(devIdx.map((i) => artists[i] ?? ''), devClasses, FOLDS, options.seed);
  const foldSizes = Array.from({ length: FOLDS }, (_, f) => foldOf.filter((x) => x === f).length);
  if (foldSizes.some((n) => n === 0)) throw new Error(`Not enough artists for ${FOLDS} folds: ${foldSizes.join(', ')}`);
  log(`\nSplit by artist: ${devIdx.length} tracks in ${FOLDS} cross-validation folds (${foldSizes.join(', ')}), ${testIdx.length} test tracks`);

  // ---- cross-validation ---------------------------------------------------------------
  const cvStarted = Date.now();
  const grid = options.grid ?? MLP_GRID;
  const checkpoints = [...new Set([Math.ceil(options.epochs / 2), options.epochs])];
  type Acc = { name: string; kind: 'baseline' | 'mlp'; config?: MlpConfig & { epochs: number }; folds: Evaluation[]; oofLogits?: Float64Array; oofPredicted: number[]; ms: number };
  const acc = new Map<string, Acc>();
  const entry = (name: string, kind: Acc['kind'], withLogits: boolean, config?: Acc['config']): Acc => {
    let a = acc.get(name);
    if (!a) {
      a = { name, kind, folds: [], oofPredicted: new Array<number>(devIdx.length).fill(0), ms: 0, ...(config ? { config } : {}), ...(withLogits ? { oofLogits: new Float64Array(devIdx.length * k) } : {}) };
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
  const mlpRun = async (name: (epochs: number) => string, kind: Acc['kind'], config: MlpConfig, train: Dataset, validation: Dataset, heldOut: number[], fold: number) => {
    const t0 = Date.now();
    const model = await fitMlp(train, k, { ...DEFAULT_TRAIN_OPTIONS, ...config, epochs: options.epochs, seed: options.seed + fold }, (epoch, m) => {
      if (!checkpoints.includes(epoch)) return;
      const stack = readDenseStack(m);
      if (!stack) throw new Error('MLP is not a dense stack');
      const logits = denseLogits(stack, validation.x, validation.y.length);
      record(entry(name(epoch), kind, true, { ...config, epochs: epoch }), heldOut, validation, rowsOf(logits, k).map(argmax), logits);
    });
    model.dispose();
    const ms = Date.now() - t0;
    for (const e of checkpoints) entry(name(e), kind, true).ms += ms;
  };
  for (let fold = 0; fold < FOLDS; fold++) {
    const trainD = devIdx.map((_, d) => d).filter((d) => foldOf[d] !== fold);
    const heldOut = devIdx.map((_, d) => d).filter((d) => foldOf[d] === fold);
    const normalization = computeNormalization(trainD.map((d) => tracks[devIdx[d] ?? 0]?.features).filter((f) => f !== undefined));
    const train = toDataset(tracks, trainD.map((d) => devIdx[d] ?? 0), normalization);
    const validation = toDataset(tracks, heldOut.map((d) => devIdx[d] ?? 0), normalization);
    const foldStarted = Date.now();
    let t0 = Date.now();
    const majority = majorityClass(train, k, validation.y.length);
    const maj = entry('majority class', 'baseline', false);
    record(maj, heldOut, validation, majority.predicted);
    maj.ms += Date.now() - t0;
    await mlpRun((e) => `logistic regression (${e} epochs)`, 'baseline', { hidden: [], dropout: 0, classWeighting: 'balanced', softLabels: true }, train, validation, heldOut, fold);
    t0 = Date.now();
    const knn = entry(`k-nearest neighbours (k = ${KNN_K})`, 'baseline', false);
    record(knn, heldOut, validation, knnPredict(train, validation));
    knn.ms += Date.now() - t0;
    t0 = Date.now();
    const rf = entry(`random forest (${RANDOM_FOREST.trees} trees, depth ${RANDOM_FOREST.maxDepth})`, 'baseline', false);
    record(rf, heldOut, validation, randomForestPredict(train, validation, k, options.seed + fold));
    rf.ms += Date.now() - t0;
    for (const config of grid) await mlpRun((e) => describeConfig({ ...config, epochs: e }), 'mlp', config, train, validation, heldOut, fold);
    log(`  fold ${fold + 1}/${FOLDS}: ${train.y.length} train / ${validation.y.length} held out, ${((Date.now() - foldStarted) / 1000).toFixed(1)} s`);
  }
  const candidates: CandidateResult[] = [...acc.values()].map((a) => ({
    name: a.name,
    kind: a.kind,
    ...(a.config ? { config: a.config } : {}),
    folds: a.folds,
    macroF1: summarize(a.folds.map((e) => e.macroF1)),
    enabledMacroF1: summarize(a.folds.map((e) => macroF1Over(e, enabledThemes))),
    accuracy: summarize(a.folds.map((e) => e.accuracy)),
    seconds: a.ms / 1000,
    ...(a.oofLogits ? { oofLogits: a.oofLogits } : {}),
    oofPredicted: a.oofPredicted,
  }));
  const cvSeconds = (Date.now() - cvStarted) / 1000;
  const best = (kind: CandidateResult['kind']) => candidates.filter((c) => c.kind === kind).reduce((a, b) => (b.macroF1.mean > a.macroF1.mean ? b : a));
  const selected = best('mlp');
  const bestBaseline = best('baseline');
  log(`\n${FOLDS}-fold cross-validation (mean ± standard deviation over folds), ${cvSeconds.toFixed(1)} s:`);
  log(formatTable(['model', 'macro-F1', 'macro-F1 (on-by-default themes)', 'accuracy'], candidates.map((c) => [c.name, fmt(c.macroF1), fmt(c.enabledMacroF1), fmt(c.accuracy)])));
  log(`Selected: ${selected.name} (macro-F1 ${fmt(selected.macroF1)}); best baseline: ${bestBaseline.name} (${fmt(bestBaseline.macroF1)})`);
  if (selected.macroF1.mean < bestBaseline.macroF1.mean) log(`WARNING: the selected MLP does not beat the best baseline on cross-validated macro-F1`);
  const config = selected.config;
  if (!config || !selected.oofLogits) throw new Error('no MLP candidate');

  // ---- calibration on out-of-fold logits -----------------------------------------------
  const devTruth = devIdx.map((i) => THEME_IDS.indexOf(tracks[i]?.theme ?? 'party'));
  const temperature = fitTemperature({ logits: selected.oofLogits, k, truth: devTruth });
  const oofBefore = rowsOf(softmaxRows(selected.oofLogits, k, 1), k);
  const oofAfter = rowsOf(softmaxRows(selected.oofLogits, k, temperature), k);
  const badge = (p: number[], truth: number) => {
    const choice = pickTheme(p, THEME_IDS, enabledThemes);
    return { probability: choice.probability, correct: THEME_IDS.indexOf(choice.theme) === truth };
  };
  const uncertainThreshold = chooseUncertainThreshold(oofAfter.map((p, i) => badge(p, devTruth[i] ?? 0)));
  const oofEvaluation = evaluate(devTruth, selected.oofPredicted, THEME_IDS);
  log(`Temperature ${temperature.toFixed(4)} (fitted on out-of-fold logits); uncertain below ${uncertainThreshold.toFixed(2)}; out-of-fold ECE ${expectedCalibrationError(oofBefore, devTruth).toFixed(4)} → ${expectedCalibrationError(oofAfter, devTruth).toFixed(4)}`);

  // ---- final fit on all non-test tracks ------------------------------------------------
  const finalStarted = Date.now();
  const normalization = computeNormalization(devIdx.map((i) => tracks[i]?.features).filter((f) => f !== undefined));
  const dev = toDataset(tracks, devIdx, normalization);
  const test = toDataset(tracks, testIdx, normalization);
  log(`\nFinal fit: ${describeConfig(config)} on ${dev.y.length} tracks (seed ${options.seed}, wasm backend)`);
  const model = await fitMlp(dev, k, { ...DEFAULT_TRAIN_OPTIONS, ...config, seed: options.seed });
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
  const majority = majorityClass(dev, k, test.y.length);
  const majorityEval = evaluate(test.y, majority.predicted, THEME_IDS);
  const testBadges = testAfter.map((p, i) => badge(p, test.y[i] ?? 0));
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
    experimental: THEME_IDS.filter((t) => stats.trackCounts[t] < MIN_TRACKS_PER_THEME),
    minTracksPerTheme: MIN_TRACKS_PER_THEME,
    features: {
      input: [...AUDIO_FEATURE_NAMES],
      encoded: [...ENCODED_FEATURE_NAMES],
      normalization: { mean: [...normalization.mean], std: [...normalization.std] },
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
      model: { hidden: [...config.hidden], dropout: config.dropout, epochs: config.epochs, classWeighting: config.classWeighting, softLabels: config.softLabels },
      crossValidation: { folds: FOLDS, selected: summaryOf(selected), bestBaseline: summaryOf(bestBaseline) },
    },
    metrics: { float32: floatEval, float16: float16Eval, uint8: uint8Eval, majorityBaseline: majorityEval },
  } satisfies ModelMetadata);
  writeFileSync(join(options.outDir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);

  const show = (title: string, e: Evaluation) => log(`\n${title}\n${formatEvaluation(e, THEME_IDS)}`);
  show('Test split, float32 model:', floatEval);
  show(`Test split, uint8 model (${bin.length} bytes of weights, ${WEIGHTS_FILE}):`, uint8Eval);
  log(
    `\nSummary (test split): macro-F1 float32 ${floatEval.macroF1.toFixed(4)}, float16 ${float16Eval.macroF1.toFixed(4)}, uint8 ${uint8Eval.macroF1.toFixed(4)}, majority ${majorityEval.macroF1.toFixed(4)}; accuracy float32 ${floatEval.accuracy.toFixed(4)}, uint8 ${uint8Eval.accuracy.toFixed(4)}; ECE ${metadata.calibration.eceBefore.toFixed(4)} → ${metadata.calibration.eceAfter.toFixed(4)} (T = ${temperature.toFixed(4)})`,
  );
  const totalSeconds = (Date.now() - started) / 1000;
  log(`Wrote ${resolve(options.outDir)}/{model.json,${WEIGHTS_FILE},metadata.json} (model ${modelVersion}) in ${totalSeconds.toFixed(1)} s`);
  if (options.onReport) {
    await options.onReport({
      stats,
      metadata,
      seed: options.seed,
      devRows: dev.y.length,
      testRows: test.y.length,
      foldSizes,
      candidates,
      selected,
      bestBaseline,
      oofEvaluation,
      calibration: {
        temperature,
        uncertainThreshold,
        oofEceBefore: expectedCalibrationError(oofBefore, devTruth),
        oofEceAfter: expectedCalibrationError(oofAfter, devTruth),
        testEceBefore: metadata.calibration.eceBefore,
        testEceAfter: metadata.calibration.eceAfter,
        testBinsBefore: reliabilityBins(testBefore, test.y),
        testBinsAfter: reliabilityBins(testAfter, test.y),
        testUncertainShare: flagged.length / Math.max(1, testBadges.length),
        testAccuracyUncertain: share(flagged),
        testAccuracyConfident: share(confident),
      },
      test: { float32: floatEval, float16: float16Eval, uint8: uint8Eval, majority: majorityEval, majorityLabel: THEME_IDS[majority.label] ?? 'party' },
      sizes: { float32: parameters * 4, float16: parameters * 2, uint8: bin.length, parameters },
      seconds: { crossValidation: cvSeconds, finalFit: finalSeconds, total: totalSeconds },
    });
  }
  return { metadata, weightBytes: bin.length };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
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
  if (!values.data) throw new Error('Usage: npm run train -- --data <dir> [--out <dir>] [--seed <int>] [--epochs <int>] [--report <dir> | --no-report] [--no-chromium-bench]');
  const seed = Number(values.seed);
  const epochs = Number(values.epochs);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs must be a positive integer, got "${values.epochs}"`);
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
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    process.exit(1);
  });
}
