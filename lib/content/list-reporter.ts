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
   * Sends a report. Called with a non-empty snapshot when the list changed since the last one (or
   * on {@link ListReporter.reportNow}), and once with no items when `signal` aborts after a
   * report was sent (the page went). Resolves once the background has it; rejects when it could
   * not be sent (the next change, or the next `reportNow`, sends the list again).
   */
  readonly send: (snapshot: ListSnapshot) => Promise<void>;
  /** Told why a report could not be sent (default: nobody). */
  readonly onSendError?: (error: unknown) => void;
}

/** What {@link startListReporter} gives back. */
export interface ListReporter {
  /**
   * Sends the list now, changed or not, and resolves `true` once the background has it: the
   * background keeps reports in memory, and Chrome stops an idle service worker after 30 s, so
   * the popup asks for a report again when the background has none (`playlist-predictor:report-list`).
   * Resolves `false` when no track has been seen yet, the page has gone, or sending failed.
   */
  reportNow(): Promise<boolean>;
}

/**
 * Starts reporting the tracker's list until `signal` aborts, and returns the {@link ListReporter}
 * that sends it on demand. Nothing is sent for a list with no track seen yet. The first change
 * arms the timer, so the first report leaves at most {@link REPORT_INTERVAL_MS} after the first
 * row is read.
 */
export function startListReporter(deps: ListReporterDeps, signal: AbortSignal): ListReporter {
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Signature of the last report sent; '' before the first. */
  let reported = '';

  /** Sends the list when it differs from the last report (or always, with `force`); resolves whether it was sent. */
  const report = async (force: boolean): Promise<boolean> => {
    clearTimeout(timer);
    timer = undefined;
    const items = deps.tracker
      .tracks()
      .slice(0, MAX_SAVE_TRACKS)
      .map((t) => ({ ...t, artists: [...t.artists], state: deps.store.state(t.trackId) }));
    const total = deps.tracker.total();
    const signature = `${total ?? ''}|${items.map((i) => `${i.position}:${i.trackId}:${stateKey(i.state)}`).join(',')}`;
    if (items.length === 0 || (signature === reported && !force)) return false;
    reported = signature;
    try {
      await deps.send({ items, total });
      return true;
    } catch (error) {
      // Not sent: the next change sends it again.
      if (reported === signature) reported = '';
      deps.onSendError?.(error);
      return false;
    }
  };
  const reportIfChanged = (): void => void report(false);
  if (signal.aborted) return { reportNow: async () => false };
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
      if (reported !== '') deps.send({ items: [], total: deps.tracker.total() }).catch((error: unknown) => deps.onSendError?.(error));
    },
    { once: true },
  );
  return { reportNow: () => (signal.aborted ? Promise.resolve(false) : report(true)) };
}
