import type { LayersModel } from '@tensorflow/tfjs-layers';

/**
 * A plain-JavaScript forward pass over the weights of a loaded TF.js Layers model.
 *
 * Why: at the classifier's batch sizes (1 to 1,000 tracks of 22 inputs) TF.js's per-call
 * overhead (tensor creation, kernel dispatch, `dataSync`) costs far more than the arithmetic
 * (shared/notes/platform.md, TensorFlow.js: about 9 ms per 100-track `predict` in the service
 * worker against under 1 ms for a plain loop). The weights are the ones `loadLayersModel`
 * decoded (uint8 → float32 by TF.js itself), read once at load; the arithmetic is float64
 * accumulation of float32 weights, which agrees with `model.predict` to about 1e-7
 * (tests/unit/forward.test.ts checks 1e-5 on every output).
 */

/** Activations the fast path implements, with TF.js's names (`tf.layers.dense({activation})`). */
export type DenseActivation = 'relu' | 'linear' | 'softmax';

/** One dense layer's weights as read from the model. */
export interface DenseLayer {
  /** Row-major `[inputs, units]` kernel (TF.js layout: `y = x · kernel + bias`), widened to float64. */
  readonly kernel: Float64Array;
  /** `[units]`; zeros when the layer has no bias. */
  readonly bias: Float64Array;
  readonly inputs: number;
  readonly units: number;
  readonly activation: DenseActivation;
}

/** A model reduced to its dense layers: hidden layers, then a softmax output layer. */
export interface DenseStack {
  readonly layers: readonly DenseLayer[];
  readonly inputSize: number;
  readonly outputSize: number;
}

const SKIPPED_AT_INFERENCE = new Set(['Dropout', 'InputLayer']);

/**
 * Reads a Sequential-style model made only of `Dense` layers (plus `Dropout`, which is the
 * identity at inference) whose last layer is a softmax. Returns `undefined` for any other
 * architecture (the caller then falls back to `model.predict`).
 */
export function readDenseStack(model: LayersModel): DenseStack | undefined {
  const layers: DenseLayer[] = [];
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (SKIPPED_AT_INFERENCE.has(className)) continue;
    if (className !== 'Dense') return undefined;
    const activation = layer.getConfig().activation;
    if (activation !== 'relu' && activation !== 'linear' && activation !== 'softmax') return undefined;
    const weights = layer.getWeights();
    const kernelTensor = weights[0];
    if (!kernelTensor || kernelTensor.shape.length !== 2) return undefined;
    const [inputs, units] = kernelTensor.shape as [number, number];
    const kernel = Float64Array.from(kernelTensor.dataSync());
    const biasTensor = weights[1];
    const bias = biasTensor ? Float64Array.from(biasTensor.dataSync()) : new Float64Array(units);
    if (bias.length !== units) return undefined;
    const previous = layers.at(-1);
    if (previous && previous.units !== inputs) return undefined;
    layers.push({ kernel, bias, inputs, units, activation });
  }
  const first = layers[0];
  const last = layers.at(-1);
  if (!first || !last || last.activation !== 'softmax') return undefined;
  if (layers.slice(0, -1).some((l) => l.activation === 'softmax')) return undefined;
  return { layers, inputSize: first.inputs, outputSize: last.units };
}

/**
 * The output layer's logits (pre-softmax values) for `rows` encoded inputs.
 *
 * @param x row-major `[rows, stack.inputSize]`.
 * @returns row-major `[rows, stack.outputSize]` Float64Array.
 * @throws Error when `x.length !== rows * stack.inputSize`.
 */
export function denseLogits(stack: DenseStack, x: ArrayLike<number>, rows: number): Float64Array {
  if (x.length !== rows * stack.inputSize) throw new Error(`Expected ${rows * stack.inputSize} inputs, got ${x.length}`);
  // Every array float64, so the inner loop sees one array type (monomorphic in V8).
  let input: Float64Array = Float64Array.from(x);
  const last = stack.layers.length - 1;
  for (let li = 0; li <= last; li++) {
    const layer = stack.layers[li] as DenseLayer;
    input = denseLayer(input, rows, layer.inputs, transposedKernel(layer), layer.bias, layer.units, layer.activation === 'relu' && li < last);
  }
  return input;
}

const transposed = new WeakMap<DenseLayer, Float64Array>();

/** The layer's kernel as `[units, inputs]` (cached), so each output is a contiguous dot product. */
function transposedKernel(layer: DenseLayer): Float64Array {
  let t = transposed.get(layer);
  if (!t) {
    t = new Float64Array(layer.kernel.length);
    for (let i = 0; i < layer.inputs; i++) for (let j = 0; j < layer.units; j++) t[j * layer.inputs + i] = layer.kernel[i * layer.units + j] as number;
    transposed.set(layer, t);
  }
  return t;
}

/**
 * One dense layer over `rows` rows: `out[r][j] = bias[j] + sum_i in[r][i] · kernelT[j][i]`, then
 * ReLU if asked. Register blocking: four rows by two units at a time, so each loaded input serves
 * two units and each loaded weight four rows (eight independent sums, six loads per eight
 * multiply-adds instead of about three per one); an odd last unit goes alone, and the last
 * `rows mod 4` rows go one at a time over their non-zero inputs ({@link sparseDot}). Measured
 * on the shipped 24-128-64-8 network, 2 cores: this function for 100 tracks in Node 20 0.56–0.82 ms
 * against 1.25–1.31 ms with a dot product per output over the non-zero inputs (1,000 tracks 6.7
 * against 13.2 ms); `predict` in the Chromium background (`npm run bench:model`) 1.1–1.5 ms per
 * 100 tracks against 2.3–2.4 ms.
 */
