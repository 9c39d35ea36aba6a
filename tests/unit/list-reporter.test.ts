import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createListTracker } from '@/lib/content/list-tracker';
import { REPORT_INTERVAL_MS, startListReporter, type ListSnapshot } from '@/lib/content/list-reporter';
import { createResultsStore, FIRST_REQUEST_DELAY_MS, type ResultsStore } from '@/lib/content/results-store';
import type { TrackResult } from '@/lib/shared/messaging';
import type { TrackId } from '@/lib/shared/track-id';
import type { ThemeId } from '@/model/themes';
import { trackId } from './support/fixtures';

const answer = (id: TrackId, theme: ThemeId = 'chill'): TrackResult => ({
  trackId: id,
  status: 'ok',
  theme,
  probability: 0.8,
  uncertain: false,
  probabilities: { [theme]: 0.8 },
  provider: 'reccobeats',
  fetchedAt: 0,
  topThemes: [{ theme, probability: 0.8 }],
  why: [],
});

let store: ResultsStore | undefined;
let page: AbortController;

/** A tracker, a store whose background the test answers, and the reporter over both, with every report recorded. */
function setup(options: { failSends?: () => boolean } = {}) {
  const requests: { ids: TrackId[]; resolve: (results: TrackResult[]) => void }[] = [];
  store = createResultsStore({ classify: (ids) => new Promise((resolve) => requests.push({ ids: [...ids], resolve })), now: () => Date.now() });
  const tracker = createListTracker({ rows: () => [], list: () => undefined });
  const tracksRead = vi.spyOn(tracker, 'tracks');
  const sent: ListSnapshot[] = [];
  const sendErrors: unknown[] = [];
  const send = async (snapshot: ListSnapshot) => {
    if (options.failSends?.()) throw new Error('Could not establish connection. Receiving end does not exist.');
    sent.push(snapshot);
  };
  const reporter = startListReporter({ tracker, store, send, onSendError: (error) => sendErrors.push(error) }, page.signal);
  return { store, tracker, tracksRead, sent, requests, reporter, sendErrors };
}

const [a, b, c] = [trackId(1), trackId(2), trackId(3)];
const listed = (id: string, name: string) => ({ trackId: id, name, artists: ['Artist'] });
const statuses = (snapshot: ListSnapshot | undefined) => snapshot?.items.map((i) => [i.position, i.trackId, i.state.status === 'ok' ? i.state.theme : i.state.status]);

beforeEach(() => {
  vi.useFakeTimers();
  page = new AbortController();
});
afterEach(() => {
  page.abort();
  store?.dispose();
  store = undefined;
  vi.useRealTimers();
});

