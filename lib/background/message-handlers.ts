import type { z } from 'zod';
import type { AudioFeaturesAvailability } from '@/lib/shared/availability';
import type { TrackInfo } from '@/lib/background/cache';
import { WARM_LIST_FIRST_PAGE_TRACKS, WARM_LIST_MAX_TRACKS, WARM_LIST_PAGE_TRACKS, type MessageName, type PROTOCOL, type ResponseOf, type SearchHit, type Status } from '@/lib/shared/messaging';
import type { ListMemory } from '@/lib/background/list-memory';
import { SPOTIFY_SEARCH_MAX_LIMIT } from '@/lib/background/spotify-search';
import type { ReadService } from '@/lib/background/list-reader';
import type { MessageContext } from '@/lib/background/message-router';
import type { SaveService } from '@/lib/background/save-service';
import type { TabLists } from '@/lib/background/tab-lists';
import type { ThemeService } from '@/lib/background/theme-service';
import { trackIdFromInput, type TrackId } from '@/lib/shared/track-id';
import { errorMessage } from '@/lib/shared/error-message';
import { withDeadline } from '@/lib/background/deadline';

/**
 * Longest a tab's `classify` waits for that tab's `warmList` page in flight, ms (see
 * {@link createMessageHandlers}). A page normally takes milliseconds (`npm run bench:model`: about
 * 23 ms per 250 tracks) and up to about half a second on a loaded 2-core machine (measured on
 * 2026-12-07); the bound only matters when the list memory stalls.
 */
export const WARM_FIRST_WAIT_MS = 2_000;

/** Most hits the popup shows; also Spotify search's `limit` (at most 10 since February 2026, see `lib/spotify-search.ts`). */
export const SEARCH_LIMIT = SPOTIFY_SEARCH_MAX_LIMIT;

/** The user's Spotify connection as the handlers need it (implemented in `lib/auth`). */
export interface SpotifyAccount {
  /** The redirect URI to register in the Spotify app (`browser.identity.getRedirectURL()`). */
  redirectUri(): string;
  /**
   * Client ID, whether tokens are stored, whether the app may read audio features, and what needs
   * the user's attention about the connection (`problem`, a sentence, or `null`; e.g. Spotify
   * refused the saved connection, or a new token could not be saved).
   */
  status(): Promise<{ clientId: string | null; connected: boolean; audioFeatures: AudioFeaturesAvailability; problem: string | null }>;
  /** Runs the authorization flow for `clientId`; rejects with a readable message. */
  connect(clientId: string): Promise<void>;
  /** Forgets every token and the client ID's state. */
  disconnect(): Promise<void>;
  /**
   * Spotify search for tracks (`limit` ≤ {@link SEARCH_LIMIT}), each with its `duration_ms` (ms)
   * when the result carried one; rejects when not connected or on an API error.
   */
  searchTracks(query: string, limit: number): Promise<FoundTrack[]>;
}

/** A Spotify search result: title, artists and, when Spotify gave it, the duration in ms (`duration_ms`, not yet normalized). */
export interface FoundTrack extends TrackInfo {
  readonly durationMs?: number;
}

/** Titles and artists of tracks seen on open.spotify.com (kept with the feature cache). */
export interface SeenTrackStore {
  remember(tracks: readonly TrackInfo[]): Promise<void>;
  /** Seen tracks in which every word of `query` begins a word of the title or artists (case- and accent-insensitive; `FeatureCacheStore.searchSeen`), whole-word matches first, then newest first, at most `limit`. */
  search(query: string, limit: number): Promise<TrackInfo[]>;
  get(trackIds: readonly TrackId[]): Promise<Map<TrackId, TrackInfo>>;
}

/** The feature cache's size and its clear button (implemented by `createFeatureCache` in `lib/background/cache`). */
export interface CacheControls {
  /**
   * Tracks cached, estimated bytes, the limit in tracks, and the last storage failure as a
   * sentence for the user (or `null`): the Status message's `cache` (see `CacheStats`).
   */
  stats(): Promise<{ tracks: number; bytes: number; limit: number; problem: string | null }>;
  clear(): Promise<void>;
}

