import pRetry from 'p-retry';
import type { BadgeState } from '@/lib/shared/badge-look';
import { CLASSIFY_BATCH_SIZE, InvalidMessageError, type SeenTrack, type TrackResult } from '@/lib/shared/messaging';
import type { TrackId } from '@/lib/shared/track-id';
import { errorMessage } from '@/lib/shared/error-message';
import { createPendingRun } from './pending-run';

/**
 * The content script's results store, one per tab: it queues the track IDs that something on the
 * page shows, sends them to the background in batches, remembers the answers for the life of the
 * tab, and tells whoever shows a track each time its state changes.
 *
 * - **Batching:** the first request after a quiet moment leaves as soon as the DOM change that
 *   queued its IDs has been handled (a microtask: every row of one redraw arrives in one
 *   `MutationObserver` callback), before the page is painted; at most one request is in flight,
 *   and the next carries everything queued meanwhile, up to {@link CLASSIFY_BATCH_SIZE} IDs.
 * - **Flings:** when a request comes back while the list is still moving (tracks appeared or
 *   left within {@link QUIET_MS}), the next one waits until the list is quiet, at most
 *   {@link MAX_HOLD_MS}: rows that only fly past are not worth a request, and those still shown
 *   then go out together.
 * - **Dedupe:** an ID is asked for once; one already answered or in flight is never queued again
 *   (the background dedupes across tabs and reloads the same way).
 * - **Dropping:** an ID whose last watcher left before its request went out (its row scrolled
 *   away or was reused for another track) leaves the queue; it is queued again if it comes back.
 * - **Retry:** a request that fails as a whole (the background was stopped mid-request, or is
 *   starting) is retried with exponential backoff (`p-retry`) while anyone still shows one of its
 *   tracks; only when the retries are spent do its tracks become `error`. Tracks in `error` are
 *   asked again after {@link ERROR_RETRY_MS} if still shown, or at once through {@link ResultsStore.retry}.
 */

/**
 * Wait before the first request after a quiet moment, in ms; 0 sends it in a microtask right after
 * the DOM change that queued it (issue 8: at most 30 ms).
 */
export const FIRST_REQUEST_DELAY_MS = 0;
/** The list counts as moving while tracks appeared or left less than this many ms ago (three frames at 60 Hz). */
export const QUIET_MS = 50;
/** Longest hold of the next request while the list keeps moving, in ms. */
export const MAX_HOLD_MS = 250;
/** Wait before a track in `error` is asked for again while it is shown, in ms: long enough not to hammer a struggling provider. */
export const ERROR_RETRY_MS = 30_000;
/**
 * Backoff of a failed request: retried 4 times after 250, 500, 1,000 and 2,000 ms, so a
 * background that was stopped mid-request (Chrome restarts it on the next message) is reached
 * again well within 5 s, and an `error` badge appears about 4 s after the first failure.
 */
export const REQUEST_RETRY = { retries: 4, minTimeout: 250, factor: 2, maxTimeout: 2_000 } as const;

/** Called with a track's new state each time it changes. */
export type ResultListener = (state: BadgeState) => void;

/** What {@link createResultsStore} needs; everything has a default but `classify`. */
export interface ResultsStoreDeps {
  /**
   * Asks the background for the tracks' results (`sendClassify`): one result per ID. `seen`
   * carries the title and artists the page shows for some of them. Rejects when the request as a
   * whole failed (background unreachable, invalid answer).
   */
  readonly classify: (trackIds: readonly TrackId[], seen: readonly SeenTrack[]) => Promise<TrackResult[]>;
  /** Most IDs per request (default {@link CLASSIFY_BATCH_SIZE}). */
  readonly batchSize?: number;
  /** Delay before the first request after a quiet moment, in ms (default {@link FIRST_REQUEST_DELAY_MS}; 0 = a microtask). */
  readonly firstRequestDelayMs?: number;
  /** See {@link QUIET_MS} and {@link MAX_HOLD_MS}; defaults are those. */
  readonly quietMs?: number;
  readonly maxHoldMs?: number;
  /** Monotonic clock in ms (default `performance.now`). */
  readonly now?: () => number;
  /** Backoff of failed requests, as p-retry options (default {@link REQUEST_RETRY}). */
  readonly retry?: { readonly retries: number; readonly minTimeout: number; readonly factor: number; readonly maxTimeout: number };
  /** Wait before a shown track in `error` is asked again, in ms (default {@link ERROR_RETRY_MS}). */
  readonly errorRetryMs?: number;
  /** Whether a failed request is worth retrying; default: any failure but an invalid request or answer (`InvalidMessageError`). */
  readonly isRetryable?: (error: Error) => boolean;
}

