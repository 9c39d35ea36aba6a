import type { ListTracker } from '../list-tracker';
import { ROW_PLACEHOLDER_SELECTOR, TRACK_ROW_SELECTOR } from '../spotify-dom';

/**
 * "Analyse whole list" without a Spotify account (issue 11): Spotify draws only the rows near
 * the viewport, so the list is scrolled from top to bottom, a screen at a time, letting the
 * page draw each screen and the {@link ListTracker} note its rows; then the scroll position the
 * user had is restored. The badges' results store asks for the tracks as the panel watches them.
 *
 * After each scroll the walk looks at the page every {@link DRAW_POLL_MS} and moves on as soon as
 * the screen is drawn (see {@link screenDrawn}), or after {@link DRAW_WAIT_MS} at most (longer
 * while placeholder rows show). Before 2026-12-07 it always waited {@link DRAW_WAIT_MS}: a
 * 1,000-track list took about 17 s to read on the fake page, where a screen is drawn in the next
 * animation frame, and 13.9 s with this wait (`npm run bench:analysis`; README, "The occasion
 * panel", also for the panel's fewer redraws that took it to about 10-13 s).
 */

/** Share of the visible height scrolled per step (overlap, so no row is skipped between screens). */
export const SCROLL_STEP_SHARE = 0.75;
/**
 * Longest wait after a scroll for the page to draw the screen, in ms (the whole wait for the
 * first screen, which the walk jumps to), and longest extra wait while it shows placeholder rows.
 */
export const DRAW_WAIT_MS = 120;
export const PLACEHOLDER_WAIT_MS = 2_000;
/** Wait between two looks at whether the page has drawn the screen, in ms (a frame at 60 Hz). */
export const DRAW_POLL_MS = 16;
/**
 * How far above the view's bottom edge the lowest drawn row may end and the screen still count as
 * drawn, in px: rounding and borders, far less than a row (Spotify's are 56 px).
 */
export const BOTTOM_SLACK_PX = 8;
/** Most screens scrolled (about 10,000 Spotify rows of 56 px in a 720 px view): a bound, not an expected length. */
export const MAX_STEPS = 2_000;

/** Whether two client rectangles overlap. */
function overlaps(a: DOMRect, b: DOMRect): boolean {
  return a.bottom > b.top && a.top < b.bottom && a.height > 0;
}

/**
 * Whether the page has drawn the screen a downward scroll step revealed: no placeholder row in
 * `scroller`'s view, and the track rows drawn in it (their `[role="row"]` wrappers) reach the
 * view's bottom edge (within {@link BOTTOM_SLACK_PX}) or include the list's last row (its
 * `aria-rowindex` equals the grid's `aria-rowcount`) ending inside the view.
 *
 * The top of the view needs no look: Spotify draws a contiguous run of rows around the scroll
 * position (shared/notes/platform.md), and a step of {@link SCROLL_STEP_SHARE} of the view
 * starts inside the screen before it, so the run drawn for the new position, or still the one
 * drawn for the last, covers the new view's top. That is not so for a jump (the first screen),
 * which is why the walk waits the whole {@link DRAW_WAIT_MS} there. False when there is no
 * layout (a view of no height), so the walk falls back to that wait.
 */
export function screenDrawn(scroller: HTMLElement): boolean {
  const view = scroller.getBoundingClientRect();
  if (view.height <= 0) return false;
  for (const placeholder of scroller.querySelectorAll(ROW_PLACEHOLDER_SELECTOR)) if (overlaps(placeholder.getBoundingClientRect(), view)) return false;
  let lowest = -Infinity;
  for (const row of scroller.querySelectorAll(TRACK_ROW_SELECTOR)) {
    const wrapper = row.closest('[role="row"]') ?? row;
    const rect = wrapper.getBoundingClientRect();
    if (rect.height <= 0) continue;
    lowest = Math.max(lowest, rect.bottom);
    const index = wrapper.getAttribute('aria-rowindex');
    const lastRow = index !== null && index === wrapper.closest('[aria-rowcount]')?.getAttribute('aria-rowcount');
    if (lastRow && rect.top >= view.top && rect.bottom <= view.bottom) return true;
  }
  return lowest >= view.bottom - BOTTOM_SLACK_PX;
}

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
  /**
   * Lets the page draw what the last scroll revealed, then reads it: until {@link screenDrawn}
   * (after a step) or for {@link DRAW_WAIT_MS} (after a jump), and in both cases for at most
   * {@link DRAW_WAIT_MS}, plus up to {@link PLACEHOLDER_WAIT_MS} while placeholder rows show.
   * Waits are counted as {@link DRAW_POLL_MS} each (a timer may fire later, never sooner).
   */
  const drawn = async (after: 'jump' | 'step'): Promise<void> => {
    for (let waited = 0; !signal.aborted; ) {
      await wait(DRAW_POLL_MS);
      waited += DRAW_POLL_MS;
      if (after === 'step' && screenDrawn(scroller)) break;
      if (waited >= DRAW_WAIT_MS && (waited >= DRAW_WAIT_MS + PLACEHOLDER_WAIT_MS || !doc.querySelector(ROW_PLACEHOLDER_SELECTOR))) break;
    }
    tracker.update();
    deps.onProgress?.(seen(), tracker.total());
  };
  try {
    tracker.update();
    if (done()) return 'complete';
    scroller.scrollTop = 0;
    await drawn('jump');
    for (let step = 0; step < MAX_STEPS; step++) {
      if (signal.aborted) return 'cancelled';
      if (done()) return 'complete';
      const max = scroller.scrollHeight - scroller.clientHeight;
      const before = scroller.scrollTop;
      if (before >= max - 1) break;
      scroller.scrollTop = Math.min(max, before + Math.max(1, Math.floor(scroller.clientHeight * SCROLL_STEP_SHARE)));
      // The element did not move (no layout yet, or a list that cannot scroll): the end.
      if (scroller.scrollTop <= before) break;
      await drawn('step');
    }
    if (signal.aborted) return 'cancelled';
    return done() ? 'complete' : 'end-of-list';
  } finally {
    scroller.scrollTop = start;
  }
}
