import { describe, expect, it } from 'vitest';
import { PAGE_DURATION_RANGE_MS, clampDurationMs } from '@/lib/shared/duration';
import { DURATION_RANGE_MS, normalizeDurationMs } from '@/model/features';

/**
 * lib/shared/duration.ts repeats the model's duration rule for the content script, which cannot
 * import model/features.ts without all of zod: the two must never disagree.
 */
describe('the page-side duration rule is the model rule', () => {
  it('has the same range as DURATION_RANGE_MS', () => {
    expect(PAGE_DURATION_RANGE_MS).toEqual(DURATION_RANGE_MS);
  });

  it('rounds and clamps exactly as normalizeDurationMs, for edges, garbage and a sweep', () => {
    const values = [
      -1e12, -1, 0, 1, 499, 500, 501, 999, 1_000, 1_499, 1_500, 187_000, 187_499.999, 187_500, 3_599_999, 7_199_499, 7_199_500, 7_200_000, 7_200_001, 1e15,
      Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_VALUE, -0,
    ];
    for (let ms = 0; ms <= 7_300_000; ms += 12_345.5) values.push(ms);
    for (const ms of values) expect(clampDurationMs(ms), String(ms)).toBe(normalizeDurationMs(ms));
  });
});
