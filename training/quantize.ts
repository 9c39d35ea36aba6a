/**
 * Affine per-tensor uint8 quantization, the scheme TF.js's weight loader decodes natively:
 * a weights-manifest entry with `"quantization": {"dtype": "uint8", "scale": s, "min": m}`
 * is read back as `q * s + m` (tfjs-core `io/io_utils.ts` `decodeWeights`).
 */

/** One tensor's quantized values and the constants that map them back to float. */
export interface QuantizedTensor {
  /** One byte per value, 0..255. */
  readonly values: Uint8Array;
  /** Step between adjacent codes: (max - min) / 255, or 1 when all values are equal. */
  readonly scale: number;
  /** The value code 0 stands for: the tensor's minimum. */
  readonly min: number;
}

/**
 * Quantizes float values to uint8 with `scale = (max - min) / 255` and `q = round((v - min) / scale)`.
 * Dequantizing gives back each value to within `scale / 2` (plus float32 rounding).
 * Throws `Error` for an empty tensor or a non-finite value.
 */
export function quantizeUint8(values: Float32Array): QuantizedTensor {
  if (values.length === 0) throw new Error('Cannot quantize an empty tensor');
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) throw new Error(`Cannot quantize non-finite value ${v}`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = max > min ? (max - min) / 255 : 1;
  const q = new Uint8Array(values.length);
  values.forEach((v, i) => {
    q[i] = Math.min(255, Math.max(0, Math.round((v - min) / scale)));
  });
  return { values: q, scale, min };
}

/** Inverse of {@link quantizeUint8}, computed as TF.js's loader does (`q * scale + min` into float32). */
export function dequantizeUint8(t: QuantizedTensor): Float32Array {
  return Float32Array.from(t.values, (q) => q * t.scale + t.min);
}
