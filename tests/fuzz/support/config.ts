/**
 * The fuzz suite's knobs, from the environment so `npm test` and longer runs share one code path:
 *
 * - `FUZZ_SEED` (integer, default {@link DEFAULT_SEED}): every generator starts from it, so a run
 *   is repeatable; a failure report names the seed to replay it with.
 * - `FUZZ_BUDGET` (number > 0, default 1): multiplies every category's number of inputs. The
 *   default keeps the whole suite well under two minutes on two slow cores; `npm run fuzz` runs
 *   20 times as many.
 */

/** The seed `npm test` uses. */
export const DEFAULT_SEED = 20_251_205;

function readNumber(name: string, fallback: number, valid: (n: number) => boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!valid(n)) throw new Error(`${name} must be ${name === 'FUZZ_SEED' ? 'an integer' : 'a number > 0'}, got ${JSON.stringify(raw)}`);
  return n;
}

/** The seed of this run (fast-check takes a 32-bit integer). */
export const FUZZ_SEED = readNumber('FUZZ_SEED', DEFAULT_SEED, Number.isSafeInteger) | 0;

/** The budget multiplier of this run. */
export const FUZZ_BUDGET = readNumber('FUZZ_BUDGET', 1, (n) => Number.isFinite(n) && n > 0);

/** Inputs for a category whose default-budget size is `base` (at least 1). */
export const runsFor = (base: number): number => Math.max(1, Math.round(base * FUZZ_BUDGET));

/**
 * The vitest timeout of a fuzz test whose default-budget run takes about `baseMs` on a slow
 * machine: generous (4×), and growing with the budget, so `npm run fuzz` is not cut short.
 */
export const timeoutFor = (baseMs: number): number => Math.max(60_000, Math.round(baseMs * 4 * Math.max(1, FUZZ_BUDGET)));

/** A seed per category, derived from {@link FUZZ_SEED} and the category's name, so categories do not share streams. */
export function seedFor(category: string): number {
  let h = FUZZ_SEED ^ 0x9e3779b9;
  for (let i = 0; i < category.length; i++) h = Math.imul(h ^ category.charCodeAt(i), 0x01000193);
  return h | 0;
}