/** What {@link createMessageHandlers} wires together. */
export interface MessageHandlerDeps {
  readonly themes: ThemeService;
  readonly account: SpotifyAccount;
  readonly seen: SeenTrackStore;
  readonly cache: CacheControls;
  /** "Save as new playlist" (issue 12). */
  readonly saves: SaveService;
  /** Whole lists through the Web API (issue 12). */
  readonly reads: ReadService;
  /** The lists the Spotify tabs report, for the popup (issue 12). */
  readonly tabLists: TabLists;
  /** The lists' track IDs by position, kept across restarts for the warm start (`warmList`). */
  readonly lists: ListMemory;
  readonly log?: Pick<Console, 'warn'>;
}

/** One handler per message of the protocol; each gets the validated request and who sent it (`MessageContext`). */
export type MessageHandlers = { [N in MessageName]: (request: z.infer<(typeof PROTOCOL)[N]['request']>, context?: MessageContext) => Promise<ResponseOf<N>> };

/**
 * The background's answers to every message. `reportList` also notes the list's tracks in the
 * list memory, and `warmList` answers from it with the cached results of one page
 * ({@link WARM_LIST_FIRST_PAGE_TRACKS} tracks from the top, then {@link WARM_LIST_PAGE_TRACKS}
 * each) of the list's first {@link WARM_LIST_MAX_TRACKS} tracks (no provider is asked).
 * `classify` passes the durations of the `seen` entries to the theme service. `search`: a pasted track URL or URI is classified directly;
 * otherwise Spotify search when connected (falling back to seen tracks, with a notice, when
 * Spotify search fails), else a search over tracks seen on open.spotify.com. A Spotify search hit
 * is classified with its `duration_ms`; a pasted link or a seen track with the cached duration,
 * else none (see `ThemeService.classify`).
 *
 * A tab's `classify` answers after that tab's `warmList` page in flight (waiting at most
 * {@link WARM_FIRST_WAIT_MS}): the content script sends the warm start first, but its page can
 * take longer than the first rows' own request (it reads the list memory, then runs the model and
 * the *why* for every track of the page), which would then overtake it, and the rows drawn right
 * after the first screen would paint `loading` although the background knew them. In this order
 * the warm start is in the tab no later than the first rows' badges.
 */
