import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPendingRun } from '@/lib/content/pending-run';

describe('createPendingRun', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs after the delay on a timer, once however often it is asked while scheduled', async () => {
    const run = createPendingRun();
    const fn = vi.fn();
    run.later(fn, 100);
    run.later(fn, 10);
    run.later(fn, 0);
    await Promise.resolve();
    await vi.advanceTimersByTimeAsync(99);
    expect(fn).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('runs in a microtask for a delay of 0 or less: before any timer, within the current task', async () => {
    const order: string[] = [];
    setTimeout(() => order.push('timer'), 0);
    const run = createPendingRun();
    run.later(() => order.push('run'), -5);
    expect(order).toEqual([]);
    await Promise.resolve();
    expect(order).toEqual(['run']);
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual(['run', 'timer']);
  });

  it('lets the run schedule the next one', async () => {
    const run = createPendingRun();
    let count = 0;
    const step = (): void => {
      count++;
      if (count < 3) run.later(step, 50);
    };
    run.later(step, 0);
    await vi.advanceTimersByTimeAsync(200);
    expect(count).toBe(3);
  });

  it('cancel drops a scheduled timer or microtask, and a new run can be scheduled after it', async () => {
    const run = createPendingRun();
    const dropped = vi.fn();
    run.later(dropped, 100);
    run.cancel();
    await vi.advanceTimersByTimeAsync(200);
    run.later(dropped, 0);
    run.cancel();
    // A microtask cancelled and replaced in the same task: only the new run runs, once.
    const kept = vi.fn();
    run.later(kept, 0);
    await vi.advanceTimersByTimeAsync(0);
    expect(dropped).not.toHaveBeenCalled();
    expect(kept).toHaveBeenCalledTimes(1);
    run.cancel();
  });
});