/** The per-tab results store (see the module comment). */
export interface ResultsStore {
  /** The track's current state: its answer, or `loading` when none has arrived yet. */
  state(trackId: TrackId): BadgeState;
  /**
   * Starts showing `trackId`: `listener` gets every later state change (not the current one: read
   * {@link state}). Queues the track when it has no answer and is not on its way. `seen` is what
   * the page shows of it (title, artists, duration), sent with its next request; a new `seen`
   * never queues a track that is answered or on its way (a changed duration is the same track),
   * and a duration seen before is kept when the new `seen` has none. Returns the function that
   * stops watching; aborting `signal` does too.
   */
  watch(trackId: TrackId, listener: ResultListener, options?: { readonly seen?: SeenTrack; readonly signal?: AbortSignal }): () => void;
  /** Asks for `trackId` again now (the user activated its `error` badge); it shows `loading` meanwhile. */
  retry(trackId: TrackId): void;
  /**
   * Asks again now for every shown track in `error`, instead of after {@link ERROR_RETRY_MS}
   * (the browser is back online: the `online` event, HTML Living Standard, "Offline Web
   * applications"); they keep their `error` state until the new answer arrives. A track in
   * `error` that is not shown is asked for as soon as it is shown again.
   */
  retryErrors(): void;
  /**
   * Asks again for every watched track (the settings that choose the theme changed); they keep
   * their current state until the new answer arrives, so nothing flickers. Answers of unwatched
   * tracks are forgotten and asked again when shown.
   */
  refresh(): void;
  /**
   * Takes answers the background already has for tracks that may be shown soon (the warm start
   * of a list it remembers, `warmList`): `load` is called at once, and each `ok` or `unknown`
   * result it gives becomes its track's state, unless the track has an answer already or is on
   * its way; a queued track leaves the queue, since its answer is here. Results that arrive after
   * a {@link refresh} (they may follow the old settings) or {@link dispose} are dropped.
   * Resolves with how many tracks it answered; rejects with `load`'s error (nothing changes then).
   */
  warm(load: () => Promise<readonly TrackResult[]>): Promise<number>;
  /**
   * Calls `listener` with the track ID after any track's {@link state} changed (an answer, an
   * error, `loading` again, or an answer forgotten), watched or not, until `signal` aborts. For
   * whoever summarizes many tracks at once (the list reporter) instead of watching each one.
   */
  subscribe(listener: (trackId: TrackId) => void, signal: AbortSignal): void;
  /** Stops every timer and request; watchers and subscribers get no more calls. */
  dispose(): void;
}

interface Entry {
  state: BadgeState;
  readonly listeners: Set<ResultListener>;
  seen?: SeenTrack;
  /** In the queue for the next request. */
  queued: boolean;
  /** Part of the request in flight. */
  inFlight: boolean;
  /** Timer that asks again for a track in `error`. */
  errorTimer?: ReturnType<typeof setTimeout>;
}

const LOADING: BadgeState = { status: 'loading' };

/** `next`, keeping `previous`'s title and artists when `next` has no title, and its duration when `next` has none. */
function mergeSeen(previous: SeenTrack | undefined, next: SeenTrack): SeenTrack {
  if (!previous) return next;
  const titled = next.name === '' ? { name: previous.name, artists: previous.artists } : { name: next.name, artists: next.artists };
  const durationMs = next.durationMs ?? previous.durationMs;
  return { trackId: next.trackId, ...titled, ...(durationMs === undefined ? {} : { durationMs }) };
}

/** Default of {@link ResultsStoreDeps.isRetryable}: an invalid request or answer ({@link InvalidMessageError}) will not heal by asking again. */
function defaultIsRetryable(error: Error): boolean {
  return !(error instanceof InvalidMessageError);
}

