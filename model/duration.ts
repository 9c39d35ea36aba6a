/**
 * The duration rule of issue 10, shared by training, the background and the content script. A
 * module of its own, without zod: `model/features.ts` builds zod schemas at module level, and
 * importing even one constant from it put all of zod into the content script (68 kB -> 117 kB,
 * measured). `model/features.ts` re-exports both names.
 */

/**
 * Shortest and longest track duration the model reads, in ms: 1 s and 2 h. A duration outside
 * is clamped into it (issue 10: the page shows it to the second, and a wrong value only affects
 * that user's badge).
 */
export const DURATION_RANGE_MS = { min: 1_000, max: 7_200_000 } as const;

/**
 * A track's duration as the model reads it: rounded to the second (training data has
 * `duration_ms`, the page shows m:ss), clamped to {@link DURATION_RANGE_MS}, in ms; `null` when
 * unknown or not a finite number (a track from a pasted link, ReccoBeats without a page row).
 */
export function normalizeDurationMs(ms: number | null | undefined): number | null {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return null;
  const rounded = Math.round(ms / 1000) * 1000;
  return Math.min(DURATION_RANGE_MS.max, Math.max(DURATION_RANGE_MS.min, rounded));
}
