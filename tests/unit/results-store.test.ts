import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createResultsStore, ERROR_RETRY_MS, FIRST_REQUEST_DELAY_MS, MAX_HOLD_MS, QUIET_MS, REQUEST_RETRY, type ResultsStore, type ResultsStoreDeps } from '@/lib/content/results-store';
import type { BadgeState } from '@/lib/shared/badge-look';
import { CLASSIFY_BATCH_SIZE, InvalidMessageError, type SeenTrack, type TrackResult } from '@/lib/shared/messaging';
import type { TrackId } from '@/lib/shared/track-id';
import { trackId } from './support/fixtures';

type OkResult = Extract<TrackResult, { status: 'ok' }>;

/** An answer for a track, fixed per ID so tests can predict it. */
const okResult = (id: TrackId): OkResult => ({ trackId: id, status: 'ok', theme: 'chill', probability: 0.8, uncertain: false, probabilities: { chill: 0.8 }, provider: 'reccobeats', fetchedAt: 0, topThemes: [{ theme: 'chill', probability: 0.8 }], why: [] });

/** A fake background: each request waits for the test to answer it (or fail it). */
function fakeBackground() {
  const requests: { ids: TrackId[]; seen: SeenTrack[]; answer: (results?: TrackResult[]) => void; fail: (error: Error) => void }[] = [];
  const classify: ResultsStoreDeps['classify'] = (ids, seen) =>
    new Promise<TrackResult[]>((resolve, reject) => {
      requests.push({ ids: [...ids], seen: [...seen], answer: (results) => resolve(results ?? ids.map(okResult)), fail: reject });
    });
  return { classify, requests, last: () => requests.at(-1) };
}

const ids = (n: number, from = 0): TrackId[] => Array.from({ length: n }, (_, i) => trackId(from + i));

let store: ResultsStore | undefined;
function setup(overrides: Partial<ResultsStoreDeps> = {}) {
  const background = fakeBackground();
  // Date is faked by vi.useFakeTimers; the store's clock follows it.
  store = createResultsStore({ classify: background.classify, now: () => Date.now(), ...overrides });
  return { store, background };
}

/** Watches `trackIds` and records every state each listener is told. */
function watchAll(s: ResultsStore, trackIds: readonly TrackId[], signal?: AbortSignal) {
  const told = new Map<TrackId, BadgeState[]>();
  const unwatch = new Map<TrackId, () => void>();
  for (const id of trackIds) {
    told.set(id, []);
    unwatch.set(id, s.watch(id, (state) => told.get(id)?.push(state), { signal }));
  }
  return { told, unwatch };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  store?.dispose();
  store = undefined;
  vi.useRealTimers();
});

