import type { ListTracker } from '../list-tracker';

/**
 * "Analyse whole list" without a Spotify account (issue 11): Spotify draws only the rows near
 * the viewport, so the list is scrolled from top to bottom, a screen at a time, letting the
 * page draw each screen and the {@link ListTracker} note its rows; then the scroll position the
 * user had is restored. The badges' results store asks for the tracks as the panel watches them.
 */

/** Share of the visible height scrolled per step (overlap, so no row is skipped between screens). */
export const SCROLL_STEP_SHARE = 0.75;
/** Wait after each scroll for the page to draw, in ms, and longest extra wait while it shows placeholder rows. */
export const DRAW_WAIT_MS = 120;
export const PLACEHOLDER_WAIT_MS = 2_000;
/** Most screens scrolled (about 10,000 Spotify rows of 56 px in a 720 px view): a bound, not an expected length. */
export const MAX_STEPS = 2_000;
/** Spotify's row placeholder (shared/notes/platform.md). */
const PLACEHOLDER_SELECTOR = '[data-testid="tracklist-row-placeholder"]';

/** What {@link analyseWholeList} needs. */
export interface AnalysisDeps {
  /** The element that scrolls the list (the parent of `.main-view-container__scroll-node-child`). */
  readonly scroller: HTMLElement;
  readonly tracker: ListTracker;
  /** Aborting it cancels the walk (the scroll position is restored all the same). */
  readonly signal: AbortSignal;
  /** Called after each screen with the tracks seen so far and the list's length. */
  readonly onProgress?: (seen: number, total: number | undefined) => void;
  /** Waits `ms` (default `setTimeout`; tests pass fake timers' clock). */
  readonly wait?: (ms: number) => Promise<void>;
}

/** How a walk ended: every track seen, the end of the list reached without that, or cancelled. */
export type AnalysisEnd = 'complete' | 'end-of-list' | 'cancelled';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Scrolls `scroller` through the whole list (see the module comment) and back to where it was.
 * Resolves with how it ended; never rejects for the page's sake (a list that stops growing ends
 * the walk at its end).
 */
export async function analyseWholeList(deps: AnalysisDeps): Promise<AnalysisEnd> {
  const { scroller, tracker, signal } = deps;
  const wait = deps.wait ?? sleep;
  const doc = scroller.ownerDocument;
  const start = scroller.scrollTop;
  const seen = (): number => tracker.tracks().length;
  const done = (): boolean => {
    const total = tracker.total();
    return total !== undefined && seen() >= total;
  };
  /** Lets the page draw what the last scroll revealed, then reads it. */
  const drawn = async (): Promise<void> => {
    await wait(DRAW_WAIT_MS);
    for (let waited = 0; waited < PLACEHOLDER_WAIT_MS && doc.querySelector(PLACEHOLDER_SELECTOR) && !signal.aborted; waited += DRAW_WAIT_MS) await wait(DRAW_WAIT_MS);
    tracker.update();
    deps.onProgress?.(seen(), tracker.total());
  };
  try {
    tracker.update();
    if (done()) return 'complete';
    scroller.scrollTop = 0;
    await drawn();
    for (let step = 0; step < MAX_STEPS; step++) {
      if (signal.aborted) return 'cancelled';
      if (done()) return 'complete';
      const max = scroller.scrollHeight - scroller.clientHeight;
      const before = scroller.scrollTop;
      if (before >= max - 1) break;
      scroller.scrollTop = Math.min(max, before + Math.max(1, Math.floor(scroller.clientHeight * SCROLL_STEP_SHARE)));
      // The element did not move (no layout yet, or a list that cannot scroll): the end.
      if (scroller.scrollTop <= before) break;
      await drawn();
    }
    if (signal.aborted) return 'cancelled';
    return done() ? 'complete' : 'end-of-list';
  } finally {
    scroller.scrollTop = start;
  }
}
