import { MAX_TRACKS_PER_MESSAGE, type SeenTrack, type TrackResult } from './messaging';
import { scanTrackRows, type TrackRow } from './spotify-dom';
import type { TrackId } from './track-id';

/** What a badge shows: waiting for the background, or its answer. */
export type BadgeState = { readonly status: 'pending' } | TrackResult;

/** One badge on the page, created by the content script's UI layer. */
export interface BadgeView {
  /** The element inserted into the row (a shadow host). */
  readonly host: Element;
  /** Renders `state` for `trackId`. */
  show(trackId: TrackId, state: BadgeState): void;
  /** Unmounts and removes the host. */
  remove(): void;
}

/** Dependencies of {@link createBadgeManager}. */
export interface BadgeManagerDeps {
  /** Where to look for track rows (the document body). */
  readonly root: ParentNode;
  /**
   * Asks the background for results (`sendClassify`). One result per ID. `seen` carries the
   * title and artists the page shows for those IDs (for the popup's search over seen tracks).
   */
  readonly classify: (trackIds: readonly TrackId[], seen: readonly SeenTrack[]) => Promise<TrackResult[]>;
  /** Creates a badge view and inserts its host into `row` next to the title link. */
  readonly createBadge: (row: TrackRow) => BadgeView;
  /** Delay that gathers IDs into one message, in ms. */
  readonly batchDelayMs?: number;
  /** After this many ms a failed track is asked for again at the next scan. */
  readonly errorRetryMs?: number;
  readonly now?: () => number;
}

/** Default wait before a failed track is asked for again: long enough not to hammer a struggling provider. */
export const ERROR_RETRY_MS = 30_000;

/** Keeps exactly one up-to-date badge on every track row. */
export interface BadgeManager {
  /** Reconciles badges with the rows now in the DOM; call after every DOM change. */
  scan(): void;
  /** Resolves when every queued request has been answered (tests and shutdown). */
  idle(): Promise<void>;
  /**
   * Asks again for every track on the page (the settings that choose the theme changed). Badges
   * keep their current state until the new answer arrives, so nothing flickers.
   */
  refresh(): void;
  /** Renders every badge again with its current state (e.g. after a colour change). */
  rerender(): void;
  /** Removes every badge and stops sending. */
  dispose(): void;
}

/** Name of the badge host element; also how stray badges are found. */
export const BADGE_HOST_TAG = 'playlist-predictor-badge';

interface Entry {
  view: BadgeView;
  trackId: TrackId;
}

/**
 * Creates the badge manager. Rows are keyed by element for their badge and by track ID for
 * results, because Spotify reuses row elements for other tracks while scrolling: a reused row's
 * badge is updated in place, never duplicated. Results are cached per page by track ID, and
 * IDs are sent in batches of at most {@link MAX_TRACKS_PER_MESSAGE}. A failed request shows an
 * error on the affected badges instead of leaving them pending, and is asked again at the first
 * scan after {@link ERROR_RETRY_MS}.
 */
export function createBadgeManager(deps: BadgeManagerDeps): BadgeManager {
  const entries = new Map<HTMLElement, Entry>();
  const results = new Map<TrackId, BadgeState>();
  /** Answers from before {@link BadgeManager.refresh}, shown while the new answer is pending. */
  let previous = new Map<TrackId, BadgeState>();
  const seenInfo = new Map<TrackId, SeenTrack>();
  const queue = new Set<TrackId>();
  const failedAt = new Map<TrackId, number>();
  const now = deps.now ?? Date.now;
  const inFlight = new Set<Promise<void>>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  const stateOf = (id: TrackId): BadgeState => {
    const state = results.get(id);
    return state && state.status !== 'pending' ? state : (previous.get(id) ?? { status: 'pending' });
  };

  function render(id: TrackId): void {
    for (const entry of entries.values()) if (entry.trackId === id) entry.view.show(id, stateOf(id));
  }

  function request(id: TrackId): void {
    const failed = failedAt.get(id);
    if (failed !== undefined && now() - failed >= (deps.errorRetryMs ?? ERROR_RETRY_MS)) {
      failedAt.delete(id);
      results.delete(id);
    }
    if (results.has(id) || queue.has(id)) return;
    results.set(id, { status: 'pending' });
    queue.add(id);
    timer ??= setTimeout(flush, deps.batchDelayMs ?? 30);
  }

  function flush(): void {
    timer = undefined;
    const ids = [...queue];
    queue.clear();
    for (let i = 0; i < ids.length; i += MAX_TRACKS_PER_MESSAGE) {
      const batch = ids.slice(i, i + MAX_TRACKS_PER_MESSAGE);
      const seen = batch.flatMap((id) => {
        const info = seenInfo.get(id);
        return info ? [info] : [];
      });
      const done = deps
        .classify(batch, seen)
        .then(
          (answer) => {
            const byId = new Map(answer.map((r) => [r.trackId, r]));
            for (const id of batch) {
              previous.delete(id);
              const result = byId.get(id) ?? { trackId: id, status: 'error', message: 'no answer for this track' };
              results.set(id, result);
              if (result.status === 'error') failedAt.set(id, now());
            }
          },
          (error: unknown) => {
            const message = error instanceof Error ? error.message : String(error);
            for (const id of batch) {
              previous.delete(id);
              results.set(id, { trackId: id, status: 'error', message });
              failedAt.set(id, now());
            }
          },
        )
        .then(() => {
          if (!disposed) for (const id of batch) render(id);
        });
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done));
    }
  }

  function reconcile(found: TrackRow): void {
    const { row, trackId } = found;
    if (found.name !== '') seenInfo.set(trackId, { trackId, name: found.name.slice(0, 500), artists: found.artists.slice(0, 20).map((a) => a.slice(0, 500)) });
    let entry = entries.get(row);
    if (entry && !(entry.view.host.isConnected && row.contains(entry.view.host))) {
      entry.view.remove();
      entry = undefined;
    }
    for (const stray of row.querySelectorAll(BADGE_HOST_TAG)) if (stray !== entry?.view.host) stray.remove();
    if (!entry) {
      entry = { view: deps.createBadge(found), trackId };
      entries.set(row, entry);
      entry.view.show(trackId, stateOf(trackId));
    } else if (entry.trackId !== trackId) {
      entry.trackId = trackId;
      entry.view.show(trackId, stateOf(trackId));
    }
    request(trackId);
  }

  return {
    scan() {
      if (disposed) return;
      const found = scanTrackRows(deps.root);
      const live = new Set(found.map((r) => r.row));
      for (const [row, entry] of entries) {
        if (!live.has(row)) {
          entry.view.remove();
          entries.delete(row);
        }
      }
      for (const row of found) reconcile(row);
    },
    async idle() {
      while (timer !== undefined || inFlight.size > 0) {
        if (timer !== undefined) {
          clearTimeout(timer);
          flush();
        }
        await Promise.all(inFlight);
      }
    },
    refresh() {
      if (disposed) return;
      previous = new Map([...previous, ...[...results].filter(([, state]) => state.status !== 'pending')]);
      results.clear();
      failedAt.clear();
      for (const entry of entries.values()) request(entry.trackId);
    },
    rerender() {
      if (disposed) return;
      for (const entry of entries.values()) entry.view.show(entry.trackId, stateOf(entry.trackId));
    },
    dispose() {
      disposed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      queue.clear();
      for (const entry of entries.values()) entry.view.remove();
      entries.clear();
    },
  };
}
