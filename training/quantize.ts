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

/**
 * IEEE 754 binary16 bits of a float (round to nearest, ties to even; overflow to ±Infinity,
 * tiny values to subnormals or ±0), the encoding of TF.js's `"quantization": {"dtype":
 * "float16"}` weights. Relative error at most 2^-11 for normal values (|v| ≥ 2^-14).
 */
export function toFloat16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let q = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    if (rest > half || (rest === half && (q & 1) === 1)) q++;
    return sign | q;
  }
  let q = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (q & 1) === 1)) q++;
  return sign | q;
}

/** The value of binary16 `bits` (inverse of {@link toFloat16Bits} on representable values). */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant !== 0 ? Number.NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Encodes float values as binary16, two bytes per value (little-endian, as TF.js reads them). */
export function quantizeFloat16(values: Float32Array): Uint16Array {
  return Uint16Array.from(values, (v) => toFloat16Bits(v));
}
