import type { BadgeState } from '@/lib/shared/badge-look';
import { MAX_SAVE_TRACKS, type ListReport } from '@/lib/shared/messaging';
import type { ListTracker } from './list-tracker';
import type { ResultsStore } from './results-store';

/**
 * Keeps the background told what the tab's list holds, for the toolbar popup (issue 12): every
 * track seen so far with its badge state, at most every {@link REPORT_INTERVAL_MS} and only after
 * something changed. A change is a list position drawn or filled ({@link ListTracker.subscribe})
 * or a track's state ({@link ResultsStore.subscribe}); the first one arms a timer, and when it
 * fires the list is read once and sent if what the popup shows differs from the last report (a
 * track, position or total, or a track's status, theme or certainty). A list page where nothing
 * happens costs nothing: no timer runs and the (up to {@link MAX_SAVE_TRACKS}) items are not
 * re-read.
 */

/** Longest wait between a change of the tab's list and its report to the background, in ms. */
export const REPORT_INTERVAL_MS = 2_000;

/** One report: the list's items (position order, at most {@link MAX_SAVE_TRACKS}) and its length when known. */
export interface ListSnapshot {
  readonly items: ListReport['items'];
  /** The list's length in tracks (`ListTracker.total`), or `undefined` while unknown. */
  readonly total: number | undefined;
}

/** What the popup shows of a track's state: its status, and for an answer its theme and certainty. */
function stateKey(state: BadgeState): string {
  return state.status === 'ok' ? `ok:${state.theme}:${state.uncertain}` : state.status;
}

/** What {@link startListReporter} needs. */
export interface ListReporterDeps {
  readonly tracker: Pick<ListTracker, 'tracks' | 'total' | 'subscribe'>;
  readonly store: Pick<ResultsStore, 'state' | 'subscribe'>;
  /**
   * Sends a report. Called with a non-empty snapshot when the list changed since the last one,
   * and once with no items when `signal` aborts after a report was sent (the page went).
   */
  readonly send: (snapshot: ListSnapshot) => void;
}

/**
 * Starts reporting the tracker's list until `signal` aborts. Nothing is sent for a list with no
 * track seen yet. The first change arms the timer, so the first report leaves at most
 * {@link REPORT_INTERVAL_MS} after the first row is read.
 */
export function startListReporter(deps: ListReporterDeps, signal: AbortSignal): void {
  if (signal.aborted) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Signature of the last report sent; '' before the first. */
  let reported = '';

  const reportIfChanged = (): void => {
    timer = undefined;
    const items = deps.tracker
      .tracks()
      .slice(0, MAX_SAVE_TRACKS)
      .map((t) => ({ ...t, artists: [...t.artists], state: deps.store.state(t.trackId) }));
    const total = deps.tracker.total();
    const signature = `${total ?? ''}|${items.map((i) => `${i.position}:${i.trackId}:${stateKey(i.state)}`).join(',')}`;
    if (items.length === 0 || signature === reported) return;
    reported = signature;
    deps.send({ items, total });
  };
  const onChange = (): void => {
    if (timer === undefined && !signal.aborted) timer = setTimeout(reportIfChanged, REPORT_INTERVAL_MS);
  };
  deps.tracker.subscribe(onChange, signal);
  deps.store.subscribe(onChange, signal);
  signal.addEventListener(
    'abort',
    () => {
      clearTimeout(timer);
      timer = undefined;
      if (reported !== '') deps.send({ items: [], total: deps.tracker.total() });
    },
    { once: true },
  );
}