describe('list reporter (the tab list for the popup)', () => {
  it('sends nothing and runs no timer until a track is seen; then sends the list once, REPORT_INTERVAL_MS after the change', async () => {
    const { tracker, sent } = setup();
    await vi.advanceTimersByTimeAsync(10 * REPORT_INTERVAL_MS);
    expect(sent).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);

    tracker.fill([listed(a, 'One'), null, listed(b, 'Two')]);
    await vi.advanceTimersByTimeAsync(REPORT_INTERVAL_MS - 1);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.total).toBe(3);
    expect(sent[0]?.items.map((i) => [i.position, i.name])).toEqual([
      [0, 'One'],
      [2, 'Two'],
    ]);
    expect(statuses(sent[0])).toEqual([
      [0, a, 'loading'],
      [2, b, 'loading'],
    ]);
  });

  it('an idle list page costs nothing: after its report no timer runs and the list is not read again', async () => {
    const { tracker, tracksRead, sent } = setup();
    tracker.fill([listed(a, 'One')]);
    await vi.advanceTimersByTimeAsync(REPORT_INTERVAL_MS);
    expect(sent).toHaveLength(1);
    const reads = tracksRead.mock.calls.length;
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(30 * REPORT_INTERVAL_MS);
    expect(tracksRead.mock.calls.length).toBe(reads);
    expect(sent).toHaveLength(1);
  });

  it('answers arriving within one interval make one report with every new state', async () => {
    const { store, tracker, sent, requests } = setup();
    tracker.fill([listed(a, 'One'), listed(b, 'Two')]);
    await vi.advanceTimersByTimeAsync(REPORT_INTERVAL_MS);
    expect(sent).toHaveLength(1);
    // The badges watch the rows; their answers come back in two steps within one interval.
    store.watch(a, () => {});
    store.watch(b, () => {});
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    requests[0]?.resolve([answer(a), { trackId: b, status: 'unknown' }]);
    await vi.advanceTimersByTimeAsync(REPORT_INTERVAL_MS / 2);
    store.retry(b);
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    requests[1]?.resolve([answer(b, 'party')]);
    await vi.advanceTimersByTimeAsync(REPORT_INTERVAL_MS / 2);
    expect(sent).toHaveLength(2);
    expect(statuses(sent[1])).toEqual([
      [0, a, 'chill'],
      [1, b, 'party'],
    ]);
  });

  it('a new theme for an answered track (the settings changed) is reported; a change that alters nothing listed is not', async () => {
    const { store, tracker, sent, requests } = setup();
    tracker.fill([listed(a, 'One')]);
    store.watch(a, () => {});
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    requests[0]?.resolve([answer(a, 'chill')]);
    await vi.advanceTimersByTimeAsync(REPORT_INTERVAL_MS);
    expect(statuses(sent.at(-1))).toEqual([[0, a, 'chill']]);
    const reports = sent.length;

    // A track that is not in the list (the now-playing bar) gets its answer: nothing new to report.
    store.watch(c, () => {});
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    requests[1]?.resolve([answer(c)]);
    await vi.advanceTimersByTimeAsync(REPORT_INTERVAL_MS);
    expect(sent).toHaveLength(reports);

    // The same track, same status, another theme after a refresh.
    store.refresh();
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    requests.at(-1)?.resolve([answer(a, 'focus'), answer(c)]);
    await vi.advanceTimersByTimeAsync(REPORT_INTERVAL_MS);
    expect(sent).toHaveLength(reports + 1);
    expect(statuses(sent.at(-1))).toEqual([[0, a, 'focus']]);
  });

  it('when the page goes: an empty report if anything was reported, nothing otherwise, and no timer left', async () => {
    const first = setup();
    first.tracker.fill([listed(a, 'One')]);
    await vi.advanceTimersByTimeAsync(REPORT_INTERVAL_MS);
    first.tracker.fill([listed(a, 'One'), listed(b, 'Two')]); // arms the timer again
    page.abort();
    expect(first.sent.map((s) => s.items.length)).toEqual([1, 0]);
    expect(vi.getTimerCount()).toBe(0);

    store?.dispose();
    page = new AbortController();
    const second = setup();
    second.tracker.fill([listed(a, 'One')]);
    page.abort();
    await vi.advanceTimersByTimeAsync(REPORT_INTERVAL_MS);
    expect(second.sent).toEqual([]);
  });

  it('reportNow sends the list at once, changed or not (the background may have lost it), and says whether it did', async () => {
    const { tracker, sent, reporter } = setup();
    expect(await reporter.reportNow()).toBe(false);
    expect(sent).toEqual([]);
    tracker.fill([listed(a, 'One')]);
    await vi.advanceTimersByTimeAsync(REPORT_INTERVAL_MS);
    expect(sent).toHaveLength(1);
    // Nothing changed since: the timer would send nothing, reportNow sends the same list again.
    expect(await reporter.reportNow()).toBe(true);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(sent[0]);
    // A change pending on the timer goes out with reportNow, once.
    tracker.fill([listed(a, 'One'), listed(b, 'Two')]);
    expect(await reporter.reportNow()).toBe(true);
    await vi.advanceTimersByTimeAsync(REPORT_INTERVAL_MS);
    expect(sent.map((s) => s.items.length)).toEqual([1, 1, 2]);
    page.abort();
    expect(await reporter.reportNow()).toBe(false);
  });

  it('a report that could not be sent is told to onSendError and sent again with the next change', async () => {
    let failing = true;
    const { tracker, sent, reporter, sendErrors } = setup({ failSends: () => failing });
    tracker.fill([listed(a, 'One')]);
    await vi.advanceTimersByTimeAsync(REPORT_INTERVAL_MS);
    expect(sent).toEqual([]);
    expect(sendErrors).toHaveLength(1);
    expect(await reporter.reportNow()).toBe(false);
    failing = false;
    // The list did not change, but the background never had it: an unrelated change re-arms the timer and the list goes out.
    tracker.fill([listed(a, 'One')]);
    store?.refresh();
    await vi.advanceTimersByTimeAsync(REPORT_INTERVAL_MS);
    expect(statuses(sent.at(-1))).toEqual([[0, a, 'loading']]);
  });
});