export function createMessageHandlers(deps: MessageHandlerDeps): MessageHandlers {
  const log = deps.log ?? console;
  /** Per tab, the `warmList` page being answered, settled either way (removed once settled). */
  const warming = new Map<number, Promise<void>>();

  /** Answers `page` and marks it as `tabId`'s warm start page in flight until it settles. */
  function trackWarming<T>(tabId: number | undefined, page: Promise<T>): Promise<T> {
    if (tabId === undefined) return page;
    const settled = page.then(
      () => undefined,
      () => undefined,
    );
    warming.set(tabId, settled);
    void settled.then(() => {
      if (warming.get(tabId) === settled) warming.delete(tabId);
    });
    return page;
  }

  /** Resolves once `tabId`'s warm start page in flight (if any) has settled, or after {@link WARM_FIRST_WAIT_MS}. */
  async function afterWarming(tabId: number | undefined): Promise<void> {
    const page = tabId === undefined ? undefined : warming.get(tabId);
    if (page) await withDeadline(WARM_FIRST_WAIT_MS, 'the warm start', () => page).catch(() => undefined);
  }

  async function status(): Promise<Status> {
    const [spotify, cache, lists] = await Promise.all([deps.account.status(), deps.cache.stats(), deps.lists.count()]);
    return { spotify: { redirectUri: deps.account.redirectUri(), ...spotify }, cache: { ...cache, lists } };
  }

  /** Stores titles for the search over seen tracks; a failure (quota) only costs that search. */
  async function remember(tracks: readonly TrackInfo[]): Promise<void> {
    await deps.seen.remember(tracks).catch((error: unknown) => log.warn('Playlist Predictor: could not store seen tracks', error));
  }

  /**
   * Classifies `tracks` and `extra` IDs. A track's duration is the one in `durations` (a Spotify
   * search result's), else what the cache holds for it, else unknown (the theme service's rule).
   */
  async function withResults(tracks: readonly TrackInfo[], extra: readonly TrackId[] = [], durations: ReadonlyMap<TrackId, number> = new Map()): Promise<SearchHit[]> {
    const ids = [...new Set([...tracks.map((t) => t.trackId), ...extra])];
    if (ids.length === 0) return [];
    const results = await deps.themes.classify(ids, durations);
    const info = new Map(tracks.map((t) => [t.trackId, t]));
    return results.map((result) => ({ trackId: result.trackId, name: info.get(result.trackId)?.name ?? null, artists: [...(info.get(result.trackId)?.artists ?? [])], result }));
  }

  return {
    async classify({ trackIds, seen }, context) {
      await afterWarming(context?.tabId);
      // The durations the page shows (already checked against trackIds and 1 s - 2 h by the schema).
      const durations = new Map((seen ?? []).flatMap((track) => (track.durationMs === undefined ? [] : [[track.trackId, track.durationMs] as const])));
      const results = deps.themes.classify(trackIds, durations);
      // The titles are for the popup's search: stored alongside, the badges do not wait for them.
      if (seen && seen.length > 0) void remember(seen);
      return results;
    },

    async search({ query }) {
      const linked = trackIdFromInput(query);
      if (linked) {
        const known = await deps.seen.get([linked]);
        return { source: 'link', hits: await withResults([...known.values()], [linked]) };
      }
      const spotify = await deps.account.status();
      if (spotify.connected) {
        let found: FoundTrack[];
        try {
          found = await deps.account.searchTracks(query, SEARCH_LIMIT);
        } catch (error) {
          const hits = await withResults(await deps.seen.search(query, SEARCH_LIMIT));
          return { source: 'seen', hits, notice: `Spotify search failed (${errorMessage(error)}); showing tracks you have seen.` };
        }
        await remember(found);
        const durations = new Map(found.flatMap((track) => (track.durationMs === undefined ? [] : [[track.trackId, track.durationMs] as const])));
        return { source: 'spotify', hits: await withResults(found, [], durations) };
      }
      return { source: 'seen', hits: await withResults(await deps.seen.search(query, SEARCH_LIMIT)) };
    },

    status,

    async connectSpotify({ clientId }) {
      await deps.account.connect(clientId);
      return status();
    },

    async disconnectSpotify() {
      await deps.account.disconnect();
      return status();
    },

    async clearCache() {
      await Promise.all([deps.cache.clear(), deps.lists.clear()]);
      return status();
    },

    async prepareSave(request) {
      return { jobId: await deps.saves.prepare(request) };
    },

    saveJob: ({ jobId }) => deps.saves.view(jobId),

    startSave: ({ jobId, name }) => deps.saves.start(jobId, name),

    async prepareRead({ list, listName }, context) {
      return { jobId: await deps.reads.prepare(list, listName, context?.tabId) };
    },

    readJob: ({ jobId }) => deps.reads.view(jobId),

    startRead: ({ jobId }) => deps.reads.start(jobId),

    async reportList(report, context) {
      if (context?.tabId === undefined) throw new Error('a list report must come from a Spotify tab');
      deps.tabLists.set(context.tabId, report);
      // Only for the warm start: a failure (quota) costs that, not the report.
      if (report.list) await deps.lists.remember(report.list, report).catch((error: unknown) => log.warn('Playlist Predictor: could not remember the list', error));
      return {};
    },

    warmList: ({ list, from = 0 }, context) =>
      trackWarming(
        context?.tabId,
        (async () => {
          const ids = await deps.lists.trackIds(list, WARM_LIST_MAX_TRACKS);
          const end = from + (from === 0 ? WARM_LIST_FIRST_PAGE_TRACKS : WARM_LIST_PAGE_TRACKS);
          const page = ids.slice(from, end);
          return { results: page.length === 0 ? [] : await deps.themes.classifyCached(page), next: end < ids.length ? end : null };
        })(),
      ),

    tabList: async ({ tabId }) => ({ report: deps.tabLists.get(tabId) }),
  };
}
