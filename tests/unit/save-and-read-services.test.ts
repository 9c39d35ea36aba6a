import { describe, expect, it, vi } from 'vitest';
import { createReadService, readWholeList, scopeFor } from '@/lib/background/list-reader';
import { contextOf } from '@/lib/background/message-router';
import { actionAccountOf, createSaveService, jobStoreOver, MAX_KEPT_JOBS, SAVE_SCOPE } from '@/lib/background/save-service';
import { SpotifyApiError, type SpotifyClient } from '@/lib/background/spotify-client';
import type { PlaylistsApi } from '@/lib/background/spotify-playlists';
import { MAX_SAVE_TRACKS, type PanelNotice } from '@/lib/shared/messaging';
import { trackId } from './support/fixtures';
import { memoryJobStore } from './support/save-fakes';

const NO_WAIT = { retries: 2, minTimeout: 0, factor: 1, maxTimeout: 0 };
let ids = 0;
const newId = () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`;

/** A connection whose granted scopes grow as `ensureScopes` asks (as Spotify's consent does). */
function fakeAccount(connected = true) {
  const granted = new Set<string>();
  const asked: string[][] = [];
  return {
    asked,
    account: {
      connection: async () => ({ connected, scope: [...granted].join(' ') }),
      ensureScopes: vi.fn(async (scopes: readonly string[]) => {
        if (scopes.every((s) => granted.has(s))) return;
        asked.push([...scopes]);
        for (const s of scopes) granted.add(s);
      }),
    },
  };
}

function memoryPlaylists(): PlaylistsApi & { items: Map<string, string[]>; names: string[] } {
  const items = new Map<string, string[]>();
  const names: string[] = [];
  return {
    items,
    names,
    createPrivatePlaylist: async (name) => {
      names.push(name);
      const id = `pl${items.size + 1}`;
      items.set(id, []);
      return { id, url: `https://open.spotify.com/playlist/${id}` };
    },
    addItems: async (id, uris) => void items.get(id)?.push(...uris),
    itemUris: async (id) => [...(items.get(id) ?? [])],
  };
}

describe('the connection as the account actions see it', () => {
  it('gives the granted scopes when connected, none otherwise, and passes scope requests on', async () => {
    const ensureScopes = vi.fn(async () => {});
    const connected = actionAccountOf({ status: async () => ({ connected: true, problem: null, clientId: 'c', scope: 'playlist-modify-private', connectedAt: 0, accessTokenExpiresAt: 0, audioFeatures: { state: 'unknown' } }), ensureScopes });
    expect(await connected.connection()).toEqual({ connected: true, scope: 'playlist-modify-private' });
    await connected.ensureScopes(['user-library-read']);
    expect(ensureScopes).toHaveBeenCalledWith(['user-library-read']);
    expect(await actionAccountOf({ status: async () => ({ connected: false, problem: null }), ensureScopes }).connection()).toEqual({ connected: false, scope: '' });
  });
});

