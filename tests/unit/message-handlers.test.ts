import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMessageHandlers, SEARCH_LIMIT, WARM_FIRST_WAIT_MS, type SpotifyAccount, type SeenTrackStore } from '@/lib/background/message-handlers';
import { PredictorDatabase, type TrackInfo } from '@/lib/background/cache';
import { WARM_LIST_FIRST_PAGE_TRACKS, WARM_LIST_MAX_TRACKS, WARM_LIST_PAGE_TRACKS } from '@/lib/shared/messaging';
import { createListMemory } from '@/lib/background/list-memory';
import type { ReadService } from '@/lib/background/list-reader';
import type { SaveService } from '@/lib/background/save-service';
import { createTabLists } from '@/lib/background/tab-lists';
import type { SaveJobView, TrackResult } from '@/lib/shared/messaging';
import type { ThemeService } from '@/lib/background/theme-service';
import { trackId } from './support/fixtures';

const ok = (id: string): TrackResult => ({ trackId: id, status: 'ok', theme: 'party', probability: 0.8, uncertain: false, probabilities: { party: 0.8, sleep: 0.2 }, provider: 'reccobeats', fetchedAt: 0, topThemes: [{ theme: 'party', probability: 0.8 }], why: [] });

const JOB_ID = '00000000-0000-4000-8000-000000000002';
const SAVE_VIEW: SaveJobView = { id: JOB_ID, name: 'Mix · Workout', description: '', count: 1, preview: [], added: 0, state: 'ready', connected: true, needsScope: false };

const databases: PredictorDatabase[] = [];
afterEach(async () => {
  for (const db of databases.splice(0)) await db.delete();
});

function fakes(options: { connected?: boolean; searchFails?: string; cached?: readonly string[]; warmGate?: () => Promise<void> } = {}) {
  const classified: string[][] = [];
  const classifiedCached: string[][] = [];
  const durationsGiven: Map<string, number>[] = [];
  const cachedIds = new Set(options.cached ?? []);
  const themes: ThemeService = {
    async classify(ids, durations = new Map()) {
      classified.push([...ids]);
      durationsGiven.push(new Map(durations));
      return ids.map(ok);
    },
    async classifyCached(ids) {
      classifiedCached.push([...ids]);
      await options.warmGate?.();
      return ids.filter((id) => cachedIds.has(id)).map(ok);
    },
  };
  const db = new PredictorDatabase(`handlers-${crypto.randomUUID()}`);
  databases.push(db);
  const lists = createListMemory(db);
  const remembered: TrackInfo[][] = [];
  const store = new Map<string, TrackInfo>();
  const seen: SeenTrackStore = {
    async remember(tracks) {
      remembered.push([...tracks]);
      for (const t of tracks) store.set(t.trackId, t);
    },
    async search(query) {
      const q = query.toLowerCase();
      return [...store.values()].filter((t) => `${t.name} ${t.artists.join(' ')}`.toLowerCase().includes(q));
    },
    async get(ids) {
      return new Map(ids.flatMap((id) => (store.has(id) ? [[id, store.get(id) as TrackInfo] as const] : [])));
    },
  };
  const spotifySearches: { query: string; limit: number }[] = [];
  const account: SpotifyAccount = {
    redirectUri: () => 'https://fgoeenodbimpnlcedfdaladkedgdeghi.chromiumapp.org/',
    status: async () => ({ clientId: options.connected ? 'c'.repeat(32) : null, connected: options.connected ?? false, audioFeatures: { state: 'unknown' }, problem: null }),
    connect: vi.fn(async () => undefined),
    disconnect: vi.fn(async () => undefined),
    async searchTracks(query, limit) {
      spotifySearches.push({ query, limit });
      if (options.searchFails) throw new Error(options.searchFails);
      return [
        { trackId: trackId(900), name: `Spotify hit for ${query}`, artists: ['Someone'], durationMs: 201_234 },
        { trackId: trackId(901), name: `No duration for ${query}`, artists: ['Someone'] },
      ];
    },
  };
  const cache = { stats: async () => ({ tracks: 3, bytes: 1200, limit: 100_000, problem: null }), clear: vi.fn(async () => undefined) };
  const saves: SaveService = {
    prepare: vi.fn(async () => JOB_ID),
    view: vi.fn(async () => SAVE_VIEW),
    start: vi.fn(async () => ({ ...SAVE_VIEW, state: 'done' as const, added: 1 })),
  };
  const reads: ReadService = { prepare: vi.fn(async () => JOB_ID), view: vi.fn(), start: vi.fn() };
  const handlers = createMessageHandlers({ themes, account, seen, cache, saves, reads, tabLists: createTabLists(), lists, log: { warn: vi.fn() } });
  return { handlers, classified, classifiedCached, durationsGiven, remembered, spotifySearches, account, cache, seen, saves, lists };
}

