import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRng, shuffled } from './split';
import type { NamedWeights } from './model-files';

/** Hyperparameters of the MLP and its training run. */
export interface TrainOptions {
  /** Units of each hidden ReLU layer ([] is multinomial logistic regression). */
  readonly hidden: readonly number[];
  /** Dropout rate after each hidden layer (0 = none). */
  readonly dropout: number;
  readonly epochs: number;
  readonly batchSize: number;
  /** Adam learning rate. */
  readonly learningRate: number;
  /** Seeds weight initialisation (Glorot uniform) and the per-epoch shuffles. */
  readonly seed: number;
  /** `balanced`: weights n / (k · n_c) capped at `maxClassWeight`; `none`: every class 1. */
  readonly classWeighting: 'balanced' | 'none';
  /** Upper bound on a class weight, so a theme with a handful of tracks cannot dominate the loss. */
  readonly maxClassWeight: number;
  /** Fit the soft labels (vote shares) rather than the one-hot majority theme. */
  readonly softLabels: boolean;
}

/** Defaults for the options the tuning grid does not vary (training/train.ts `MLP_GRID`). */
export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  hidden: [64, 32],
  dropout: 0,
  epochs: 40,
  batchSize: 128,
  learningRate: 0.002,
  seed: 42,
  classWeighting: 'balanced',
  maxClassWeight: 10,
  softLabels: true,
};

/** Switches TF.js to the wasm backend (about 3x the pure-JS CPU backend for training in Node). */
export async function selectWasmBackend(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
}

/**
 * Builds the classifier network: `inputSize` → hidden ReLU layers (each followed by dropout
 * when `dropout` > 0; the identity at inference) → softmax over `classes`,
 * every kernel Glorot-uniform initialised from `seed` (+ layer index), biases zero.
 * Pure: the same arguments give the same initial weights.
 */
export function createModel(inputSize: number, classes: number, hidden: readonly number[], seed: number, dropout = 0): tf.Sequential {
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
    if (dropout > 0) model.add(tf.layers.dropout({ name: `dropout${i + 1}`, rate: dropout, seed: seed + 100 + i }));
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

/** A row-major matrix of encoded inputs with its integer labels and soft labels. */
export interface Dataset {
  /** `[rows, inputSize]` row-major. */
  readonly x: Float32Array;
  /** Majority class per row. */
  readonly y: readonly number[];
  /** `[rows, classes]` row-major vote shares (rows sum to 1). */
  readonly soft: Float32Array;
  readonly inputSize: number;
}

/** Rows `indices` of `data`, in that order. */
export function subset(data: Dataset, indices: readonly number[]): Dataset {
  const k = data.y.length > 0 ? data.soft.length / data.y.length : 0;
  const x = new Float32Array(indices.length * data.inputSize);
  const soft = new Float32Array(indices.length * k);
  indices.forEach((r, i) => {
    x.set(data.x.subarray(r * data.inputSize, (r + 1) * data.inputSize), i * data.inputSize);
    soft.set(data.soft.subarray(r * k, (r + 1) * k), i * k);
  });
  return { x, y: indices.map((r) => data.y[r] ?? 0), soft, inputSize: data.inputSize };
}

/**
 * Trains the MLP for `options.epochs` epochs with Adam on (class-weighted) cross-entropy
 * against the soft or one-hot labels, shuffling the rows each epoch with a generator seeded
 * from `options.seed` (TF.js's own shuffle uses `Math.random`), so the same data and options
 * give the same weights. With soft labels TF.js weights each row by the class weight of its
 * arg-max class. `onEpoch` is called after every epoch (1-based) with the model, e.g. to
 * score checkpoints on a validation fold.
 */
export async function fitMlp(train: Dataset, classes: number, options: TrainOptions, onEpoch: (epoch: number, model: tf.Sequential) => void = () => {}): Promise<tf.Sequential> {
  const model = createModel(train.inputSize, classes, options.hidden, options.seed, options.dropout);
  model.compile({ optimizer: tf.train.adam(options.learningRate), loss: 'categoricalCrossentropy' });
  const classWeight = options.classWeighting === 'balanced' ? balancedClassWeights(train.y, classes, options.maxClassWeight) : undefined;
  const rng = createRng(options.seed);
  const rowIndices = train.y.map((_, i) => i);
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const shuffledRows = subset(train, shuffled(rowIndices, rng));
    const x = tf.tensor2d(shuffledRows.x, [shuffledRows.y.length, train.inputSize]);
    const y = options.softLabels ? tf.tensor2d(shuffledRows.soft, [shuffledRows.y.length, classes]) : tf.oneHot(tf.tensor1d([...shuffledRows.y], 'int32'), classes);
    await model.fit(x, y, { epochs: 1, batchSize: options.batchSize, shuffle: false, ...(classWeight ? { classWeight } : {}), verbose: 0 });
    tf.dispose([x, y]);
    onEpoch(epoch, model);
  }
  return model;
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
