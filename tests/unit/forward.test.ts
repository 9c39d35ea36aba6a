import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { layers, sequential, type Sequential } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier } from '@/model/classifier';
import { ENCODED_LENGTH, encodeBatch } from '@/model/features';
import { denseLogits, readDenseStack, softmaxRows } from '@/model/forward';
import { parseModelMetadata } from '@/model/metadata';
import { THEME_IDS } from '@/model/themes';
import { createRng } from '@/training/split';
import { makeFeatures, makeMetadataJson } from './support/fixtures';

/** A 24 → 48 → dropout → 24 → 8 softmax network (or other hidden widths) with seeded random weights (biases non-zero too). */
function randomNetwork(seed: number, hidden: readonly [number, number] = [48, 24]): Sequential {
  const random = createRng(seed);
  const model = sequential();
  model.add(layers.dense({ units: hidden[0], inputShape: [ENCODED_LENGTH], activation: 'relu' }));
  model.add(layers.dropout({ rate: 0.3 }));
  model.add(layers.dense({ units: hidden[1], activation: 'relu' }));
  model.add(layers.dense({ units: THEME_IDS.length, activation: 'softmax' }));
  model.setWeights(model.weights.map((w) => tf.tensor(Array.from({ length: w.shape.reduce<number>((a, b) => a * (b ?? 1), 1) }, () => (random() - 0.5) * 1.5), w.shape.map((d) => d ?? 1))));
  return model;
}

/**
 * `rows` random encoded inputs: z-scores in [-3, 3], a log-duration z-score or (one row in four)
 * a missing duration (0 and the flag 1), and a one-hot key (sometimes none).
 */
function randomInputs(rows: number, seed: number): Float32Array {
  const random = createRng(seed);
  const x = new Float32Array(rows * ENCODED_LENGTH);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < 10; i++) x[r * ENCODED_LENGTH + i] = (random() - 0.5) * 6;
    if (random() < 0.25) x[r * ENCODED_LENGTH + 11] = 1;
    else x[r * ENCODED_LENGTH + 10] = (random() - 0.5) * 6;
    const key = Math.floor(random() * 13) - 1;
    if (key >= 0) x[r * ENCODED_LENGTH + 12 + key] = 1;
  }
  return x;
}

describe('plain-JS forward pass', () => {
  let model: Sequential;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = randomNetwork(5);
  });

  it('reads the dense layers and skips dropout', () => {
    const stack = readDenseStack(model);
    expect(stack?.layers.map((l) => [l.inputs, l.units, l.activation])).toEqual([
      [24, 48, 'relu'],
      [48, 24, 'relu'],
      [24, 8, 'softmax'],
    ]);
  });

  it('equals model.predict to within 1e-5 on every output, for batches of 1, 100 and 1000', () => {
    const stack = readDenseStack(model);
    if (!stack) throw new Error('expected a dense stack');
    for (const rows of [1, 100, 1000]) {
      const x = randomInputs(rows, rows);
      const fast = softmaxRows(denseLogits(stack, x, rows), stack.outputSize);
      const reference = tf.tidy(() => (model.predict(tf.tensor2d(x, [rows, ENCODED_LENGTH])) as tf.Tensor).dataSync());
      expect(fast.length).toBe(reference.length);
      let worst = 0;
      fast.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (reference[i] as number)))));
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it('equals model.predict for odd layer widths and batches that are not a multiple of four (the blocked loop\'s leftovers)', () => {
    const odd = randomNetwork(11, [7, 5]);
    const stack = readDenseStack(odd);
    if (!stack) throw new Error('expected a dense stack');
    for (const rows of [2, 3, 5, 6, 103]) {
      const x = randomInputs(rows, 1000 + rows);
      const fast = softmaxRows(denseLogits(stack, x, rows), stack.outputSize);
      const reference = tf.tidy(() => (odd.predict(tf.tensor2d(x, [rows, ENCODED_LENGTH])) as tf.Tensor).dataSync());
      expect(fast.length).toBe(reference.length);
      fast.forEach((v, i) => expect(Math.abs(v - (reference[i] as number)), `rows ${rows}, output ${i}`).toBeLessThan(1e-5));
    }
    odd.dispose();
  });

  it('returns undefined for a network without a softmax output (the classifier then uses model.predict)', () => {
    const m = sequential();
    m.add(layers.dense({ units: 8, inputShape: [ENCODED_LENGTH], activation: 'sigmoid' }));
    expect(readDenseStack(m)).toBeUndefined();
    const c = sequential();
    c.add(layers.dense({ units: 8, inputShape: [ENCODED_LENGTH], activation: 'relu' }));
    c.add(layers.batchNormalization());
    c.add(layers.dense({ units: 8, activation: 'softmax' }));
    expect(readDenseStack(c)).toBeUndefined();
  });

  it('rejects an input of the wrong length', () => {
    const stack = readDenseStack(model);
    if (!stack) throw new Error('expected a dense stack');
    expect(() => denseLogits(stack, new Float32Array(23), 1)).toThrow(/Expected 24 inputs, got 23/);
  });
});