describe('save service (issue 12)', () => {
  const request = (n: number, themes: ('workout' | 'party')[] = ['workout']) => ({
    listName: 'Morning Run',
    themes,
    tracks: Array.from({ length: n }, (_, i) => ({ trackId: trackId(i % 3 === 2 ? 1 : i + 1), name: `Song ${i}`, artists: ['A'] })),
  });

  it('prepares a ready job (name, description, each track once, a preview) and opens its window; saving asks the scope once, then saves', async () => {
    const { account, asked } = fakeAccount();
    const api = memoryPlaylists();
    const opened: string[] = [];
    const saves = createSaveService({ account, api, jobs: memoryJobStore(), openConfirmation: async (id) => void opened.push(id), newId, now: () => Date.UTC(2026, 11, 5), retry: NO_WAIT });
    const jobId = await saves.prepare(request(6));
    expect(opened).toEqual([jobId]);
    const view = await saves.view(jobId);
    // Track 1 appears three times in the request: saved once.
    expect(view).toMatchObject({ name: 'Morning Run · Workout', count: 4, added: 0, state: 'ready', connected: true, needsScope: true });
    expect(view.preview).toEqual(['Song 0 — A', 'Song 1 — A', 'Song 3 — A', 'Song 4 — A']);
    expect(view.description).toContain('2026-12-05');

    const done = await saves.start(jobId, 'My own name');
    expect(done).toMatchObject({ state: 'done', added: 4, needsScope: false, playlistUrl: 'https://open.spotify.com/playlist/pl1' });
    expect(api.names).toEqual(['My own name']);
    expect(asked).toEqual([[SAVE_SCOPE]]);
    const second = await saves.prepare(request(2, ['workout', 'party']));
    expect((await saves.view(second)).name).toBe('Morning Run · Workout + Party');
    await saves.start(second, 'Morning Run · Workout + Party');
    expect(asked).toHaveLength(1);
    // A done job is not saved again.
    await saves.start(jobId, 'again');
    expect(api.items.size).toBe(2);
  });

  it('refuses to save when not connected, and says when a job is unknown', async () => {
    const saves = createSaveService({ account: fakeAccount(false).account, api: memoryPlaylists(), jobs: memoryJobStore(), openConfirmation: async () => {}, newId });
    const jobId = await saves.prepare(request(1));
    await expect(saves.start(jobId, 'x')).rejects.toThrow(/not connected/);
    await expect(saves.view('00000000-0000-4000-8000-999999999999')).rejects.toThrow(/no longer known/);
  });

  it('keeps the newest jobs in one storage item and reads an invalid one as absent', async () => {
    let value: unknown = [{ id: 'not a job' }];
    const store = jobStoreOver({ getValue: async () => value, setValue: async (v) => void (value = v) });
    expect(await store.load('not a job')).toBeUndefined();
    const saves = createSaveService({ account: fakeAccount().account, api: memoryPlaylists(), jobs: store, openConfirmation: async () => {}, newId, now: () => ids });
    const made: string[] = [];
    for (let i = 0; i < MAX_KEPT_JOBS + 2; i++) made.push(await saves.prepare(request(1)));
    expect(Array.isArray(value) ? value.length : -1).toBe(MAX_KEPT_JOBS);
    expect(await store.load(made[0] ?? '')).toBeUndefined();
    expect(await store.load(made.at(-1) ?? '')).toBeDefined();
  });
});

/** A client that answers each page of `pages` in turn and records the paths asked. */
function pagedClient(pages: unknown[] | ((path: string) => unknown)): SpotifyClient & { paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    async call(request, schema) {
      let path = '';
      const api = { makeRequest: async (_method: string, p: string) => (path = p) };
      await request(api as never);
      paths.push(path);
      const body = typeof pages === 'function' ? pages(path) : pages[paths.length - 1];
      if (body instanceof Error) throw body;
      return schema.parse(body);
    },
  };
}

