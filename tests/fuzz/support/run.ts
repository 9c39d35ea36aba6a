import fc from 'fast-check';
import { afterAll, beforeAll, vi } from 'vitest';
import { FUZZ_BUDGET, FUZZ_SEED, seedFor } from './config';
import { crashed, failureReasons, isFailure, Tally, type Outcome } from './tally';

/**
 * Runs one fuzz category: generates `runs` inputs from `arbitrary` with the category's fixed seed,
 * checks each in order, counts every outcome, and for the first failing input asks fast-check for
 * a smaller one that fails too (shrinking, bounded). Nothing here throws for a failing input: the
 * test asserts on the tally afterwards, so one run reports every category's counts.
 */

// Captured before any test fakes the timers: real deadlines and real run times.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const realNow = performance.now.bind(performance);

export type Settled<T> = { readonly status: 'fulfilled'; readonly value: T } | { readonly status: 'rejected'; readonly reason: unknown } | { readonly status: 'pending' };

/** Waits for `promise` for at most `ms` of real time (never fake timers). */
export function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  return new Promise((resolve) => {
    const timer = realSetTimeout(() => resolve({ status: 'pending' }), ms);
    promise.then(
      (value) => {
        realClearTimeout(timer);
        resolve({ status: 'fulfilled', value });
      },
      (reason: unknown) => {
        realClearTimeout(timer);
        resolve({ status: 'rejected', reason });
      },
    );
  });
}

/**
 * Under vitest's fake timers: advances the clock in `stepMs` steps (running timers and the
 * microtasks between them) until `promise` settles or `ms` of fake time have passed.
 * @returns the settlement and the fake time it took.
 */
export async function settleWithFakeTimers<T>(promise: Promise<T>, ms: number, stepMs = 250): Promise<Settled<T> & { readonly elapsedMs: number }> {
  let state: Settled<T> = { status: 'pending' };
  promise.then(
    (value) => (state = { status: 'fulfilled', value }),
    (reason: unknown) => (state = { status: 'rejected', reason }),
  );
  let elapsed = 0;
  await vi.advanceTimersByTimeAsync(0);
  while (state.status === 'pending' && elapsed < ms) {
    const step = Math.min(stepMs, ms - elapsed);
    await vi.advanceTimersByTimeAsync(step);
    elapsed += step;
  }
  // One more round of microtasks: a promise settled by the last timer resolves its `then` here.
  await vi.advanceTimersByTimeAsync(0);
  return { ...state, elapsedMs: elapsed };
}

/** An error as one line: `Name: message`. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return `non-Error thrown: ${JSON.stringify(error)}`;
  } catch {
    return `non-Error thrown: ${String(error)}`;
  }
}

/** Whether `error` is what "rejected with a clear error" means: an `Error` whose message says something. */
export const isClearError = (error: unknown): error is Error => error instanceof Error && typeof error.message === 'string' && error.message.trim() !== '';

/** A printable form of an input (JSON with strings clipped), for the report. */
export function show(value: unknown): string {
  try {
    return fc.stringify(value);
  } catch {
    return String(value);
  }
}

/** Default bound on the real time spent shrinking one category's first failure. */
export const SHRINK_TIME_MS = 10_000;

export interface CategoryOptions<T> {
  readonly tally: Tally;
  readonly category: string;
  readonly arbitrary: fc.Arbitrary<T>;
  readonly runs: number;
  /** Checks one input; should not throw (a throw counts as a crash of the harness or the code). */
  readonly check: (input: T) => Promise<Outcome>;
  /** How an input is printed in a failure report. */
  readonly show?: (input: T) => string;
  /** Most checks spent shrinking the first failure (0: no shrinking). */
  readonly shrinkChecks?: number;
  /** Most real time spent shrinking, in ms (default {@link SHRINK_TIME_MS}). */
  readonly shrinkTimeMs?: number;
}

async function safeCheck<T>(check: (input: T) => Promise<Outcome>, input: T): Promise<Outcome> {
  try {
    return await check(input);
  } catch (error) {
    return crashed(`escaped the check: ${describeError(error)}`);
  }
}

/** Runs a category (see the module comment). */
export async function runCategory<T>(options: CategoryOptions<T>): Promise<void> {
  const { tally, category, arbitrary, runs, check } = options;
  const print = options.show ?? show;
  const seed = seedFor(category);
  const start = realNow();
  tally.current = category;
  let firstFailure: { index: number; input: T; outcome: Outcome } | undefined;
  // Inputs are generated one at a time (fast-check's runner with this seed gives the same sequence
  // as `fc.sample`), so a large budget never holds every input in memory at once: `npm run fuzz`
  // (20×) ran out of heap with 14,000 settings files held together, some of them 5 MB.
  let index = 0;
  await fc.check(
    fc.asyncProperty(arbitrary, async (input) => {
      const outcome = await safeCheck(check, input);
      tally.add(category, outcome);
      if (!firstFailure && isFailure(outcome)) firstFailure = { index, input, outcome };
      index++;
      return true;
    }),
    { seed, numRuns: runs },
  );
  tally.addTime(category, realNow() - start);
  tally.current = undefined;

  if (!firstFailure) return;
  const shrinkChecks = options.shrinkChecks ?? 150;
  let minimal: { input: T; outcome: Outcome } | undefined;
  if (shrinkChecks > 0) {
    // Re-runs the same seed: the inputs before the first failure, then at most `shrinkChecks` more.
    let left = firstFailure.index + 1 + shrinkChecks;
    const until = realNow() + (options.shrinkTimeMs ?? SHRINK_TIME_MS);
    await fc.check(
      fc.asyncProperty(arbitrary, async (input) => {
        if (left-- <= 0 || realNow() > until) return true;
        const outcome = await safeCheck(check, input);
        if (!isFailure(outcome)) return true;
        minimal = { input, outcome };
        return false;
      }),
      { seed, numRuns: runs },
    );
  }
  tally.example({
    category,
    reasons: failureReasons(firstFailure.outcome),
    input: print(firstFailure.input),
    ...(minimal ? { minimal: { reasons: failureReasons(minimal.outcome), input: print(minimal.input) } } : {}),
  });
}

/**
 * Counts unhandled rejections as crashes of the category running when they surface (vitest
 * reports them as errors too, which fails the run). Returns the function that stops counting.
 */
export function countUnhandledRejections(tally: Tally): () => void {
  const listener = (reason: unknown): void => {
    tally.addStrayCrash(tally.current ?? 'outside any category');
    tally.example({ category: tally.current ?? 'outside any category', reasons: [`unhandled rejection: ${describeError(reason)}`], input: '(not known: it surfaced after its input)' });
  };
  process.on('unhandledRejection', listener);
  return () => process.off('unhandledRejection', listener);
}

/**
 * The calling file's {@link Tally} named `name`: counts unhandled rejections while the file runs
 * (see {@link countUnhandledRejections}) and prints its table, with the seed and budget, at the end.
 */
export function useTally(name: string): Tally {
  const tally = new Tally(name);
  let stopCounting: (() => void) | undefined;
  beforeAll(() => {
    stopCounting = countUnhandledRejections(tally);
  });
  afterAll(() => {
    stopCounting?.();
    console.log(tally.table(`seed ${FUZZ_SEED}, budget ${FUZZ_BUDGET}`));
  });
  return tally;
}