describe('softmaxRows with a temperature', () => {
  it('is the plain softmax at T = 1 and divides the logits by T otherwise', () => {
    const logits = [2, 0, -1, 1, 1, 1];
    const p1 = softmaxRows(logits, 3);
    const e = [Math.exp(2), 1, Math.exp(-1)];
    const total = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => expect(p1[j]).toBeCloseTo(v / total, 12));
    expect(Array.from(p1.subarray(3))).toEqual([1 / 3, 1 / 3, 1 / 3]);
    const p2 = softmaxRows(logits, 3, 2);
    const e2 = [Math.exp(1), 1, Math.exp(-0.5)];
    const total2 = e2.reduce((a, b) => a + b, 0);
    e2.forEach((v, j) => expect(p2[j]).toBeCloseTo(v / total2, 12));
  });

  it('rejects a non-positive temperature and a ragged length', () => {
    expect(() => softmaxRows([1, 2], 2, 0)).toThrow(/temperature must be > 0/);
    expect(() => softmaxRows([1, 2], 2, -1)).toThrow(/temperature must be > 0/);
    expect(() => softmaxRows([1, 2, 3], 2)).toThrow(/not a multiple of 2/);
  });
});

describe('loadClassifier applies the calibration temperature', () => {
  it('returns softmax(log(model.predict) / T) for every row, summing to 1', async () => {
    const model = randomNetwork(9);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save({ save: async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }) });
    if (!saved) throw new Error('not saved');
    const json = makeMetadataJson();
    json.calibration.temperature = 1.7;
    const classifier = await loadClassifier(tf.io.fromMemory(saved), json);
    const rows = [
      { features: makeFeatures(), durationMs: 215_000 },
      { features: makeFeatures({ energy: 0.1, key: -1, tempo: 70 }), durationMs: null },
      { features: makeFeatures({ valence: 0.95, key: 3, loudness: -20 }), durationMs: 3_601_400 },
    ];
    const got = classifier.predict(rows);
    const x = encodeBatch(rows, parseModelMetadata(json).features.normalization);
    const p = tf.tidy(() => (model.predict(tf.tensor2d(x, [rows.length, ENCODED_LENGTH])) as tf.Tensor).dataSync());
    rows.forEach((_, r) => {
      const logp = Array.from(p.subarray(r * 8, r * 8 + 8), (v) => Math.log(v) / 1.7);
      const max = Math.max(...logp);
      const e = logp.map((v) => Math.exp(v - max));
      const total = e.reduce((a, b) => a + b, 0);
      const row = got[r] as number[];
      e.forEach((v, j) => expect(Math.abs((row[j] as number) - v / total)).toBeLessThan(1e-5));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    });
    classifier.dispose();
  });
});
