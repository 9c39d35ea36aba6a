import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { io } from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { quantizeFloat16, quantizeUint8 } from './quantize';

/** File name of the single weights shard written next to `model.json`. */
export const WEIGHTS_FILE = 'group1-shard1of1.bin';

/** A float tensor to be written: its weight name (as in the Layers topology), shape and values. */
export interface NamedWeights {
  readonly name: string;
  readonly shape: number[];
  readonly values: Float32Array;
}

const QuantizedSpecSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().min(0)),
  dtype: z.literal('float32'),
  quantization: z.object({ dtype: z.literal('uint8'), scale: z.number(), min: z.number() }),
});

/**
 * zod schema of the `model.json` this project writes: a TF.js Layers model whose weights are all
 * float32 tensors stored as uint8 with per-tensor `scale` and `min`, in one shard.
 * (Format: tfjs-core `io/types.ts` `ModelJSON`.)
 */
export const ModelJsonSchema = z.object({
  format: z.literal('layers-model'),
  generatedBy: z.string(),
  convertedBy: z.string().nullable(),
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z
    .array(z.object({ paths: z.array(z.string()).length(1), weights: z.array(QuantizedSpecSchema).min(1) }))
    .length(1),
});

/** Parsed `model.json`. */
export type ModelJson = z.infer<typeof ModelJsonSchema>;

/**
 * Writes `model.json` and its one `.bin` shard into `dir` (created if missing), quantizing every
 * tensor to uint8. The shard holds exactly one byte per parameter. Returns the shard's bytes.
 */
export function writeQuantizedModel(dir: string, modelTopology: object, weights: readonly NamedWeights[], generatedBy: string): Uint8Array {
  const specs: z.infer<typeof QuantizedSpecSchema>[] = [];
  const parts: Uint8Array[] = [];
  for (const w of weights) {
    const q = quantizeUint8(w.values);
    specs.push({ name: w.name, shape: w.shape, dtype: 'float32', quantization: { dtype: 'uint8', scale: q.scale, min: q.min } });
    parts.push(q.values);
  }
  const bin = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    bin.set(p, offset);
    offset += p.length;
  }
  const modelJson: ModelJson = {
    format: 'layers-model',
    generatedBy,
    convertedBy: null,
    modelTopology: modelTopology as Record<string, unknown>,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), `${JSON.stringify(modelJson, null, 2)}\n`);
  writeFileSync(join(dir, WEIGHTS_FILE), bin);
  return bin;
}

/**
 * A TF.js `IOHandler` that loads a Layers model from `model.json` and its shards on disk
 * (the Node counterpart of loading by URL in the extension). The manifest's quantization is
 * decoded by TF.js itself. Throws `Error` if the file is not a model this project wrote.
 */
export function fileModelHandler(modelJsonPath: string): io.IOHandler {
  return {
    load: async () => {
      const parsed = ModelJsonSchema.safeParse(JSON.parse(readFileSync(modelJsonPath, 'utf8')));
      if (!parsed.success) throw new Error(`${modelJsonPath} is not a quantized layers model: ${z.prettifyError(parsed.error)}`);
      const manifest = parsed.data.weightsManifest[0];
      if (!manifest) throw new Error(`${modelJsonPath} has no weights manifest`);
      const shard = readFileSync(join(dirname(modelJsonPath), manifest.paths[0] ?? WEIGHTS_FILE));
      return {
        modelTopology: parsed.data.modelTopology,
        weightSpecs: manifest.weights,
        weightData: shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength),
        format: parsed.data.format,
        generatedBy: parsed.data.generatedBy,
      };
    },
  };
}

/**
 * An in-memory TF.js `IOHandler` for the same network stored as float16 (`"quantization":
 * {"dtype": "float16"}`, two bytes per parameter), decoded by TF.js's own loader: how the
 * float16 variant is measured. Nothing is written to disk.
 */
export function float16Handler(modelTopology: object, weights: readonly NamedWeights[], generatedBy: string): io.IOHandler {
  const parts = weights.map((w) => quantizeFloat16(w.values));
  const data = new Uint16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.length;
  }
  return {
    load: async () => ({
      modelTopology,
      weightSpecs: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' as const, quantization: { dtype: 'float16' as const } })),
      weightData: data.buffer,
      format: 'layers-model',
      generatedBy,
    }),
  };
}
