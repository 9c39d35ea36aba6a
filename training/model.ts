import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRng, shuffled } from './split';
import { argmax, evaluate } from './metrics';
import type { NamedWeights } from './model-files';

/** Hyperparameters of the MLP and its training run. */
export interface TrainOptions {
  /** Units of each hidden ReLU layer. */
  readonly hidden: readonly number[];
  readonly epochs: number;
  readonly batchSize: number;
  /** Adam learning rate. */
  readonly learningRate: number;
  /** Seeds weight initialisation (Glorot uniform) and the per-epoch shuffles. */
  readonly seed: number;
  /** Upper bound on a class weight, so a theme with a handful of tracks cannot dominate the loss. */
  readonly maxClassWeight: number;
}

/** Default hyperparameters (chosen on the validation split; see the README's training section). */
export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  hidden: [64, 32],
  epochs: 60,
  batchSize: 64,
  learningRate: 0.001,
  seed: 42,
  maxClassWeight: 10,
};

/** Switches TF.js to the wasm backend (about 3x the pure-JS CPU backend for training in Node). */
export async function selectWasmBackend(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
}

/**
 * Builds the classifier network: `inputSize` → hidden ReLU layers → softmax over `classes`,
 * every kernel Glorot-uniform initialised from `seed` (+ layer index), biases zero.
 * Pure: the same arguments give the same initial weights.
 */
export function createModel(inputSize: number, classes: number, hidden: readonly number[], seed: number): tf.Sequential {
  const model = tf.sequential({ name: 'theme_classifier' });
  hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        name: `hidden${i + 1}`,
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
        ...(i === 0 ? { inputShape: [inputSize] } : {}),
      }),
    );
  });
  model.add(
    tf.layers.dense({
      name: 'output',
      units: classes,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + hidden.length }),
      ...(hidden.length === 0 ? { inputShape: [inputSize] } : {}),
    }),
  );
  return model;
}

/**
 * "Balanced" class weights n / (k · n_c) (scikit-learn's `class_weight="balanced"`), capped at
 * `max`; a class absent from training gets weight 1.
 */
export function balancedClassWeights(labels: readonly number[], classes: number, max: number): Record<number, number> {
  const counts = new Array<number>(classes).fill(0);
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  const weights: Record<number, number> = {};
  counts.forEach((c, i) => {
    weights[i] = c > 0 ? Math.min(max, labels.length / (classes * c)) : 1;
  });
  return weights;
}

/** A row-major matrix of encoded inputs with its integer labels. */
export interface Dataset {
  /** `[rows, inputSize]` row-major. */
  readonly x: Float32Array;
  readonly y: readonly number[];
  readonly inputSize: number;
}

/** Result of {@link trainModel}. */
export interface TrainResult {
  readonly model: tf.Sequential;
  /** Epoch (1-based) whose weights were kept: the best validation macro-F1. */
  readonly bestEpoch: number;
  readonly bestValidationMacroF1: number;
}

/**
 * Trains the MLP with Adam on class-weighted cross-entropy, shuffling the training rows each
 * epoch with a generator seeded from `options.seed` (TF.js's own shuffle uses `Math.random`),
 * and keeps the weights of the epoch with the best validation macro-F1.
 */
export async function trainModel(train: Dataset, validation: Dataset, classes: number, labels: readonly string[], options: TrainOptions, log: (line: string) => void = () => {}): Promise<TrainResult> {
  const model = createModel(train.inputSize, classes, options.hidden, options.seed);
  model.compile({ optimizer: tf.train.adam(options.learningRate), loss: 'categoricalCrossentropy' });
  const classWeight = balancedClassWeights(train.y, classes, options.maxClassWeight);
  const rng = createRng(options.seed);
  const rowIndices = train.y.map((_, i) => i);
  const xVal = tf.tensor2d(validation.x, [validation.y.length, validation.inputSize]);
  let best = { epoch: 0, f1: -1, weights: [] as tf.Tensor[] };
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const order = shuffled(rowIndices, rng);
    const xs = new Float32Array(order.length * train.inputSize);
    order.forEach((r, i) => xs.set(train.x.subarray(r * train.inputSize, (r + 1) * train.inputSize), i * train.inputSize));
    const x = tf.tensor2d(xs, [order.length, train.inputSize]);
    const y = tf.oneHot(tf.tensor1d(order.map((r) => train.y[r] ?? 0), 'int32'), classes);
    await model.fit(x, y, { epochs: 1, batchSize: options.batchSize, shuffle: false, classWeight, verbose: 0 });
    tf.dispose([x, y]);
    const probs = tf.tidy(() => (model.predict(xVal) as tf.Tensor).arraySync() as number[][]);
    const f1 = evaluate(validation.y, probs.map(argmax), labels).macroF1;
    if (f1 > best.f1) {
      tf.dispose(best.weights);
      best = { epoch, f1, weights: model.getWeights().map((w) => w.clone()) };
    }
    if (epoch % 10 === 0 || epoch === options.epochs) log(`  epoch ${epoch}/${options.epochs}: validation macro-F1 ${f1.toFixed(4)}`);
  }
  model.setWeights(best.weights);
  tf.dispose(best.weights);
  xVal.dispose();
  return { model, bestEpoch: best.epoch, bestValidationMacroF1: best.f1 };
}

/** Softmax outputs of `model` for every row of `data`, as `[rows][classes]`. */
export function predictProbabilities(model: tf.LayersModel, data: Dataset): number[][] {
  return tf.tidy(() => {
    const out = model.predict(tf.tensor2d(data.x, [data.y.length, data.inputSize]));
    if (Array.isArray(out)) throw new Error('expected one output');
    return out.arraySync() as number[][];
  });
}

/** The model's weights as named float tensors, in `getWeights()` order (the order TF.js saves them). */
export function namedWeights(model: tf.LayersModel): NamedWeights[] {
  return model.weights.map((w) => ({ name: w.originalName, shape: w.shape.map((d) => d ?? 0), values: w.read().dataSync() as Float32Array }));
}
