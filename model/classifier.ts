import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { ENCODED_LENGTH, encodeBatch, type ModelInput } from './features';
import { denseLogits, readDenseStack, softmaxRows } from './forward';
import { parseModelMetadata, type ModelMetadata } from './metadata';

/** A loaded theme classifier: the network plus the metadata it was checked against. */
export interface Classifier {
  readonly metadata: ModelMetadata;
  /**
   * Calibrated theme probabilities for each track: one array per input row,
   * `metadata.labels.length` values in `metadata.labels` order, each in [0, 1] and summing to 1:
   * the softmax of the network's logits divided by `metadata.calibration.temperature`
   * (temperature scaling; the arg-max is the network's own). Each row carries its track's
   * duration in ms (`null` when unknown), encoded as `metadata.features.duration` declares
   * (`encodeInput` in model/features.ts: standardized ln(seconds) plus a missing indicator).
   */
  predict(rows: readonly ModelInput[]): number[][];
  /** Frees the model's tensors. */
  dispose(): void;
}

/**
 * Loads the classifier on TF.js's CPU backend (the MV3 service worker has no WebGL; the CPU
 * backend also runs unchanged in Node, so the extension and the CLIs give the same numbers).
 *
 * @param model `model.json` URL (fetched with the global `fetch`) or any TF.js `IOHandler`
 *   (the Node CLIs pass one that reads files).
 * @param metadataJson the parsed-JSON content of `metadata.json`, validated here.
 * @throws Error when the metadata is invalid, or the network's input is not
 *   `[null, ENCODED_LENGTH]` or its output is not `[null, labels.length]`.
 */
export async function loadClassifier(
  model: string | tf.io.IOHandler,
  metadataJson: unknown,
): Promise<Classifier> {
  const metadata = parseModelMetadata(metadataJson);
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  await tf.ready();
  const network = await loadLayersModel(model);
  checkShapes(network, metadata);
  const k = metadata.labels.length;
  const { temperature } = metadata.calibration;
  // The plain-JS forward pass over the loaded weights (model/forward.ts) when the network is
  // dense layers with a softmax output, as training writes it; model.predict otherwise.
  const stack = readDenseStack(network);
  const logitsOf = (input: Float32Array, n: number): ArrayLike<number> => {
    if (stack) return denseLogits(stack, input, n);
    const y = tf.tidy(() => {
      const out = network.predict(tf.tensor2d(input, [n, ENCODED_LENGTH]));
      if (Array.isArray(out)) throw new Error('Classifier must have exactly one output');
      return out;
    });
    const p = y.dataSync();
    y.dispose();
    // softmax(log p / T) = softmax(z / T) for the network's logits z (log p = z - logsumexp z).
    return Float64Array.from(p, (v) => Math.log(Math.max(v, 1e-45)));
  };
  return {
    metadata,
    predict(rows) {
      if (rows.length === 0) return [];
      const input = encodeBatch(rows, metadata.features.normalization);
      const probabilities = softmaxRows(logitsOf(input, rows.length), k, temperature);
      return rows.map((_, i) => Array.from(probabilities.subarray(i * k, (i + 1) * k)));
    },
    dispose() {
      network.dispose();
    },
  };
}

function checkShapes(network: LayersModel, metadata: ModelMetadata): void {
  const input = network.inputs[0]?.shape;
  const output = network.outputs[0]?.shape;
  if (network.inputs.length !== 1 || input?.length !== 2 || input[1] !== ENCODED_LENGTH) {
    throw new Error(`Model input shape ${JSON.stringify(input)} does not match the ${ENCODED_LENGTH} encoded features`);
  }
  if (network.outputs.length !== 1 || output?.length !== 2 || output[1] !== metadata.labels.length) {
    throw new Error(
      `Model output shape ${JSON.stringify(output)} does not match the ${metadata.labels.length} labels in metadata`,
    );
  }
}

// Choosing a theme from probabilities needs no TF.js: it lives in ./theme-choice (re-exported here).
export { pickTheme, probabilityAmong, rankThemes, type ThemeChoice } from './theme-choice';
