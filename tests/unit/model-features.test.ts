import { describe, expect, it } from 'vitest';
import {
  DURATION_FEATURE_NAMES,
  DURATION_RANGE_MS,
  ENCODED_FEATURE_NAMES,
  ENCODED_LENGTH,
  computeNormalization,
  encodeBatch,
  encodeInput,
  logDurationSeconds,
  normalizeDurationMs,
  type ModelInput,
} from '@/model/features';
import { parseModelMetadata } from '@/model/metadata';
import { makeFeatures, makeMetadataJson } from './support/fixtures';

const LOG_AT = ENCODED_FEATURE_NAMES.indexOf('log_duration');
const MISSING_AT = ENCODED_FEATURE_NAMES.indexOf('duration_missing');
const normalization = parseModelMetadata(makeMetadataJson()).features.normalization;

describe('the encoded layout', () => {
  it('is 10 standardized features, log_duration, duration_missing, then the key one-hot (24 values)', () => {
    expect(ENCODED_LENGTH).toBe(24);
    expect(DURATION_FEATURE_NAMES).toEqual(['log_duration', 'duration_missing']);
    expect([LOG_AT, MISSING_AT]).toEqual([10, 11]);
    expect(ENCODED_FEATURE_NAMES.slice(12)).toEqual(Array.from({ length: 12 }, (_, k) => `key_${k}`));
  });
});

describe('duration encoding', () => {
  it('encodes a known duration as the standardized ln(seconds), rounded to the second, with the flag 0', () => {
    const x = encodeInput({ features: makeFeatures(), durationMs: 215_400 }, normalization);
    expect(x[LOG_AT]).toBeCloseTo((Math.log(215) - normalization.logDuration.mean) / normalization.logDuration.std, 6);
    expect(x[MISSING_AT]).toBe(0);
    // What the page shows (m:ss) and what training reads (ms) give the same input.
    const page = encodeInput({ features: makeFeatures(), durationMs: 215_000 }, normalization);
    expect(Array.from(page)).toEqual(Array.from(x));
  });

  it.each<[string, number | null]>([
    ['null', null],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('encodes a missing duration (%s) as 0 with the flag 1, the rest unchanged', (_, durationMs) => {
    const features = makeFeatures({ key: 4 });
    const missing = encodeInput({ features, durationMs }, normalization);
    expect(missing[LOG_AT]).toBe(0);
    expect(missing[MISSING_AT]).toBe(1);
    const known = encodeInput({ features, durationMs: 200_000 }, normalization);
    const others = (v: Float32Array) => Array.from(v).filter((_, i) => i !== LOG_AT && i !== MISSING_AT);
    expect(others(missing)).toEqual(others(known));
    expect(missing[12 + 4]).toBe(1);
  });

  it('clamps durations outside 1 s – 2 h to the range before the logarithm', () => {
    const enc = (ms: number) => encodeInput({ features: makeFeatures(), durationMs: ms }, normalization)[LOG_AT];
    expect(enc(0)).toBe(enc(DURATION_RANGE_MS.min));
    expect(enc(-5_000)).toBe(enc(1_000));
    expect(enc(10 * 3_600_000)).toBe(enc(DURATION_RANGE_MS.max));
    expect(normalizeDurationMs(400)).toBe(1_000);
    expect(logDurationSeconds(DURATION_RANGE_MS.max)).toBeCloseTo(Math.log(7200), 12);
    expect(logDurationSeconds(null)).toBeNull();
  });

  it('normalizes ms to the second and treats non-numbers as unknown', () => {
    expect(normalizeDurationMs(201_499)).toBe(201_000);
    expect(normalizeDurationMs(201_500)).toBe(202_000);
    expect(normalizeDurationMs(undefined)).toBeNull();
    expect(normalizeDurationMs(Number.NaN)).toBeNull();
  });
});

describe('computeNormalization', () => {
  const rows: ModelInput[] = [
    { features: makeFeatures({ energy: 0.2 }), durationMs: 60_000 },
    { features: makeFeatures({ energy: 0.4 }), durationMs: 240_000 },
    { features: makeFeatures({ energy: 0.6 }), durationMs: null },
  ];

  it('takes the ln(seconds) mean and std over the rows with a duration only', () => {
    const n = computeNormalization(rows);
    const mean = (Math.log(60) + Math.log(240)) / 2;
    expect(n.logDuration.mean).toBeCloseTo(mean, 12);
    expect(n.logDuration.std).toBeCloseTo(Math.abs(Math.log(60) - mean), 12);
    // The audio features use every row.
    expect(n.mean[2]).toBeCloseTo(0.4, 12);
  });

  it('falls back to mean 0, std 1 when no row has a duration or all are equal', () => {
    expect(computeNormalization([{ features: makeFeatures(), durationMs: null }]).logDuration).toEqual({ mean: 0, std: 1 });
    expect(computeNormalization([{ features: makeFeatures(), durationMs: 90_000 }]).logDuration).toEqual({ mean: Math.log(90), std: 1 });
    expect(() => computeNormalization([])).toThrow(/at least one row/);
  });

  it('encodes a batch as the rows encoded one by one', () => {
    const n = computeNormalization(rows);
    const batch = encodeBatch(rows, n);
    expect(batch).toHaveLength(rows.length * ENCODED_LENGTH);
    rows.forEach((r, i) => expect(Array.from(batch.subarray(i * ENCODED_LENGTH, (i + 1) * ENCODED_LENGTH))).toEqual(Array.from(encodeInput(r, n))));
  });
});
