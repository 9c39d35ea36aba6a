import { z } from 'zod';
import type { Classifier } from './classifier';
import { ENCODED_LENGTH, encodeBatch } from './features';
import { denseLogits, softmaxRows, type DenseActivation, type DenseLayer, type DenseStack } from './forward';
import { parseModelMetadata, type ModelMetadata } from './metadata';

/**
 * The classifier without TF.js at run time (issue 13): the extension's background reads the
 * standard TF.js `model.json` (format `layers-model`, written by `model.save` in training) and its
 * weight shards itself, and runs the plain-JavaScript forward pass it already used
 * (model/forward.ts). This keeps tfjs-core, tfjs-layers and the CPU backend out of the background
 * bundle. What is read, and checked, is what TF.js's own loader reads:
 *
 * - the topology: a `Sequential` model of `Dense` layers (`Dropout` and `InputLayer` are the
 *   identity at inference) with `relu`, `linear` or, last, `softmax` activations;
 * - the weights manifest (tfjs-core `io/types.ts`, `WeightsManifestConfig`): groups of shard
 *   `paths` and `weights` specs, laid out one after the other over the concatenated shards;
 * - quantized weights as `q · scale + min` for `uint8` / `uint16` (tfjs-core `io/io_utils.ts`,
 *   `decodeWeights`), float32 as they are. Other dtypes are refused.
 *
 * tests/unit/dense-model.test.ts checks that this gives `tf.loadLayersModel(...).predict` to 1e-5.
 */

const ActivationSchema = z.enum(['relu', 'linear', 'softmax']);
const LayerSchema = z.object({
  class_name: z.string(),
  config: z.looseObject({ name: z.string(), units: z.number().int().positive().optional(), activation: z.string().optional(), use_bias: z.boolean().optional() }),
});
const WeightSpecSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.literal('float32'),
  quantization: z.object({ dtype: z.enum(['uint8', 'uint16']), scale: z.number(), min: z.number() }).optional(),
});
/** The parts of a TF.js `model.json` this loader uses (anything else is ignored). */
export const ModelJsonSchema = z.object({
  format: z.literal('layers-model'),
  modelTopology: z.object({ class_name: z.literal('Sequential'), config: z.object({ layers: z.array(LayerSchema).min(1) }) }),
  weightsManifest: z.array(z.object({ paths: z.array(z.string().min(1)).min(1), weights: z.array(WeightSpecSchema) })).min(1),
});
export type ModelJson = z.infer<typeof ModelJsonSchema>;

/** Layers that are the identity at inference. */
const IDENTITY_AT_INFERENCE = new Set(['Dropout', 'InputLayer']);

/**
 * Decodes every weight of `manifest` from the shards' bytes (in `paths` order, concatenated per
 * group) into float64 arrays by name.
 * @throws Error when the bytes are fewer than the specs need, or a name repeats.
 */
export function decodeWeights(manifest: ModelJson['weightsManifest'], shards: ReadonlyMap<string, ArrayBuffer>): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const group of manifest) {
    const parts = group.paths.map((p) => {
      const bytes = shards.get(p);
      if (!bytes) throw new Error(`model.json names a weight file that was not read: ${p}`);
      return new Uint8Array(bytes);
    });
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    let offset = 0;
    for (const spec of group.weights) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const bytesPer = spec.quantization ? (spec.quantization.dtype === 'uint8' ? 1 : 2) : 4;
      if (offset + size * bytesPer > all.length) throw new Error(`weight ${spec.name} needs ${size * bytesPer} bytes at ${offset}, the weight files have ${all.length}`);
      const view = new DataView(all.buffer, offset, size * bytesPer);
      const values = new Float64Array(size);
      const q = spec.quantization;
      for (let i = 0; i < size; i++) {
        // As TF.js: q · scale + min in double precision, stored in a Float32Array (Math.fround).
        if (!q) values[i] = view.getFloat32(i * 4, true);
        else values[i] = Math.fround((q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(i * 2, true)) * q.scale + q.min);
      }
      if (out.has(spec.name)) throw new Error(`weight ${spec.name} appears twice in model.json`);
      out.set(spec.name, values);
      offset += size * bytesPer;
    }
  }
  return out;
}

