/**
 * The duration rule of issue 10 for the contexts that cannot import `model/features.ts`: the same
 * range and rounding as its `DURATION_RANGE_MS` and `normalizeDurationMs`, which stay the source
 * (the background and training use those). Kept apart because `model/features.ts` builds its zod
 * (full) schemas at module level, which the bundler must assume have side effects: importing even
 * one constant from it put all of zod into the content script (68 kB → 117 kB, measured). A unit
 * test (tests/unit/duration.test.ts) fails when the two disagree.
 */

/** Shortest and longest duration a message may carry, in ms: 1 s and 2 h (= `DURATION_RANGE_MS`). */
export const PAGE_DURATION_RANGE_MS = { min: 1_000, max: 7_200_000 } as const;

/**
 * A duration in ms rounded to the second and clamped to {@link PAGE_DURATION_RANGE_MS}; `null`
 * when `ms` is not a finite number. Same result as `normalizeDurationMs` for every input.
 */
export function clampDurationMs(ms: number): number | null {
  if (!Number.isFinite(ms)) return null;
  const rounded = Math.round(ms / 1000) * 1000;
  return Math.min(PAGE_DURATION_RANGE_MS.max, Math.max(PAGE_DURATION_RANGE_MS.min, rounded));
}