describe('whole lists through the Web API (issue 12)', () => {
  const track = (n: number, extra: Record<string, unknown> = {}) => ({ id: trackId(n), type: 'track', name: `Song ${n}`, artists: [{ name: 'A' }, { name: 'B' }], duration_ms: 187_400, ...extra });

  it('pages a playlist\'s items (item, or the older track), keeps list order, and marks entries without a track', async () => {
    const client = pagedClient([
      { items: [{ item: track(1) }, { item: null }, { track: track(2) }], next: 'x', total: 4 },
      { items: [{ item: { id: 'episode1', type: 'episode', name: 'Podcast' } }], next: null, total: 4 },
    ]);
    const { tracks, total } = await readWholeList(client, { kind: 'playlist', id: 'abc' });
    expect(client.paths).toEqual(['playlists/abc/items?limit=50&offset=0', 'playlists/abc/items?limit=50&offset=50']);
    expect(total).toBe(4);
    expect(tracks).toEqual([{ trackId: trackId(1), name: 'Song 1', artists: ['A', 'B'], durationMs: 187_000 }, null, { trackId: trackId(2), name: 'Song 2', artists: ['A', 'B'], durationMs: 187_000 }, null]);
  });

  it('reads album tracks (track objects) and Liked Songs (saved tracks), with the scopes each needs', async () => {
    const album = pagedClient([{ items: [track(3, { duration_ms: undefined })], next: null, total: 1 }]);
    expect(await readWholeList(album, { kind: 'album', id: 'alb' })).toEqual({ tracks: [{ trackId: trackId(3), name: 'Song 3', artists: ['A', 'B'] }], total: 1 });
    expect(album.paths).toEqual(['albums/alb/tracks?limit=50&offset=0']);
    const liked = pagedClient([{ items: [{ added_at: 'x', track: track(4) }], next: null, total: 1 }]);
    expect((await readWholeList(liked, { kind: 'liked' })).tracks[0]?.trackId).toBe(trackId(4));
    expect(liked.paths).toEqual(['me/tracks?limit=50&offset=0']);
    expect([scopeFor({ kind: 'playlist', id: 'a' }), scopeFor({ kind: 'album', id: 'a' }), scopeFor({ kind: 'liked' })]).toEqual(['playlist-read-private', undefined, 'user-library-read']);
  });

  it('reads a list longer than one read takes up to MAX_SAVE_TRACKS from its start, and says how long the list is', async () => {
    const listLength = MAX_SAVE_TRACKS + 2_345;
    // Every page is full and has a next page, as a 12,345-track Liked Songs would.
    const client = pagedClient((path) => {
      const offset = Number(new URLSearchParams(path.split('?')[1]).get('offset'));
      return { items: Array.from({ length: 50 }, (_, i) => ({ track: track(((offset + i) % 500) + 1) })), next: 'x', total: listLength };
    });
    const { tracks, total } = await readWholeList(client, { kind: 'liked' });
    expect(tracks).toHaveLength(MAX_SAVE_TRACKS);
    expect(total).toBe(listLength);
    expect(client.paths).toHaveLength(MAX_SAVE_TRACKS / 50);
    expect(client.paths.at(-1)).toBe(`me/tracks?limit=50&offset=${MAX_SAVE_TRACKS - 50}`);
    // The notice and the window carry the length, so neither claims the whole list.
    const notices: PanelNotice[] = [];
    const reads = createReadService({ client: pagedClient((path) => ({ items: [{ track: track(1) }, { track: track(2) }], next: path.endsWith('offset=0') ? 'x' : null, total: 7 })), account: fakeAccount().account, openConfirmation: async () => {}, notifyTab: async (_tab, n) => void notices.push(n), newId });
    const id = await reads.prepare({ kind: 'liked' }, 'Liked Songs', 3);
    expect(await reads.start(id)).toMatchObject({ state: 'done', count: 4, total: 7 });
    expect(notices).toEqual([expect.objectContaining({ type: 'playlist-predictor:list', total: 7 })]);
  });

  it('sends the tracks to the tab that asked; a 403 is a fallback to scrolling with the reason; only a tab may ask', async () => {
    const notices: [number, PanelNotice][] = [];
    const { account, asked } = fakeAccount();
    const make = (client: SpotifyClient) => createReadService({ client, account, openConfirmation: async () => {}, notifyTab: async (tab, n) => void notices.push([tab, n]), newId });
    const reads = make(pagedClient([{ items: [{ item: track(1) }], next: null, total: 1 }]));
    const id = await reads.prepare({ kind: 'playlist', id: 'abc' }, 'Mix', 7);
    expect(await reads.view(id)).toMatchObject({ state: 'ready', needsScope: true, scope: 'playlist-read-private' });
    expect(await reads.start(id)).toMatchObject({ state: 'done', count: 1, total: 1, needsScope: false });
    expect(asked).toEqual([['playlist-read-private']]);
    expect(notices).toEqual([[7, { type: 'playlist-predictor:list', jobId: id, list: { kind: 'playlist', id: 'abc' }, tracks: [expect.objectContaining({ trackId: trackId(1) })], total: 1 }]]);

    const refused = make(pagedClient([new SpotifyApiError('http', 'HTTP 403 (Forbidden)', { status: 403 })]));
    const other = await refused.prepare({ kind: 'playlist', id: 'def' }, 'Other', 8);
    const view = await refused.start(other);
    expect(view).toMatchObject({ state: 'fallback', reason: 'Spotify refused to read this list for your app (HTTP 403 (Forbidden)); the panel reads it by scrolling instead.' });
    expect(notices[1]).toEqual([8, { type: 'playlist-predictor:list-refused', jobId: other, list: { kind: 'playlist', id: 'def' }, reason: view.reason }]);

    const failing = make(pagedClient([new SpotifyApiError('network', 'network error (offline)')]));
    const third = await failing.prepare({ kind: 'album', id: 'x' }, 'Album', 9);
    expect(await failing.start(third)).toMatchObject({ state: 'failed', reason: 'Could not read the list: network error (offline)' });
    await expect(failing.prepare({ kind: 'liked' }, 'Liked', undefined)).rejects.toThrow(/Spotify tab/);
  });

  it('the router tells handlers the sender\'s tab, and nothing else', () => {
    expect(contextOf({ tab: { id: 12, url: 'https://open.spotify.com/' } })).toEqual({ tabId: 12 });
    expect(contextOf({ tab: { id: -1 } })).toEqual({});
    expect(contextOf({ tab: null })).toEqual({});
    expect(contextOf({})).toEqual({});
  });
});
