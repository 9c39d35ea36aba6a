import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { layers, loadLayersModel, sequential } from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { loadDenseClassifier, ModelJsonSchema, decodeWeights } from '@/model/dense-model';
import { encodeBatch, ENCODED_LENGTH, type ModelInput } from '@/model/features';
import { parseModelMetadata } from '@/model/metadata';
import { benchTracks } from '@/training/bench-tracks';
import { fileModelHandler } from '@/training/model-files';
import { REPO_ROOT, makeMetadataJson } from './support/fixtures';

const MODEL_DIR = join(REPO_ROOT, 'public/model');
const readModelFile = async (path: string): Promise<ArrayBuffer> => {
  const bytes = readFileSync(join(MODEL_DIR, path));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};

/** 300 tracks of the bench set, one in four without a duration. */
const rows: ModelInput[] = benchTracks(300).map((features, i) => ({ features, durationMs: i % 4 === 3 ? null : 90_000 + i * 1_000 }));

/** softmax(log p / T) of TF.js's probabilities: what the classifier's temperature scaling gives. */
function withTemperature(p: Float32Array, k: number, temperature: number): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < p.length / k; r++) {
    const z = Array.from(p.subarray(r * k, (r + 1) * k), (v) => Math.log(Math.max(v, 1e-45)) / temperature);
    const max = Math.max(...z);
    const e = z.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    out.push(e.map((v) => v / sum));
  }
  return out;
}

describe('the classifier without TF.js (issue 13)', () => {
  it('gives what tf.loadLayersModel + predict gives for the shipped uint8 model, within 1e-5', async () => {
    const metadata = parseModelMetadata(JSON.parse(readFileSync(join(MODEL_DIR, 'metadata.json'), 'utf8')));
    const dense = await loadDenseClassifier(readModelFile, metadata);
    await tf.setBackend('cpu');
    const network = await loadLayersModel(fileModelHandler(join(MODEL_DIR, 'model.json')));
    const y = network.predict(tf.tensor2d(encodeBatch(rows, metadata.features.normalization), [rows.length, ENCODED_LENGTH]));
    if (Array.isArray(y)) throw new Error('one output expected');
    const expected = withTemperature(y.dataSync() as Float32Array, metadata.labels.length, metadata.calibration.temperature);
    const got = dense.predict(rows);
    let worst = 0;
    got.forEach((p, r) => p.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - (expected[r]?.[j] ?? NaN))))));
    expect(worst).toBeLessThan(1e-5);
    network.dispose();
  });

  it('reads a float32 model written by TF.js itself (dropout included), equal to its predict', async () => {
    await tf.setBackend('cpu');
    const model = sequential();
    model.add(layers.dense({ units: 16, inputShape: [ENCODED_LENGTH], activation: 'relu', name: 'a' }));
    model.add(layers.dropout({ rate: 0.2 }));
    model.add(layers.dense({ units: 8, activation: 'softmax', name: 'b' }));
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    if (!saved?.weightData || !saved.weightSpecs) throw new Error('nothing saved');
    const weightData = saved.weightData;
    const json = JSON.stringify({ format: 'layers-model', modelTopology: saved.modelTopology, weightsManifest: [{ paths: ['w.bin'], weights: saved.weightSpecs }] });
    const files: Record<string, ArrayBuffer> = { 'model.json': new TextEncoder().encode(json).buffer, 'w.bin': Array.isArray(weightData) ? (weightData[0] ?? new ArrayBuffer(0)) : weightData };
    const metadata = makeMetadataJson();
    const dense = await loadDenseClassifier(async (p) => files[p] ?? Promise.reject(new Error(p)), { ...metadata, calibration: { ...metadata.calibration, temperature: 1 } });
    const parsed = parseModelMetadata(metadata);
    const y = model.predict(tf.tensor2d(encodeBatch(rows.slice(0, 50), parsed.features.normalization), [50, ENCODED_LENGTH]));
    if (Array.isArray(y)) throw new Error('one output expected');
    const expected = y.dataSync();
    dense.predict(rows.slice(0, 50)).forEach((p, r) => p.forEach((v, j) => expect(Math.abs(v - (expected[r * 8 + j] ?? NaN))).toBeLessThan(1e-5)));
  });

  it('refuses what it cannot read, saying what', async () => {
    const model = JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8')) as Record<string, unknown>;
    const metadata = JSON.parse(readFileSync(join(MODEL_DIR, 'metadata.json'), 'utf8')) as Record<string, unknown>;
    const withModel = (m: unknown) => async (p: string) => (p === 'model.json' ? new TextEncoder().encode(JSON.stringify(m)).buffer : readModelFile(p));
    const parsed = ModelJsonSchema.parse(model);
    const conv = structuredClone(parsed);
    const first = conv.modelTopology.config.layers[0];
    if (first) first.class_name = 'Conv1D';
    await expect(loadDenseClassifier(withModel(conv), metadata)).rejects.toThrow(/unsupported layer Conv1D/);
    await expect(loadDenseClassifier(withModel({ ...model, format: 'graph-model' }), metadata)).rejects.toThrow(/not a dense TF.js layers model/);
    await expect(loadDenseClassifier(async (p) => (p === 'model.json' ? readModelFile(p) : new ArrayBuffer(10)), metadata)).rejects.toThrow(/needs \d+ bytes/);
    await expect(loadDenseClassifier(readModelFile, { ...metadata, labels: ['workout', 'party'], experimental: [] })).rejects.toThrow();
    expect(() => decodeWeights(parsed.weightsManifest, new Map())).toThrow(/was not read/);
  });
});