/**
 * The {@link DenseStack} of a model: its `Dense` layers in order, with their weights by the names
 * TF.js gives them (`<layer>/kernel`, `<layer>/bias`).
 * @throws Error for another architecture, an unknown activation, or weights of the wrong size.
 */
export function denseStackOf(model: ModelJson, weights: ReadonlyMap<string, Float64Array>): DenseStack {
  const layers: DenseLayer[] = [];
  let inputs = ENCODED_LENGTH;
  for (const layer of model.modelTopology.config.layers) {
    if (IDENTITY_AT_INFERENCE.has(layer.class_name)) continue;
    if (layer.class_name !== 'Dense') throw new Error(`unsupported layer ${layer.class_name} (${layer.config.name}): the model must be dense layers`);
    const units = layer.config.units;
    const activation = ActivationSchema.safeParse(layer.config.activation ?? 'linear');
    if (units === undefined || !activation.success) throw new Error(`layer ${layer.config.name}: units ${String(units)}, activation ${String(layer.config.activation)} not supported`);
    const kernel = weights.get(`${layer.config.name}/kernel`);
    if (!kernel || kernel.length !== inputs * units) throw new Error(`layer ${layer.config.name}: kernel of ${kernel?.length ?? 0} values, expected ${inputs} × ${units}`);
    const bias = layer.config.use_bias === false ? new Float64Array(units) : weights.get(`${layer.config.name}/bias`);
    if (!bias || bias.length !== units) throw new Error(`layer ${layer.config.name}: bias of ${bias?.length ?? 0} values, expected ${units}`);
    layers.push({ kernel, bias, inputs, units, activation: activation.data satisfies DenseActivation });
    inputs = units;
  }
  const last = layers.at(-1);
  if (!last || last.activation !== 'softmax' || layers.slice(0, -1).some((l) => l.activation === 'softmax')) throw new Error('the model must end in one softmax layer');
  return { layers, inputSize: ENCODED_LENGTH, outputSize: last.units };
}

/**
 * Loads the classifier from `model.json` and its shards with `read` (e.g. `fetch` of extension
 * URLs), checking it against `metadataJson` (labels, normalization, calibration): the same
 * {@link Classifier} as `loadClassifier` in model/classifier.ts, without TF.js.
 * @param read reads a file next to `model.json` (`'model.json'`, a shard path) as bytes.
 * @throws Error when a file is missing, the metadata or model.json is invalid, or the shapes disagree.
 */
export async function loadDenseClassifier(read: (path: string) => Promise<ArrayBuffer>, metadataJson: unknown): Promise<Classifier> {
  const metadata: ModelMetadata = parseModelMetadata(metadataJson);
  const parsed = ModelJsonSchema.safeParse(JSON.parse(new TextDecoder().decode(await read('model.json'))));
  if (!parsed.success) throw new Error(`model.json is not a dense TF.js layers model: ${z.prettifyError(parsed.error)}`);
  const model = parsed.data;
  const paths = [...new Set(model.weightsManifest.flatMap((g) => g.paths))];
  const shards = new Map(await Promise.all(paths.map(async (p) => [p, await read(p)] as const)));
  const stack = denseStackOf(model, decodeWeights(model.weightsManifest, shards));
  if (stack.outputSize !== metadata.labels.length) throw new Error(`Model output shape [null,${stack.outputSize}] does not match the ${metadata.labels.length} labels in metadata`);
  const k = metadata.labels.length;
  return {
    metadata,
    predict(rows) {
      if (rows.length === 0) return [];
      const input = encodeBatch(rows, metadata.features.normalization);
      const probabilities = softmaxRows(denseLogits(stack, input, rows.length), k, metadata.calibration.temperature);
      return rows.map((_, i) => Array.from(probabilities.subarray(i * k, (i + 1) * k)));
    },
    dispose() {},
  };
}
