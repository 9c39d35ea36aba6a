import { describe, expect, it } from 'vitest';
import { redrawFrames, type TraceEvent } from '../bench/trace-frames';

const MAIN = { pid: 1, tid: 7 };
/** A complete event on the page's main thread, times in ms. */
const x = (name: string, startMs: number, durMs: number, thread = MAIN): TraceEvent => ({ name, ph: 'X', ts: startMs * 1000, dur: durMs * 1000, ...thread });
const mark = (name: string, atMs: number): TraceEvent => ({ name, ph: 'R', ts: atMs * 1000, ...MAIN });

describe('redrawFrames (npm run bench:frames)', () => {
  it('finds each step\'s redraw task after its mark and sums its phases, nested events once', () => {
    const events: TraceEvent[] = [
      mark('step-20', 100),
      x('ThreadControllerImpl::RunTask', 101, 1), // a message: no animation frame
      x('ThreadControllerImpl::RunTask', 104, 40), // the redraw
      x('FireAnimationFrame', 104.5, 20),
      x('RunMicrotasks', 110, 10),
      x('Layout', 112, 2), // forced inside a callback
      x('UpdateLayoutTree', 125, 5),
      x('Layout', 130, 6),
      x('Paint', 136, 7),
      x('Paint', 136.5, 6), // nested: not counted again
      x('Commit', 143, 1),
      x('ThreadControllerImpl::RunTask', 150, 3), // the answer, after the frame
      x('ThreadControllerImpl::RunTask', 300, 9), // outside the 150 ms window
      x('ThreadControllerImpl::RunTask', 120, 50, { pid: 1, tid: 99 }), // another thread
      mark('step-40', 400),
      x('ThreadControllerImpl::RunTask', 401, 2), // no redraw after this mark: left out
    ];
    const frames = redrawFrames(events, 'step-', 150);
    expect(frames).toHaveLength(1);
    const [frame] = frames;
    expect(frame?.mark).toBe('step-20');
    expect(frame?.startMs).toBeCloseTo(4, 6);
    expect(frame?.taskMs).toBeCloseTo(40, 6);
    expect(frame?.scriptMs).toBeCloseTo(20, 6);
    expect(frame?.styleMs).toBeCloseTo(5, 6);
    expect(frame?.layoutMs).toBeCloseTo(8, 6);
    expect(frame?.paintMs).toBeCloseTo(8, 6);
    // 1 + 40 + 3 ms of tasks start within 150 ms of the mark.
    expect(frame?.busyMs).toBeCloseTo(44, 6);
  });

  it('gives nothing for a trace without marks', () => {
    expect(redrawFrames([x('ThreadControllerImpl::RunTask', 0, 30), x('FireAnimationFrame', 1, 10)], 'step-', 150)).toEqual([]);
  });
});