/** Creates a {@link ResultsStore}. */
export function createResultsStore(deps: ResultsStoreDeps): ResultsStore {
  const batchSize = deps.batchSize ?? CLASSIFY_BATCH_SIZE;
  const retry = deps.retry ?? REQUEST_RETRY;
  const errorRetryMs = deps.errorRetryMs ?? ERROR_RETRY_MS;
  const isRetryable = deps.isRetryable ?? defaultIsRetryable;
  const entries = new Map<TrackId, Entry>();
  /** {@link ResultsStore.subscribe}'s listeners. */
  const subscribers = new Set<(trackId: TrackId) => void>();
  const changed = (id: TrackId): void => {
    for (const subscriber of [...subscribers]) subscriber(id);
  };
  /** Queued IDs in the order they were queued. */
  const queue = new Set<TrackId>();
  const lifetime = new AbortController();
  const now = deps.now ?? (() => performance.now());
  const quietMs = deps.quietMs ?? QUIET_MS;
  const maxHoldMs = deps.maxHoldMs ?? MAX_HOLD_MS;
  /** The flush that is scheduled (after a delay, or in a microtask). */
  const nextFlush = createPendingRun();
  /** When a track last appeared or left (watch / unwatch), by {@link now}. */
  let lastActivity = -Infinity;
  let inFlight: Promise<void> | undefined;
  /** How many times {@link ResultsStore.refresh} ran: a warm start begun before a refresh is stale. */
  let refreshes = 0;

  const watched = (id: TrackId): boolean => (entries.get(id)?.listeners.size ?? 0) > 0;

  function entryOf(id: TrackId): Entry {
    let entry = entries.get(id);
    if (!entry) {
      entry = { state: LOADING, listeners: new Set(), queued: false, inFlight: false };
      entries.set(id, entry);
    }
    return entry;
  }

  function set(id: TrackId, state: BadgeState): void {
    const entry = entryOf(id);
    entry.state = state;
    clearTimeout(entry.errorTimer);
    entry.errorTimer = undefined;
    if (state.status === 'error') entry.errorTimer = setTimeout(() => askAgainIfShown(id), errorRetryMs);
    for (const listener of [...entry.listeners]) listener(state);
    changed(id);
  }

  /** Forgets the track's entry: its state is `loading` again until it is shown and asked for. */
  function forget(id: TrackId): void {
    const entry = entries.get(id);
    if (!entry) return;
    entries.delete(id);
    if (entry.state.status !== 'loading') changed(id);
  }

  /**
   * Asks again for a track in error that is shown (its 30 s timer, or back online), unless a
   * request for it is already out (a refresh): that answer replaces the error, or sets a new timer.
   */
  function askAgainIfShown(id: TrackId): void {
    const entry = entries.get(id);
    if (!entry) return;
    clearTimeout(entry.errorTimer);
    entry.errorTimer = undefined;
    if (watched(id) && entry.state.status === 'error' && !entry.inFlight) enqueue(id);
  }

  function enqueue(id: TrackId): void {
    if (lifetime.signal.aborted) return;
    const entry = entryOf(id);
    if (entry.queued) return;
    entry.queued = true;
    queue.add(id);
    schedule();
  }

  function dequeue(id: TrackId): void {
    const entry = entries.get(id);
    if (entry) entry.queued = false;
    queue.delete(id);
  }

  function schedule(): void {
    if (inFlight || queue.size === 0) return;
    nextFlush.later(flush, deps.firstRequestDelayMs ?? FIRST_REQUEST_DELAY_MS);
  }

  /** After an answer, while the list is still moving: waits for it to be quiet (at most {@link MAX_HOLD_MS}), then sends. */
  function holdWhileMoving(since: number): void {
    const t = now();
    const quietAt = lastActivity + quietMs;
    if (t >= quietAt || t - since >= maxHoldMs) return flush();
    nextFlush.later(() => holdWhileMoving(since), Math.min(quietAt, since + maxHoldMs) - t);
  }

  /** Takes up to `limit` queued IDs that are not in flight, and marks them in flight. */
  function takeBatch(limit = batchSize): TrackId[] {
    const batch: TrackId[] = [];
    for (const id of queue) {
      if (batch.length >= limit) break;
      const entry = entryOf(id);
      if (entry.inFlight) continue;
      dequeue(id);
      entry.inFlight = true;
      batch.push(id);
    }
    return batch;
  }

  function flush(): void {
    if (inFlight || lifetime.signal.aborted) return;
    let batch = takeBatch();
    if (batch.length === 0) return;
    const request = pRetry(
      async (attempt) => {
        if (attempt > 1) {
          // Between attempts, rows come and go: drop what nobody shows, add what was queued since.
          const dropped = batch.filter((id) => !watched(id));
          for (const id of dropped) entryOf(id).inFlight = false;
          const kept = batch.filter((id) => watched(id));
          batch = [...kept, ...takeBatch(batchSize - kept.length)];
          if (batch.length === 0) return [];
        }
        const seen = batch.flatMap((id) => entries.get(id)?.seen ?? []);
        return deps.classify(batch, seen);
      },
      {
        ...retry,
        signal: lifetime.signal,
        shouldRetry: ({ error }) => isRetryable(error) && batch.some(watched),
      },
    ).then(
      (answer) => {
        const byId = new Map(answer.map((r) => [r.trackId, r]));
        for (const id of batch) {
          entryOf(id).inFlight = false;
          set(id, byId.get(id) ?? { trackId: id, status: 'error', message: 'the background gave no answer for this track' });
        }
      },
      (error: unknown) => {
        if (lifetime.signal.aborted) return;
        const message = `the extension's background did not answer (${errorMessage(error)})`;
        for (const id of batch) {
          entryOf(id).inFlight = false;
          if (watched(id)) set(id, { trackId: id, status: 'error', message });
          else forget(id);
        }
      },
    );
    inFlight = request.finally(() => {
      inFlight = undefined;
      // Everything queued meanwhile goes out together: at once, or once the list stops moving.
      if (queue.size > 0) holdWhileMoving(now());
    });
  }

  return {
    state: (trackId) => entries.get(trackId)?.state ?? LOADING,

    watch(trackId, listener, options = {}) {
      const entry = entryOf(trackId);
      entry.listeners.add(listener);
      lastActivity = now();
      // What the page shows is updated, never a reason to ask again: a track whose duration
      // appears or changes is the same track (its answer stays). A title or duration once seen
      // is kept when a later view of the track (another row, the now-playing bar) shows none.
      if (options.seen) entry.seen = mergeSeen(entry.seen, options.seen);
      if (entry.state.status === 'loading' && !entry.inFlight) enqueue(trackId);
      else if (entry.state.status === 'error' && entry.errorTimer === undefined && !entry.inFlight) enqueue(trackId);
      let active = true;
      const unwatch = (): void => {
        if (!active) return;
        active = false;
        options.signal?.removeEventListener('abort', unwatch);
        entry.listeners.delete(listener);
        lastActivity = now();
        // Nobody shows it any more: do not ask for it until somebody does again.
        if (entry.listeners.size === 0 && entry.queued) dequeue(trackId);
      };
      if (options.signal?.aborted) unwatch();
      else options.signal?.addEventListener('abort', unwatch);
      return unwatch;
    },

    retry(trackId) {
      const entry = entryOf(trackId);
      if (entry.inFlight || entry.queued) return;
      set(trackId, LOADING);
      enqueue(trackId);
    },

    retryErrors() {
      for (const [id, entry] of entries) if (entry.state.status === 'error') askAgainIfShown(id);
    },

    async warm(load) {
      const asked = refreshes;
      const results = await load();
      if (asked !== refreshes || lifetime.signal.aborted) return 0;
      let answered = 0;
      for (const result of results) {
        if (result.status === 'error') continue;
        const entry = entries.get(result.trackId);
        if (entry && (entry.state.status !== 'loading' || entry.inFlight)) continue;
        if (entry?.queued) dequeue(result.trackId);
        set(result.trackId, result);
        answered++;
      }
      return answered;
    },

    refresh() {
      refreshes++;
      for (const [id, entry] of entries) {
        if (entry.listeners.size > 0) enqueue(id);
        else if (!entry.inFlight && !entry.queued) forget(id);
      }
    },

    subscribe(listener, signal) {
      if (signal.aborted || lifetime.signal.aborted) return;
      subscribers.add(listener);
      signal.addEventListener('abort', () => subscribers.delete(listener), { once: true });
    },

    dispose() {
      lifetime.abort();
      subscribers.clear();
      nextFlush.cancel();
      queue.clear();
      for (const entry of entries.values()) {
        clearTimeout(entry.errorTimer);
        entry.listeners.clear();
      }
      entries.clear();
    },
  };
}
