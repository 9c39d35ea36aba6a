import { createHash } from 'node:crypto';
import { writeFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { AUDIO_FEATURE_NAMES, ENCODED_FEATURE_NAMES, ENCODED_LENGTH, computeNormalization, encodeBatch, type Normalization } from '../model/features';
import { METADATA_FORMAT_VERSION, parseModelMetadata, type Evaluation, type ModelMetadata } from '../model/metadata';
import { MIN_TRACKS_PER_THEME, THEME_IDS } from '../model/themes';
import { loadLabelledTracks, type LabelledTrack } from './data';
import { argmax, evaluate } from './metrics';
import { DEFAULT_TRAIN_OPTIONS, namedWeights, predictProbabilities, trainModel, selectWasmBackend, type Dataset } from './model';
import { fileModelHandler, writeQuantizedModel, WEIGHTS_FILE } from './model-files';
import { groupedSplit } from './split';
import { formatEvaluation, formatTable } from './format';
import { chooseUncertainThreshold, expectedCalibrationError, fitTemperature } from './calibration';
import { denseLogits, readDenseStack, softmaxRows } from '../model/forward';
import { pickTheme } from '../model/classifier';

/** Shares of tracks in the validation and test splits (train gets the remaining 70 %). */
export const SPLIT_FRACTIONS = { validation: 0.15, test: 0.15 } as const;

/** Options of one training run (the CLI flags). */
export interface TrainRunOptions {
  readonly dataDir: string;
  readonly outDir: string;
  readonly seed: number;
  readonly epochs: number;
  readonly log: (line: string) => void;
}

/** What a run produced: the validated metadata written next to the model. */
export interface TrainRunResult {
  readonly metadata: ModelMetadata;
  readonly weightBytes: number;
}

function toDataset(tracks: readonly LabelledTrack[], indices: readonly number[], normalization: Normalization): Dataset {
  const rows = indices.map((i) => tracks[i]).filter((t): t is LabelledTrack => t !== undefined);
  return { x: encodeBatch(rows.map((t) => t.features), normalization), y: rows.map((t) => THEME_IDS.indexOf(t.theme)), inputSize: ENCODED_LENGTH };
}

/**
 * Trains the theme classifier on the data in `dataDir` and writes `model.json`, the uint8
 * weights shard and `metadata.json` to `outDir`. Prints data counts and, on the test split,
 * the float32 model, the uint8 model (loaded back from the written files) and the
 * majority-class baseline. Throws `Error` when the data is missing or a split is empty.
 */
export async function runTraining(options: TrainRunOptions): Promise<TrainRunResult> {
  const { log } = options;
  const started = Date.now();
  await selectWasmBackend();
  const { tracks, stats } = loadLabelledTracks(options.dataDir);
  log(`Loaded ${tracks.length} labelled tracks from ${options.dataDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const [file, n] of Object.entries(stats.invalidRows)) log(`  skipped ${n} rows with missing or out-of-range audio features in ${file}`);
  log(`  ${stats.duplicateIds} duplicate IDs merged (same title+artist or identical features); ${stats.tiedTracks} tracks left out because their themes tied; ${stats.ambiguousPlaylists} playlists matched several themes`);
  log('');
  log('Tracks per theme (votes by source; final label by majority vote):');
  log(
    formatTable(
      ['theme', 'tidytuesday', 'mpd', 'genres', 'labelled', 'status'],
      THEME_IDS.map((t) => [t, stats.votesBySource.tidytuesday[t], stats.votesBySource.mpd[t], stats.votesBySource.genres[t], stats.trackCounts[t], stats.trackCounts[t] < MIN_TRACKS_PER_THEME ? `experimental (< ${MIN_TRACKS_PER_THEME})` : 'on by default']),
    ),
  );

  const splits = groupedSplit(tracks.map((t) => t.artist), SPLIT_FRACTIONS, options.seed);
  if (splits.train.length === 0 || splits.validation.length === 0 || splits.test.length === 0) {
    throw new Error(`Not enough data to split: train ${splits.train.length}, validation ${splits.validation.length}, test ${splits.test.length}`);
  }
  log(`\nSplit by artist: train ${splits.train.length}, validation ${splits.validation.length}, test ${splits.test.length} tracks`);
  const normalization = computeNormalization(splits.train.map((i) => tracks[i]?.features).filter((f) => f !== undefined));
  const train = toDataset(tracks, splits.train, normalization);
  const validation = toDataset(tracks, splits.validation, normalization);
  const test = toDataset(tracks, splits.test, normalization);

  const trainOptions = { ...DEFAULT_TRAIN_OPTIONS, seed: options.seed, epochs: options.epochs };
  log(`\nTraining MLP ${ENCODED_LENGTH}→${trainOptions.hidden.join('→')}→${THEME_IDS.length} (seed ${options.seed}, ${options.epochs} epochs, wasm backend)`);
  const trained = await trainModel(train, validation, THEME_IDS.length, THEME_IDS, trainOptions, log);
  log(`  kept epoch ${trained.bestEpoch} (validation macro-F1 ${trained.bestValidationMacroF1.toFixed(4)})`);

  const floatEval = evaluate(test.y, predictProbabilities(trained.model, test).map(argmax), THEME_IDS);
  const trainCounts = new Array<number>(THEME_IDS.length).fill(0);
  for (const y of train.y) trainCounts[y] = (trainCounts[y] ?? 0) + 1;
  const majority = argmax(trainCounts);
  const baselineEval = evaluate(test.y, test.y.map(() => majority), THEME_IDS);

  const bin = writeQuantizedModel(options.outDir, trained.model.toJSON(null, false) as object, namedWeights(trained.model), `TensorFlow.js tfjs-layers v${tf.version_layers}`);
  const quantized = await tf.loadLayersModel(fileModelHandler(join(options.outDir, 'model.json')));
  const uint8Eval = evaluate(test.y, predictProbabilities(quantized, test).map(argmax), THEME_IDS);
  const stack = readDenseStack(quantized);
  if (!stack) throw new Error('trained model is not a dense stack');
  const k = THEME_IDS.length;
  const rowsOf = (flat: Float64Array) => Array.from({ length: flat.length / k }, (_, i) => Array.from(flat.subarray(i * k, (i + 1) * k)));
  const temperature = fitTemperature({ logits: denseLogits(stack, validation.x, validation.y.length), k, truth: validation.y });
  const testLogits = denseLogits(stack, test.x, test.y.length);
  const onByDefault = THEME_IDS.filter((t) => stats.trackCounts[t] >= MIN_TRACKS_PER_THEME);
  const enabledThemes = onByDefault.length > 0 ? onByDefault : [...THEME_IDS];
  const valCalibrated = rowsOf(softmaxRows(denseLogits(stack, validation.x, validation.y.length), k, temperature));
  const uncertainThreshold = chooseUncertainThreshold(
    valCalibrated.map((p, i) => {
      const choice = pickTheme(p, THEME_IDS, enabledThemes);
      return { probability: choice.probability, correct: THEME_IDS.indexOf(choice.theme) === validation.y[i] };
    }),
  );
  const calibration = {
    temperature,
    uncertainThreshold,
    eceBefore: expectedCalibrationError(rowsOf(softmaxRows(testLogits, k, 1)), test.y),
    eceAfter: expectedCalibrationError(rowsOf(softmaxRows(testLogits, k, temperature)), test.y),
  };
  quantized.dispose();
  trained.model.dispose();

  const modelJson = readFileSync(join(options.outDir, 'model.json'));
  const modelVersion = createHash('sha256').update(modelJson).update(bin).digest('hex').slice(0, 12);
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
    calibration,
    quantization: { dtype: 'uint8', scheme: 'affine-per-tensor', weightBytes: bin.length },
    training: {
      seed: options.seed,
      trackCounts: stats.trackCounts,
      splits: { train: splits.train.length, validation: splits.validation.length, test: splits.test.length },
      sources: stats.sources,
    },
    metrics: { float32: floatEval, uint8: uint8Eval, majorityBaseline: baselineEval },
  } satisfies ModelMetadata);
  writeFileSync(join(options.outDir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);

  const show = (title: string, e: Evaluation) => log(`\n${title}\n${formatEvaluation(e, THEME_IDS)}`);
  show('Test split, float32 model:', floatEval);
  show(`Test split, uint8 model (${bin.length} bytes of weights, ${WEIGHTS_FILE}):`, uint8Eval);
  show(`Test split, majority-class baseline (always "${THEME_IDS[majority]}"):`, baselineEval);
  log(
    `\nSummary: macro-F1 float32 ${floatEval.macroF1.toFixed(4)}, uint8 ${uint8Eval.macroF1.toFixed(4)}, baseline ${baselineEval.macroF1.toFixed(4)}; accuracy float32 ${floatEval.accuracy.toFixed(4)}, uint8 ${uint8Eval.accuracy.toFixed(4)}, baseline ${baselineEval.accuracy.toFixed(4)}`,
  );
  log(`Wrote ${resolve(options.outDir)}/{model.json,${WEIGHTS_FILE},metadata.json} (model ${modelVersion}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { metadata, weightBytes: bin.length };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      out: { type: 'string', default: 'public/model' },
      seed: { type: 'string', default: String(DEFAULT_TRAIN_OPTIONS.seed) },
      epochs: { type: 'string', default: String(DEFAULT_TRAIN_OPTIONS.epochs) },
    },
  });
  if (!values.data) throw new Error('Usage: npm run train -- --data <dir> [--out <dir>] [--seed <int>] [--epochs <int>]');
  const seed = Number(values.seed);
  const epochs = Number(values.epochs);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs must be a positive integer, got "${values.epochs}"`);
  await runTraining({ dataDir: values.data, outDir: values.out, seed, epochs, log: (line) => console.log(line) });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