describe('results store: batching', () => {
  it('sends the IDs queued by one DOM change together, right after it (a microtask), not later', async () => {
    const { store, background } = setup();
    expect(FIRST_REQUEST_DELAY_MS).toBeLessThanOrEqual(30);
    watchAll(store, ids(10));
    watchAll(store, ids(5, 10));
    expect(background.requests).toHaveLength(0);
    await Promise.resolve();
    expect(background.requests.map((r) => r.ids)).toEqual([ids(15)]);
  });

  it('keeps one request in flight; the next carries everything queued meanwhile, across scans', async () => {
    const { store, background } = setup();
    watchAll(store, ids(20));
    await vi.advanceTimersByTimeAsync(0);
    // Three more "scans" while the first request is out.
    watchAll(store, ids(10, 20));
    await vi.advanceTimersByTimeAsync(100);
    watchAll(store, ids(10, 30));
    await vi.advanceTimersByTimeAsync(100);
    watchAll(store, ids(30, 40));
    await vi.advanceTimersByTimeAsync(QUIET_MS);
    expect(background.requests).toHaveLength(1);
    background.requests[0]?.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(background.requests).toHaveLength(2);
    expect(background.requests[1]?.ids).toEqual(ids(CLASSIFY_BATCH_SIZE, 20));
    background.requests[1]?.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(background.requests[2]?.ids).toEqual(ids(50 - CLASSIFY_BATCH_SIZE, 20 + CLASSIFY_BATCH_SIZE));
  });

  it('while the list keeps moving (a fling), the next request waits until it is quiet, at most MAX_HOLD_MS, and carries only what is still shown', async () => {
    const { store, background } = setup();
    const rows = new Map<TrackId, () => void>();
    /** One row scrolls in (and, past 20 rows, one scrolls out) every frame. */
    let next = 0;
    const frame = () => {
      const id = trackId(next++);
      rows.set(id, store.watch(id, () => {}));
      if (rows.size > 20) {
        const [first] = rows.keys();
        if (first) {
          rows.get(first)?.();
          rows.delete(first);
        }
      }
    };
    for (let i = 0; i < 20; i++) frame();
    await vi.advanceTimersByTimeAsync(0);
    expect(background.requests).toHaveLength(1);
    const interval = setInterval(frame, 16);
    await vi.advanceTimersByTimeAsync(150);
    background.requests[0]?.answer();
    await vi.advanceTimersByTimeAsync(MAX_HOLD_MS - 20);
    expect(background.requests, 'held while moving').toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(background.requests).toHaveLength(2);
    // Only rows still on screen are asked for; those that flew past meanwhile are not.
    expect(background.requests[1]?.ids.every((id) => rows.has(id))).toBe(true);
    expect(background.requests[1]?.ids.length).toBeLessThanOrEqual(20);
    clearInterval(interval);
    // Once the list is quiet, an answer is followed at once by the next request.
    frame();
    await vi.advanceTimersByTimeAsync(QUIET_MS);
    background.requests[1]?.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(background.requests).toHaveLength(3);
  });

  it('sends what the page shows of a track with its ID', async () => {
    const { store, background } = setup();
    const [a, b] = ids(2);
    if (!a || !b) throw new Error('ids');
    store.watch(a, () => {}, { seen: { trackId: a, name: 'Song A', artists: ['X'] } });
    store.watch(b, () => {});
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    expect(background.last()?.seen).toEqual([{ trackId: a, name: 'Song A', artists: ['X'] }]);
  });

  it('sends the duration the page shows with the track, keeps one seen earlier, and never asks again for a changed duration (issue 10)', async () => {
    const { store, background } = setup();
    const [a, b, c] = ids(3);
    if (!a || !b || !c) throw new Error('ids');
    store.watch(a, () => {}, { seen: { trackId: a, name: 'Song A', artists: ['X'], durationMs: 187_000 } });
    // Seen twice before the request leaves: once without a title (the now-playing bar), once without a duration.
    store.watch(b, () => {}, { seen: { trackId: b, name: '', artists: [], durationMs: 200_000 } });
    store.watch(b, () => {}, { seen: { trackId: b, name: 'Song B', artists: ['Y'] } });
    store.watch(c, () => {}, { seen: { trackId: c, name: 'Song C', artists: [] } });
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    expect(background.requests).toHaveLength(1);
    expect(background.last()?.seen).toEqual([
      { trackId: a, name: 'Song A', artists: ['X'], durationMs: 187_000 },
      { trackId: b, name: 'Song B', artists: ['Y'], durationMs: 200_000 },
      { trackId: c, name: 'Song C', artists: [] },
    ]);
    background.last()?.answer();
    await vi.advanceTimersByTimeAsync(0);
    // The same tracks shown again with another duration, or a first one: the same tracks, answered.
    store.watch(a, () => {}, { seen: { trackId: a, name: 'Song A', artists: ['X'], durationMs: 188_000 } });
    store.watch(c, () => {}, { seen: { trackId: c, name: 'Song C', artists: [], durationMs: 240_000 } });
    await vi.advanceTimersByTimeAsync(MAX_HOLD_MS + QUIET_MS);
    expect(background.requests).toHaveLength(1);
    expect(store.state(a)).toMatchObject({ status: 'ok' });
    expect(store.state(c)).toMatchObject({ status: 'ok' });
  });
});

