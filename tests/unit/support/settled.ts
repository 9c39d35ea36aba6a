import { vi } from 'vitest';

/** Whether `promise` has settled, after letting pending microtasks (and zero-delay fake timers) run. Needs `vi.useFakeTimers()`. */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await vi.advanceTimersByTimeAsync(0);
  return done;
}