function denseLayer(input: Float64Array, rows: number, width: number, kernelT: Float64Array, bias: Float64Array, units: number, relu: boolean): Float64Array {
  const out = new Float64Array(rows * units);
  const put = (at: number, v: number): void => {
    out[at] = relu && v < 0 ? 0 : v;
  };
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const x0 = r * width;
    const x1 = x0 + width;
    const x2 = x1 + width;
    const x3 = x2 + width;
    let j = 0;
    for (; j + 1 < units; j += 2) {
      const k0 = j * width;
      const k1 = k0 + width;
      const b0 = bias[j] as number;
      const b1 = bias[j + 1] as number;
      let a0 = b0;
      let a1 = b0;
      let a2 = b0;
      let a3 = b0;
      let c0 = b1;
      let c1 = b1;
      let c2 = b1;
      let c3 = b1;
      for (let i = 0; i < width; i++) {
        const w0 = kernelT[k0 + i] as number;
        const w1 = kernelT[k1 + i] as number;
        const v0 = input[x0 + i] as number;
        const v1 = input[x1 + i] as number;
        const v2 = input[x2 + i] as number;
        const v3 = input[x3 + i] as number;
        a0 += v0 * w0;
        a1 += v1 * w0;
        a2 += v2 * w0;
        a3 += v3 * w0;
        c0 += v0 * w1;
        c1 += v1 * w1;
        c2 += v2 * w1;
        c3 += v3 * w1;
      }
      const o = r * units + j;
      put(o, a0);
      put(o + units, a1);
      put(o + 2 * units, a2);
      put(o + 3 * units, a3);
      put(o + 1, c0);
      put(o + 1 + units, c1);
      put(o + 1 + 2 * units, c2);
      put(o + 1 + 3 * units, c3);
    }
    for (; j < units; j++) for (let q = r; q < r + 4; q++) put(q * units + j, dot(input, q * width, kernelT, j * width, width, bias[j] as number));
  }
  // The last rows (all of a 1-track call): one at a time, over their non-zero inputs only.
  if (r < rows) {
    const nz = new Int32Array(width);
    const vals = new Float64Array(width);
    for (; r < rows; r++) {
      let n = 0;
      for (let i = 0; i < width; i++) {
        const v = input[r * width + i] as number;
        if (v !== 0) {
          nz[n] = i;
          vals[n] = v;
          n++;
        }
      }
      for (let j = 0; j < units; j++) put(r * units + j, sparseDot(vals, nz, n, kernelT, j * width, bias[j] as number));
    }
  }
  return out;
}

/**
 * `start + sum_m vals[m] · w[wAt + nz[m]]` over the first `n` entries: a dot product over the
 * non-zero inputs only (the key one-hot, ReLU zeros), on four independent partial sums.
 */
function sparseDot(vals: Float64Array, nz: Int32Array, n: number, w: Float64Array, wAt: number, start: number): number {
  let a0 = start;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let m = 0;
  for (; m + 3 < n; m += 4) {
    a0 += (vals[m] as number) * (w[wAt + (nz[m] as number)] as number);
    a1 += (vals[m + 1] as number) * (w[wAt + (nz[m + 1] as number)] as number);
    a2 += (vals[m + 2] as number) * (w[wAt + (nz[m + 2] as number)] as number);
    a3 += (vals[m + 3] as number) * (w[wAt + (nz[m + 3] as number)] as number);
  }
  for (; m < n; m++) a0 += (vals[m] as number) * (w[wAt + (nz[m] as number)] as number);
  return a0 + a1 + (a2 + a3);
}

/** `start + sum_i x[xAt + i] · w[wAt + i]` over `width` values. */
function dot(x: Float64Array, xAt: number, w: Float64Array, wAt: number, width: number, start: number): number {
  let acc = start;
  for (let i = 0; i < width; i++) acc += (x[xAt + i] as number) * (w[wAt + i] as number);
  return acc;
}

/**
 * Row-wise softmax of `logits / temperature` (temperature scaling, Guo et al. 2017,
 * "On Calibration of Modern Neural Networks"): temperature 1 is the plain softmax, above 1
 * softens and below 1 sharpens the distribution without changing the arg-max.
 *
 * @param logits row-major `[rows, k]`. @returns row-major `[rows, k]`, each row summing to 1.
 * @throws Error when `temperature` is not a positive finite number or the length is not a multiple of k.
 */
export function softmaxRows(logits: ArrayLike<number>, k: number, temperature = 1): Float64Array {
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new Error(`temperature must be > 0, got ${temperature}`);
  if (k <= 0 || logits.length % k !== 0) throw new Error(`logits length ${logits.length} is not a multiple of ${k}`);
  const out = new Float64Array(logits.length);
  for (let o = 0; o < logits.length; o += k) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, (logits[o + j] as number) / temperature);
    let total = 0;
    for (let j = 0; j < k; j++) {
      const e = Math.exp((logits[o + j] as number) / temperature - max);
      out[o + j] = e;
      total += e;
    }
    for (let j = 0; j < k; j++) out[o + j] = (out[o + j] as number) / total;
  }
  return out;
}