describe('results store: dedupe', () => {
  it('never asks twice for a track that is answered or in flight, however often it is shown', async () => {
    const { store, background } = setup();
    const [a] = ids(1);
    if (!a) throw new Error('ids');
    const first = watchAll(store, [a]);
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    watchAll(store, [a]);
    first.unwatch.get(a)?.();
    watchAll(store, [a]);
    await vi.advanceTimersByTimeAsync(1000);
    background.requests[0]?.answer();
    await vi.advanceTimersByTimeAsync(0);
    const later = watchAll(store, [a]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(background.requests).toHaveLength(1);
    expect(store.state(a)).toEqual(okResult(a));
    // A late watcher reads the state; it is told only of later changes.
    expect(later.told.get(a)).toEqual([]);
  });

  it('tells every watcher of a track its answer', async () => {
    const { store, background } = setup();
    const [a] = ids(1);
    if (!a) throw new Error('ids');
    const one = watchAll(store, [a]);
    const two = watchAll(store, [a]);
    expect(store.state(a)).toEqual({ status: 'loading' });
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    background.requests[0]?.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(one.told.get(a)).toEqual([okResult(a)]);
    expect(two.told.get(a)).toEqual([okResult(a)]);
  });
});

describe('results store: dropping tracks that left the screen', () => {
  it('drops queued IDs nobody shows any more before their request goes out, and asks for them when they come back', async () => {
    const { store, background } = setup();
    const first = watchAll(store, ids(20));
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    // While request 1 is out, a fling: 30 rows appear and 25 of them leave again.
    const fling = watchAll(store, ids(30, 20));
    for (const id of ids(25, 20)) fling.unwatch.get(id)?.();
    background.requests[0]?.answer();
    // The list just moved: the next request waits for it to be quiet.
    await vi.advanceTimersByTimeAsync(QUIET_MS);
    expect(background.requests[1]?.ids).toEqual(ids(5, 45));
    background.requests[1]?.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(background.requests).toHaveLength(2);
    // Scrolling back: a dropped track is asked for then.
    const back = ids(1, 30);
    watchAll(store, back);
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    expect(background.requests[2]?.ids).toEqual(back);
    expect(first.told.size).toBe(20);
  });

  it('aborting the signal a watch was made with stops it (navigation)', async () => {
    const { store, background } = setup();
    const page = new AbortController();
    const { told } = watchAll(store, ids(5), page.signal);
    page.abort();
    await vi.advanceTimersByTimeAsync(1000);
    expect(background.requests).toHaveLength(0);
    const other = watchAll(store, ids(3, 100));
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    background.requests[0]?.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(background.requests.map((r) => r.ids)).toEqual([ids(3, 100)]);
    expect([...told.values()].flat()).toEqual([]);
    expect([...other.told.values()].flat()).toHaveLength(3);
  });

  it('a watch made with an already aborted signal asks for nothing', async () => {
    const { store, background } = setup();
    watchAll(store, ids(2), AbortSignal.abort());
    await vi.advanceTimersByTimeAsync(1000);
    expect(background.requests).toHaveLength(0);
  });
});

describe('results store: retry with backoff', () => {
  it('retries a request that failed as a whole with growing waits, and settles without any DOM change', async () => {
    const { store, background } = setup();
    const { told } = watchAll(store, ids(3));
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    background.requests[0]?.fail(new Error('The message port closed before a response was received.'));
    await vi.advanceTimersByTimeAsync(REQUEST_RETRY.minTimeout - 1);
    expect(background.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(background.requests).toHaveLength(2);
    background.requests[1]?.fail(new Error('Could not establish connection. Receiving end does not exist.'));
    await vi.advanceTimersByTimeAsync(REQUEST_RETRY.minTimeout * REQUEST_RETRY.factor - 1);
    expect(background.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(background.requests[2]?.ids).toEqual(ids(3));
    // No error was ever shown while retrying.
    expect([...told.values()].flat()).toEqual([]);
    background.requests[2]?.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect([...told.values()].flat().map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('shows error only once the retries are spent, and asks again after ERROR_RETRY_MS while shown', async () => {
    const { store, background } = setup();
    const [a] = ids(1);
    if (!a) throw new Error('ids');
    const { told } = watchAll(store, [a]);
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    for (let attempt = 0; attempt <= REQUEST_RETRY.retries; attempt++) {
      expect(told.get(a)).toEqual([]);
      background.last()?.fail(new Error('background gone'));
      await vi.advanceTimersByTimeAsync(REQUEST_RETRY.maxTimeout);
    }
    expect(background.requests).toHaveLength(REQUEST_RETRY.retries + 1);
    expect(told.get(a)).toEqual([{ trackId: a, status: 'error', message: "the extension's background did not answer (background gone)" }]);
    await vi.advanceTimersByTimeAsync(ERROR_RETRY_MS);
    expect(background.requests).toHaveLength(REQUEST_RETRY.retries + 2);
    background.last()?.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.state(a)).toEqual(okResult(a));
  });

  it('does not retry an invalid answer (InvalidMessageError, as sendMessage throws it): its tracks show error at once', async () => {
    const { store, background } = setup();
    const { told } = watchAll(store, ids(2));
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    background.requests[0]?.fail(new InvalidMessageError('Invalid answer to classify: ✖ Invalid input: expected array, received object'));
    await vi.advanceTimersByTimeAsync(REQUEST_RETRY.maxTimeout * 4);
    expect(background.requests).toHaveLength(1);
    expect([...told.values()].flat().map((s) => s.status)).toEqual(['error', 'error']);
  });

  it('stops retrying when nobody shows the tracks any more, and asks again when they come back', async () => {
    const { store, background } = setup();
    const { unwatch } = watchAll(store, ids(2));
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    for (const u of unwatch.values()) u();
    background.requests[0]?.fail(new Error('background gone'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(background.requests).toHaveLength(1);
    const { told } = watchAll(store, ids(2));
    expect(store.state(ids(1)[0] ?? '')).toEqual({ status: 'loading' });
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    expect(background.requests[1]?.ids).toEqual(ids(2));
    background.requests[1]?.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect([...told.values()].flat().map((s) => s.status)).toEqual(['ok', 'ok']);
  });

  it('a retry attempt drops tracks that left and carries tracks queued since', async () => {
    const { store, background } = setup();
    const { unwatch } = watchAll(store, ids(3));
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    unwatch.get(ids(1)[0] ?? '')?.();
    watchAll(store, ids(2, 10));
    background.requests[0]?.fail(new Error('background gone'));
    await vi.advanceTimersByTimeAsync(REQUEST_RETRY.minTimeout);
    expect(background.requests[1]?.ids).toEqual([...ids(2, 1), ...ids(2, 10)]);
  });

  it('a retry attempt that carries more than fits keeps the rest queued for the next request, losing none', async () => {
    const { store, background } = setup();
    watchAll(store, ids(CLASSIFY_BATCH_SIZE));
    await vi.advanceTimersByTimeAsync(0);
    watchAll(store, ids(10, 100));
    background.requests[0]?.fail(new Error('background gone'));
    await vi.advanceTimersByTimeAsync(REQUEST_RETRY.minTimeout);
    expect(background.requests[1]?.ids).toEqual(ids(CLASSIFY_BATCH_SIZE));
    background.requests[1]?.answer();
    await vi.advanceTimersByTimeAsync(QUIET_MS);
    expect(background.requests[2]?.ids).toEqual(ids(10, 100));
  });

  it('retry() asks again at once for a track in error, showing loading meanwhile', async () => {
    const { store, background } = setup();
    const [a] = ids(1);
    if (!a) throw new Error('ids');
    const { told } = watchAll(store, [a]);
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    background.requests[0]?.answer([{ trackId: a, status: 'error', message: 'reccobeats: HTTP 500 for audio features' }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.state(a).status).toBe('error');
    store.retry(a);
    expect(store.state(a)).toEqual({ status: 'loading' });
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    expect(background.requests).toHaveLength(2);
    background.requests[1]?.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(told.get(a)?.map((s) => s.status)).toEqual(['error', 'loading', 'ok']);
  });

  it('retryErrors() (back online) asks at once for every shown track in error, keeping `error` until the answer; one not shown is asked when shown again', async () => {
    const { store, background } = setup();
    const [a, b, c, d] = ids(4);
    if (!a || !b || !c || !d) throw new Error('ids');
    const { told, unwatch } = watchAll(store, [a, b, c, d]);
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    const offline = (id: TrackId): TrackResult => ({ trackId: id, status: 'error', message: 'reccobeats: Failed to fetch' });
    background.requests[0]?.answer([offline(a), offline(b), offline(c), okResult(d)]);
    await vi.advanceTimersByTimeAsync(0);
    unwatch.get(c)?.();
    store.retryErrors();
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    // Only the shown tracks in error, at once (long before ERROR_RETRY_MS), in one request.
    expect(background.requests.map((r) => r.ids)).toEqual([[a, b, c, d], [a, b]]);
    expect(told.get(a)?.map((s) => s.status)).toEqual(['error']);
    background.requests[1]?.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(told.get(a)?.map((s) => s.status)).toEqual(['error', 'ok']);
    expect(told.get(d)?.map((s) => s.status)).toEqual(['ok']);
    // The track in error that was not shown: asked for as soon as it is shown again, not after ERROR_RETRY_MS.
    watchAll(store, [c]);
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    expect(background.requests.map((r) => r.ids)).toEqual([[a, b, c, d], [a, b], [c]]);
    // Nothing else is asked for later: the 30 s timers were cancelled.
    background.requests[2]?.answer();
    await vi.advanceTimersByTimeAsync(ERROR_RETRY_MS * 2);
    expect(background.requests).toHaveLength(3);
  });

  it('a track missing from the answer becomes an error, not a hang', async () => {
    const { store, background } = setup();
    const [a, b] = ids(2);
    if (!a || !b) throw new Error('ids');
    watchAll(store, [a, b]);
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    background.requests[0]?.answer([okResult(a)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.state(b)).toMatchObject({ status: 'error' });
  });
});

describe('results store: refresh and dispose', () => {
  it('refresh asks again for watched tracks, keeping their state until the new answer', async () => {
    const { store, background } = setup();
    const [a, b] = ids(2);
    if (!a || !b) throw new Error('ids');
    const { told, unwatch } = watchAll(store, [a, b]);
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    background.requests[0]?.answer();
    await vi.advanceTimersByTimeAsync(0);
    unwatch.get(b)?.();
    store.refresh();
    expect(store.state(a)).toEqual(okResult(a));
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    expect(background.requests[1]?.ids).toEqual([a]);
    const party: TrackResult = { ...okResult(a), theme: 'party' };
    background.requests[1]?.answer([party]);
    await vi.advanceTimersByTimeAsync(0);
    expect(told.get(a)).toEqual([okResult(a), party]);
    // b was not shown during the refresh: forgotten, asked again when shown.
    expect(store.state(b)).toEqual({ status: 'loading' });
  });

  it('a track in error whose ERROR_RETRY_MS comes while a refresh is asking for it is not asked twice', async () => {
    const { store, background } = setup();
    const [a] = ids(1);
    if (!a) throw new Error('ids');
    const { told } = watchAll(store, [a]);
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    background.requests[0]?.answer([{ trackId: a, status: 'error', message: 'reccobeats: HTTP 503 for audio features' }]);
    await vi.advanceTimersByTimeAsync(0);
    // Settings change (refresh) shortly before the 30 s retry: the refresh's request is still out when it comes.
    await vi.advanceTimersByTimeAsync(ERROR_RETRY_MS - 1_000);
    store.refresh();
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    expect(background.requests.map((r) => r.ids)).toEqual([[a], [a]]);
    await vi.advanceTimersByTimeAsync(2_000);
    background.requests[1]?.answer();
    await vi.advanceTimersByTimeAsync(ERROR_RETRY_MS * 2);
    // The answer came from the refresh's request: no third request for the same track.
    expect(background.requests).toHaveLength(2);
    expect(told.get(a)?.map((s) => s.status)).toEqual(['error', 'ok']);
  });

  it('dispose stops everything: nothing queued is sent, no watcher is told anything more', async () => {
    const { store, background } = setup();
    const { told } = watchAll(store, ids(2));
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    background.requests[0]?.answer();
    await vi.advanceTimersByTimeAsync(0);
    watchAll(store, ids(2, 10));
    store.dispose();
    await vi.advanceTimersByTimeAsync(1000);
    expect(background.requests).toHaveLength(1);
    expect([...told.values()].flat()).toHaveLength(2);
  });
});

describe('results store: subscribe (every track at once, for the list reporter)', () => {
  it('tells subscribers the ID of every state change, watched or not: answers, errors, loading again, forgotten answers', async () => {
    const { store, background } = setup({ retry: { retries: 0, minTimeout: 1, factor: 1, maxTimeout: 1 } });
    const [a, b, c] = ids(3);
    if (!a || !b || !c) throw new Error('ids');
    const changes: TrackId[] = [];
    const subscription = new AbortController();
    store.subscribe((id) => changes.push(id), subscription.signal);
    const { unwatch } = watchAll(store, [a, b]);
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    expect(changes).toEqual([]); // queued and sent: no state changed yet
    background.requests[0]?.answer([okResult(a), { trackId: b, status: 'unknown' }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(changes).toEqual([a, b]);

    // retry(): loading again, then the answer.
    store.retry(b);
    expect(changes).toEqual([a, b, b]);
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    background.last()?.fail(new Error('background stopped'));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.state(b)).toMatchObject({ status: 'error' });
    expect(changes).toEqual([a, b, b, b]);

    // refresh() forgets the answer of a track nobody shows: it is loading again, and subscribers hear of it.
    unwatch.get(a)?.();
    store.refresh();
    expect(store.state(a)).toEqual({ status: 'loading' });
    expect(changes).toEqual([a, b, b, b, a]);

    // After the subscription's signal aborts, nothing more.
    subscription.abort();
    watchAll(store, [c]);
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    background.last()?.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.state(c)).toEqual(okResult(c));
    expect(changes).toEqual([a, b, b, b, a]);
  });

  it('a subscription made with an already aborted signal is never called', async () => {
    const { store, background } = setup();
    const calls: TrackId[] = [];
    store.subscribe((id) => calls.push(id), AbortSignal.abort());
    watchAll(store, ids(1));
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    background.requests[0]?.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.state(trackId(0))).toEqual(okResult(trackId(0)));
    expect(calls).toEqual([]);
  });
});

describe('results store: warm start (answers the background already had for a list)', () => {
  /** A warm start whose answer the test releases. */
  function pendingWarm() {
    let release: (results: readonly TrackResult[]) => void = () => {};
    let fail: (error: Error) => void = () => {};
    const load = vi.fn(() => new Promise<readonly TrackResult[]>((resolve, reject) => ((release = resolve), (fail = reject))));
    return { load, release: (results: readonly TrackResult[]) => release(results), fail: (error: Error) => fail(error) };
  }

  it('a track answered by the warm start is final when it is shown: no loading, no request', async () => {
    const { store, background } = setup();
    const [a, b, c] = [trackId(0), trackId(1), trackId(2)];
    expect(await store.warm(async () => [okResult(a), { trackId: b, status: 'unknown' }])).toBe(2);
    const { told } = watchAll(store, [a, b, c]);
    expect(store.state(a)).toEqual(okResult(a));
    expect(store.state(b)).toEqual({ status: 'unknown', trackId: b });
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    expect(background.requests.map((r) => r.ids)).toEqual([[c]]);
    expect(told.get(a)).toEqual([]);
  });

  it('answers shown tracks that wait for their request, which then leaves without them; tracks in flight or answered keep their own answer', async () => {
    const { store, background } = setup();
    const [a, b, c, d] = [trackId(0), trackId(1), trackId(2), trackId(3)];
    watchAll(store, [a]);
    await vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);
    expect(background.requests.map((r) => r.ids)).toEqual([[a]]);
    // a is in flight; b and c are queued behind it; d has its answer.
    const { told } = watchAll(store, [b, c]);
    const warm = pendingWarm();
    const warming = store.warm(warm.load);
    const stale = (id: TrackId): TrackResult => ({ ...okResult(id), theme: 'party' });
    warm.release([stale(a), okResult(b), { trackId: c, status: 'error', message: 'never sent by the background, ignored' }, stale(d)]);
    expect(await warming).toBe(2);
    expect(told.get(b)).toEqual([okResult(b)]);
    expect(store.state(c)).toEqual({ status: 'loading' });
    background.requests[0]?.answer();
    await vi.advanceTimersByTimeAsync(QUIET_MS);
    expect(store.state(a)).toEqual(okResult(a));
    expect(background.requests.map((r) => r.ids)).toEqual([[a], [c]]);
  });

  it('drops an answer that arrives after a refresh (it may follow the old settings) or after dispose; a failed load changes nothing', async () => {
    const { store } = setup();
    const a = trackId(0);
    const warm = pendingWarm();
    const warming = store.warm(warm.load);
    store.refresh();
    warm.release([okResult(a)]);
    expect(await warming).toBe(0);
    expect(store.state(a)).toEqual({ status: 'loading' });

    const failing = pendingWarm();
    const failed = store.warm(failing.load);
    failing.fail(new Error('the background did not answer'));
    await expect(failed).rejects.toThrow('the background did not answer');
    expect(store.state(a)).toEqual({ status: 'loading' });

    const late = pendingWarm();
    const afterDispose = store.warm(late.load);
    store.dispose();
    late.release([okResult(a)]);
    expect(await afterDispose).toBe(0);
    expect(store.state(a)).toEqual({ status: 'loading' });
  });
});
