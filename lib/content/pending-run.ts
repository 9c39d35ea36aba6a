/**
 * At most one scheduled run of a callback, on a timer or in a microtask: what turns a burst of
 * changes into one piece of work. The results store schedules its request flush with it, and the
 * occasion panel its redraw and the rows' dimming.
 */
export interface PendingRun {
  /**
   * Schedules `fn` to run after `ms` milliseconds on a timer, or in a microtask when `ms` ≤ 0 (so
   * before the current task ends, and before the page paints). Does nothing while a run is
   * scheduled (from this call until the run starts or is cancelled), so `fn` may schedule the
   * next run.
   */
  later(fn: () => void, ms: number): void;
  /** Cancels the scheduled run, if any (its timer is cleared, its microtask does nothing). */
  cancel(): void;
}

/** Creates a {@link PendingRun} with nothing scheduled. */
export function createPendingRun(): PendingRun {
  /** The scheduled run (its timer, none for a microtask), or `undefined`; a run starts only while it is still the scheduled one. */
  let scheduled: { readonly timer: ReturnType<typeof setTimeout> | undefined } | undefined;
  return {
    later(fn, ms) {
      if (scheduled !== undefined) return;
      const start = (): void => {
        if (scheduled !== run) return;
        scheduled = undefined;
        fn();
      };
      const run = { timer: ms > 0 ? setTimeout(start, ms) : undefined };
      scheduled = run;
      if (ms <= 0) queueMicrotask(start);
    },
    cancel() {
      clearTimeout(scheduled?.timer);
      scheduled = undefined;
    },
  };
}