describe('message handlers', () => {
  it('classify stores what the page showed of the tracks, then classifies them', async () => {
    const { handlers, classified, remembered } = fakes();
    const [a, b] = [trackId(1), trackId(2)];
    const results = await handlers.classify({ trackIds: [a, b], seen: [{ trackId: a, name: 'Song A', artists: ['X'] }] });
    expect(results.map((r) => r.trackId)).toEqual([a, b]);
    expect(classified).toEqual([[a, b]]);
    expect(remembered).toEqual([[{ trackId: a, name: 'Song A', artists: ['X'] }]]);
  });

  it('classify passes the durations the page showed to the theme service, and stores titles without them (issue 10)', async () => {
    const { handlers, durationsGiven, remembered } = fakes();
    const [a, b, c] = [trackId(1), trackId(2), trackId(3)];
    await handlers.classify({
      trackIds: [a, b, c],
      seen: [
        { trackId: a, name: 'Song A', artists: ['X'], durationMs: 187_000 },
        { trackId: b, name: 'Song B', artists: [] },
        { trackId: c, name: '', artists: [], durationMs: 7_200_000 },
      ],
    });
    expect(durationsGiven).toEqual([new Map([[a, 187_000], [c, 7_200_000]])]);
    expect(remembered).toHaveLength(1);
    await handlers.classify({ trackIds: [a] });
    expect(durationsGiven[1]).toEqual(new Map());
  });

  it("search classifies Spotify hits with their duration_ms, and a pasted link with none of its own (the cache's, see the theme service)", async () => {
    const { handlers, durationsGiven } = fakes({ connected: true });
    await handlers.search({ query: 'night drive' });
    expect(durationsGiven).toEqual([new Map([[trackId(900), 201_234]])]);
    await handlers.search({ query: `spotify:track:${trackId(8)}` });
    expect(durationsGiven[1]).toEqual(new Map());
  });

  it('search classifies a pasted track URL directly, with the title when it was seen', async () => {
    const { handlers, spotifySearches } = fakes({ connected: true });
    const a = trackId(7);
    await handlers.classify({ trackIds: [a], seen: [{ trackId: a, name: 'Seen Song', artists: ['Band'] }] });
    const response = await handlers.search({ query: `https://open.spotify.com/track/${a}?si=abc` });
    expect(response.source).toBe('link');
    expect(response.hits).toEqual([{ trackId: a, name: 'Seen Song', artists: ['Band'], result: ok(a) }]);
    expect(spotifySearches).toEqual([]);
  });

  it('search classifies a pasted spotify:track: URI directly', async () => {
    const { handlers, spotifySearches } = fakes({ connected: true });
    const a = trackId(8);
    const response = await handlers.search({ query: ` spotify:track:${a} ` });
    expect(response).toEqual({ source: 'link', hits: [{ trackId: a, name: null, artists: [], result: ok(a) }] });
    expect(spotifySearches).toEqual([]);
  });

  it('search uses Spotify search with limit 10 when connected', async () => {
    const { handlers, spotifySearches } = fakes({ connected: true });
    const response = await handlers.search({ query: 'night drive' });
    expect(SEARCH_LIMIT).toBe(10);
    expect(spotifySearches).toEqual([{ query: 'night drive', limit: 10 }]);
    expect(response).toMatchObject({ source: 'spotify', hits: [{ trackId: trackId(900), name: 'Spotify hit for night drive', result: { status: 'ok' } }, { trackId: trackId(901) }] });
  });

  it('search falls back to seen tracks, saying why, when Spotify search fails', async () => {
    const { handlers } = fakes({ connected: true, searchFails: 'spotify: HTTP 429' });
    const a = trackId(3);
    await handlers.classify({ trackIds: [a], seen: [{ trackId: a, name: 'Night Drive', artists: ['Band'] }] });
    const response = await handlers.search({ query: 'night' });
    expect(response.source).toBe('seen');
    expect(response.notice).toContain('spotify: HTTP 429');
    expect(response.hits.map((h) => h.trackId)).toEqual([a]);
  });

  it('search without a connection looks through seen tracks only', async () => {
    const { handlers, spotifySearches } = fakes();
    expect(await handlers.search({ query: 'nothing seen yet' })).toEqual({ source: 'seen', hits: [] });
    expect(spotifySearches).toEqual([]);
  });

  it('status, connect, disconnect and clearCache answer with the status', async () => {
    const { handlers, account, cache } = fakes();
    const status = await handlers.status({});
    expect(status).toEqual({
      spotify: { redirectUri: 'https://fgoeenodbimpnlcedfdaladkedgdeghi.chromiumapp.org/', clientId: null, connected: false, audioFeatures: { state: 'unknown' }, problem: null },
      cache: { tracks: 3, bytes: 1200, limit: 100_000, lists: 0, problem: null },
    });
    expect(await handlers.connectSpotify({ clientId: 'a'.repeat(32) })).toEqual(status);
    expect(account.connect).toHaveBeenCalledWith('a'.repeat(32));
    await handlers.disconnectSpotify({});
    expect(account.disconnect).toHaveBeenCalledOnce();
    await handlers.clearCache({});
    expect(cache.clear).toHaveBeenCalledOnce();
  });

  describe('warm start (reportList, warmList)', () => {
    const item = (position: number, id: string) => ({ trackId: id, name: `Song ${position}`, artists: ['X'], position, state: { status: 'loading' as const } });
    const list = { kind: 'playlist' as const, id: 'abc123' };
    const sender = { tabId: 7 };

    it('a list reported before is answered with the cached results of its tracks, in list order; a list never reported gets none, without asking the theme service', async () => {
      const [a, b, c] = [trackId(1), trackId(2), trackId(3)];
      const { handlers, classifiedCached } = fakes({ cached: [a, c] });
      expect(await handlers.warmList({ list })).toEqual({ results: [], next: null });
      expect(classifiedCached).toEqual([]);
      await handlers.reportList({ listName: 'Mix', list, items: [item(0, c), item(1, b), item(2, a)] }, sender);
      const { results } = await handlers.warmList({ list });
      expect(results.map((r) => r.trackId)).toEqual([c, a]);
      expect(classifiedCached).toEqual([[c, b, a]]);
      expect(await handlers.warmList({ list: { kind: 'album', id: 'abc123' } })).toEqual({ results: [], next: null });
    });

    it(`answers in pages from the top, ${WARM_LIST_FIRST_PAGE_TRACKS} tracks and then ${WARM_LIST_PAGE_TRACKS}, and covers at most the list's first ${WARM_LIST_MAX_TRACKS}`, async () => {
      const ids = Array.from({ length: WARM_LIST_MAX_TRACKS + 5 }, (_, i) => trackId(i));
      const { handlers, classifiedCached } = fakes({ cached: ids });
      await handlers.reportList({ listName: 'Long', list, items: ids.map((id, i) => item(i, id)) }, sender);
      const pages: { from: number; count: number; next: number | null }[] = [];
      for (let from: number | null = 0; from !== null; ) {
        const answer: Awaited<ReturnType<typeof handlers.warmList>> = await handlers.warmList({ list, from });
        pages.push({ from, count: answer.results.length, next: answer.next });
        from = answer.next;
      }
      // 1,000 = 50 + 3 × 250 + 200 (written out, so a change of the constants is seen here).
      expect([WARM_LIST_FIRST_PAGE_TRACKS, WARM_LIST_PAGE_TRACKS, WARM_LIST_MAX_TRACKS]).toEqual([50, 250, 1_000]);
      expect(pages).toEqual([
        { from: 0, count: 50, next: 50 },
        { from: 50, count: 250, next: 300 },
        { from: 300, count: 250, next: 550 },
        { from: 550, count: 250, next: 800 },
        { from: 800, count: 200, next: null },
      ]);
      expect(classifiedCached.flat()).toEqual(ids.slice(0, WARM_LIST_MAX_TRACKS));
      // A short list: one page, no next.
      await handlers.reportList({ listName: 'Short', list: { kind: 'liked' }, items: ids.slice(0, 3).map((id, i) => item(i, id)) }, sender);
      expect(await handlers.warmList({ list: { kind: 'liked' } })).toMatchObject({ results: ids.slice(0, 3).map((id) => ({ trackId: id })), next: null });
    });

    it('a report without a Web API list (e.g. a list the page does not name) is kept for the popup only; clearCache forgets every list', async () => {
      const a = trackId(1);
      const { handlers, lists } = fakes({ cached: [a] });
      await handlers.reportList({ listName: 'Unnamed', items: [item(0, a)] }, sender);
      expect(await handlers.tabList({ tabId: sender.tabId })).toMatchObject({ report: { listName: 'Unnamed' } });
      expect((await handlers.status({})).cache.lists, 'lists remembered before a report with a Web API list').toBe(0);
      await handlers.reportList({ listName: 'Mix', list, items: [item(0, a)] }, sender);
      expect(await lists.trackIds(list, 10)).toEqual([a]);
      expect((await handlers.status({})).cache.lists, 'lists remembered in the status').toBe(1);
      await handlers.clearCache({});
      expect(await lists.trackIds(list, 10)).toEqual([]);
      expect((await handlers.status({})).cache.lists, 'lists remembered after clearCache').toBe(0);
      expect(await handlers.warmList({ list })).toEqual({ results: [], next: null });
    });

    /** `promise` itself (`value`), and whether it has settled yet (`done`), read without waiting for it. */
    function watch<T>(promise: Promise<T>): { readonly done: () => boolean; readonly value: Promise<T> } {
      let settled = false;
      void promise.then(
        () => (settled = true),
        () => (settled = true),
      );
      return { done: () => settled, value: promise };
    }

    it("a tab's classify answers after that tab's warm start page in flight, so the warm answer is never overtaken; other tabs and extension pages do not wait", async () => {
      const [a, b] = [trackId(1), trackId(2)];
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const { handlers, classified } = fakes({ cached: [a, b], warmGate: () => gate });
      await handlers.reportList({ listName: 'Mix', list, items: [item(0, a), item(1, b)] }, sender);
      const warm = watch(handlers.warmList({ list }, sender));
      const ownRows = watch(handlers.classify({ trackIds: [a] }, sender));
      // Another tab, and the popup (no tab), are answered while the warm page is still open.
      expect((await handlers.classify({ trackIds: [b] }, { tabId: sender.tabId + 1 })).map((r) => r.trackId)).toEqual([b]);
      expect((await handlers.classify({ trackIds: [b] }, {})).map((r) => r.trackId)).toEqual([b]);
      await vi.waitFor(() => expect(classified).toHaveLength(2));
      expect({ warm: warm.done(), ownRows: ownRows.done(), classified }, 'while the warm page is open').toEqual({ warm: false, ownRows: false, classified: [[b], [b]] });
      const order: string[] = [];
      void warm.value.then(() => order.push('warmList'));
      void ownRows.value.then(() => order.push('classify'));
      open();
      expect((await ownRows.value).map((r) => r.trackId)).toEqual([a]);
      expect((await warm.value).results.map((r) => r.trackId)).toEqual([a, b]);
      expect(order).toEqual(['warmList', 'classify']);
      // Settled: the tab's next classify does not wait.
      expect((await handlers.classify({ trackIds: [b] }, sender)).map((r) => r.trackId)).toEqual([b]);
    });

    it(`a warm start page that fails or never settles holds the tab's classify back for at most ${WARM_FIRST_WAIT_MS} ms`, async () => {
      const a = trackId(1);
      const failing = fakes({ cached: [a], warmGate: () => Promise.reject(new Error('the feature cache is gone')) });
      await failing.handlers.reportList({ listName: 'Mix', list, items: [item(0, a)] }, sender);
      const failed = failing.handlers.warmList({ list }, sender);
      await expect(failed).rejects.toThrow('the feature cache is gone');
      expect((await failing.handlers.classify({ trackIds: [a] }, sender)).map((r) => r.trackId)).toEqual([a]);

      const stuck = fakes({ cached: [a], warmGate: () => new Promise<void>(() => undefined) });
      await stuck.handlers.reportList({ listName: 'Mix', list, items: [item(0, a)] }, sender);
      // Only the timers: the fake IndexedDB behind the list memory runs on setImmediate.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        void stuck.handlers.warmList({ list }, sender);
        const rows = watch(stuck.handlers.classify({ trackIds: [a] }, sender));
        await vi.advanceTimersByTimeAsync(WARM_FIRST_WAIT_MS - 1);
        expect(rows.done(), `answered before ${WARM_FIRST_WAIT_MS} ms`).toBe(false);
        await vi.advanceTimersByTimeAsync(1);
        expect((await rows.value).map((r) => r.trackId)).toEqual([a]);
      } finally {
        vi.useRealTimers();
      }
    });

    it('a list memory that cannot be written costs the warm start only: the report is kept and answered', async () => {
      const a = trackId(1);
      const { handlers, lists } = fakes({ cached: [a] });
      vi.spyOn(lists, 'remember').mockRejectedValue(new DOMException('full', 'QuotaExceededError'));
      await expect(handlers.reportList({ listName: 'Mix', list, items: [item(0, a)] }, sender)).resolves.toEqual({});
      expect(await handlers.tabList({ tabId: sender.tabId })).toMatchObject({ report: { listName: 'Mix' } });
    });
  });
});
