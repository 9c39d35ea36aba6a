import { z } from 'zod';

/**
 * Reading a Chromium trace (Chrome DevTools Protocol `Tracing`, "Trace Event Format": complete
 * events `ph: "X"` with `ts` and `dur` in microseconds) for `npm run bench:frames`: the page's
 * main-thread work after each scroll step of the fake Spotify list.
 */

/** The fields of a trace event this module reads; anything else in an event is ignored. */
export const TraceEventSchema = z.object({
  name: z.string(),
  ph: z.string(),
  ts: z.number(),
  dur: z.number().optional(),
  pid: z.number(),
  tid: z.number(),
});
export type TraceEvent = z.infer<typeof TraceEventSchema>;

/** A main-thread task's top-level events (Chromium's scheduler names them one of these). */
const TASK_NAMES = new Set(['RunTask', 'ThreadControllerImpl::RunTask']);
/** Rendering phases, by trace event name. */
const PAINT_NAMES = new Set(['PrePaint', 'Paint', 'Layerize', 'Commit']);

/** One scroll step's redraw: the task that ran the page's animation frame that drew the new rows. */
export interface RedrawFrame {
  /** The step's mark (`performance.mark` name). */
  readonly mark: string;
  /** From the mark to the start of the redraw task, ms. */
  readonly startMs: number;
  /** The redraw task, ms: script (animation-frame callbacks and their microtasks, e.g. `MutationObserver` callbacks), style, layout, paint. */
  readonly taskMs: number;
  /** `FireAnimationFrame`: the animation-frame callbacks with the microtasks they queue, ms. */
  readonly scriptMs: number;
  /** `UpdateLayoutTree` (style recalculation), ms. */
  readonly styleMs: number;
  readonly layoutMs: number;
  /** `PrePaint`, `Paint`, `Layerize`, `Commit`, ms. */
  readonly paintMs: number;
  /** Every top-level task on the main thread in the `windowMs` after the mark, ms. */
  readonly busyMs: number;
}

/**
 * The redraw frame of each scroll step. `events` is a whole trace; each step starts with a
 * user-timing mark named `<prefix><n>` recorded by the page (its pid and tid name the page's main
 * thread). A step's redraw task is the first top-level task after its mark that contains a
 * `FireAnimationFrame` longer than 1 ms (the fake page redraws its rows in an animation frame);
 * a step without one is left out.
 * @param windowMs how long after the mark the main thread's busy time is summed.
 */
export function redrawFrames(events: readonly TraceEvent[], prefix: string, windowMs: number): RedrawFrame[] {
  const marks = events.filter((e) => e.name.startsWith(prefix)).sort((a, b) => a.ts - b.ts);
  const first = marks[0];
  if (!first) return [];
  const main = events.filter((e) => e.pid === first.pid && e.tid === first.tid && e.ph === 'X').sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const tasks: TraceEvent[] = [];
  let end = -Infinity;
  for (const e of main) {
    if (TASK_NAMES.has(e.name) && e.ts >= end) {
      tasks.push(e);
      end = e.ts + (e.dur ?? 0);
    }
  }
  const within = (task: TraceEvent) => main.filter((e) => e !== task && e.ts >= task.ts && e.ts < task.ts + (task.dur ?? 0));
  /** Total ms of the picked events, each counted once: an event inside another picked one (Paint within Paint) is not added again. */
  const sum = (es: readonly TraceEvent[], pick: (e: TraceEvent) => boolean) => {
    let total = 0;
    let until = -Infinity;
    for (const e of es.filter(pick)) {
      if (e.ts < until) continue;
      total += e.dur ?? 0;
      until = e.ts + (e.dur ?? 0);
    }
    return total / 1000;
  };
  const frames: RedrawFrame[] = [];
  for (const mark of marks) {
    const after = tasks.filter((t) => t.ts >= mark.ts);
    const redraw = after.find((t) => within(t).some((e) => e.name === 'FireAnimationFrame' && (e.dur ?? 0) > 1000));
    if (!redraw) continue;
    const inside = within(redraw);
    frames.push({
      mark: mark.name,
      startMs: (redraw.ts - mark.ts) / 1000,
      taskMs: (redraw.dur ?? 0) / 1000,
      scriptMs: sum(inside, (e) => e.name === 'FireAnimationFrame'),
      styleMs: sum(inside, (e) => e.name === 'UpdateLayoutTree'),
      layoutMs: sum(inside, (e) => e.name === 'Layout'),
      paintMs: sum(inside, (e) => PAINT_NAMES.has(e.name)),
      busyMs: sum(after, (t) => t.ts < mark.ts + windowMs * 1000),
    });
  }
  return frames;
}
