import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSpotifyAuth } from '@/lib/background/auth/spotify-auth';
import { createTokenStore } from '@/lib/background/auth/token-store';
import { PredictorDatabase } from '@/lib/background/cache';
import { createSpotifyClient } from '@/lib/background/spotify-client';
import { SPOTIFY_SEARCH_MAX_LIMIT, createSpotifySearch } from '@/lib/background/spotify-search';
import { pastedLinkProblem, trackIdFromInput, trackIdFromUri } from '@/lib/shared/track-id';
import { trackId } from './support/fixtures';
import { connection, fakeIdentity, fakeSpotifyApi, fakeTokenEndpoint, jsonResponse, type ApiCall } from './support/spotify-fakes';

const openDatabases: PredictorDatabase[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const db of openDatabases.splice(0)) await db.delete();
});

const T0 = 1_800_000_000_000;

/** A search track object as Spotify documents it (more fields than are used). */
const track = (n: number, overrides: Record<string, unknown> = {}) => ({
  id: trackId(n),
  name: `Song ${n}`,
  type: 'track',
  uri: `spotify:track:${trackId(n)}`,
  artists: [{ id: 'x', name: `Artist ${n}` }, { id: 'y', name: 'Guest' }],
  album: {
    name: `Album ${n}`,
    images: [
      { url: `https://i.scdn.co/image/${n}-640`, width: 640, height: 640 },
      { url: `https://i.scdn.co/image/${n}-300`, width: 300, height: 300 },
      { url: `https://i.scdn.co/image/${n}-64`, width: 64, height: 64 },
    ],
  },
  duration_ms: 200_000 + n * 1_001,
  ...overrides,
});

async function setup(handler: (call: ApiCall, i: number) => Response | Promise<Response>, connected = true) {
  const db = new PredictorDatabase(`test-${crypto.randomUUID()}`);
  openDatabases.push(db);
  const store = createTokenStore(db);
  if (connected) await store.save(connection({ expiresAt: T0 + 3_600_000 }));
  const token = fakeTokenEndpoint(() => jsonResponse({ access_token: 'access-2', token_type: 'Bearer', expires_in: 3600, refresh_token: 'refresh-2' }));
  const auth = createSpotifyAuth({ store, identity: fakeIdentity(() => undefined).identity, fetch: token.fetch, now: () => T0, locks: null });
  const api = fakeSpotifyApi(handler);
  const search = createSpotifySearch(createSpotifyClient({ auth, fetch: api.fetch, retries: 1, now: () => T0 }));
  return { search, api, token };
}

describe('Spotify track search', () => {
  it('asks GET /v1/search for tracks with limit 10 by default and returns validated hits', async () => {
    const { search, api } = await setup(() => jsonResponse({ tracks: { items: [track(1), track(2, { album: { name: 'No art', images: [] } })] } }));
    const hits = await search.searchTracks('  daft punk  ');
    expect(api.calls).toHaveLength(1);
    const params = api.calls[0]?.url.searchParams;
    expect(api.calls[0]?.path).toBe('search');
    expect(params?.get('q')).toBe('daft punk');
    expect(params?.get('type')).toBe('track');
    expect(params?.get('limit')).toBe('10');
    expect(params?.has('market')).toBe(false);
    expect(api.calls[0]?.token).toBe('access-1');
    expect(hits).toEqual([
      { trackId: trackId(1), name: 'Song 1', artists: ['Artist 1', 'Guest'], album: 'Album 1', imageUrl: 'https://i.scdn.co/image/1-64', durationMs: 201_001 },
      { trackId: trackId(2), name: 'Song 2', artists: ['Artist 2', 'Guest'], album: 'No art', durationMs: 202_002 },
    ]);
  });

  it("passes each hit's duration_ms on as given, and leaves an absent or invalid one out without dropping the hit (issue 10)", async () => {
    const { search } = await setup(() =>
      jsonResponse({ tracks: { items: [track(1, { duration_ms: 0 }), track(2, { duration_ms: undefined }), track(3, { duration_ms: -1 }), track(4, { duration_ms: '200000' }), track(5, { duration_ms: 9_999_999 })] } }),
    );
    const hits = await search.searchTracks('x');
    expect(hits.map((h) => [h.trackId, h.durationMs])).toEqual([
      [trackId(1), 0],
      [trackId(2), undefined],
      [trackId(3), undefined],
      [trackId(4), undefined],
      // Not clamped here: the theme service normalizes every duration the same way.
      [trackId(5), 9_999_999],
    ]);
    expect(hits.every((h) => !('durationMs' in h) || typeof h.durationMs === 'number')).toBe(true);
  });

  it('passes a smaller limit and a market', async () => {
    const { search, api } = await setup(() => jsonResponse({ tracks: { items: [] } }));
    await search.searchTracks('x', { limit: 3, market: 'DE' });
    expect(api.calls[0]?.url.searchParams.get('limit')).toBe('3');
    expect(api.calls[0]?.url.searchParams.get('market')).toBe('DE');
  });

  it('refuses a limit above 10 (Spotify answers 400 since February 2026) or below 1 without a request', async () => {
    const { search, api } = await setup(() => jsonResponse({ tracks: { items: [] } }));
    expect(SPOTIFY_SEARCH_MAX_LIMIT).toBe(10);
    for (const limit of [11, 50, 0, 2.5]) await expect(search.searchTracks('x', { limit })).rejects.toThrow(RangeError);
    await expect(search.searchTracks('x', { market: 'germany' })).rejects.toThrow(RangeError);
    expect(api.calls).toHaveLength(0);
  });

  it('returns nothing for an empty query without a request', async () => {
    const { search, api } = await setup(() => jsonResponse({ tracks: { items: [] } }));
    expect(await search.searchTracks('   ')).toEqual([]);
    expect(api.calls).toHaveLength(0);
  });

  it('leaves out invalid items', async () => {
    const { search } = await setup(() => jsonResponse({ tracks: { items: [null, { id: 'short', name: 'x', artists: [] }, track(3, { name: 42 }), track(4)] } }));
    expect((await search.searchTracks('x')).map((h) => h.trackId)).toEqual([trackId(4)]);
  });

  it('refreshes once after a 401 and waits Retry-After after a 429', async () => {
    const { search, api, token } = await setup((call, i) => {
      if (call.token === 'access-1') return jsonResponse({ error: { status: 401, message: 'The access token expired' } }, 401);
      if (i === 1) return new Response('', { status: 429, headers: { 'Retry-After': '0' } });
      return jsonResponse({ tracks: { items: [track(5)] } });
    });
    expect((await search.searchTracks('x')).map((h) => h.trackId)).toEqual([trackId(5)]);
    expect(api.calls.map((c) => c.token)).toEqual(['access-1', 'access-2', 'access-2']);
    expect(token.calls).toHaveLength(1);
  });

  it('rejects a malformed envelope with a SpotifyApiError', async () => {
    const { search } = await setup(() => jsonResponse({ albums: {} }));
    await expect(search.searchTracks('x')).rejects.toMatchObject({ name: 'SpotifyApiError', kind: 'malformed' });
  });

  it('rejects with SpotifyApiError status 400 when Spotify refuses the request', async () => {
    const { search } = await setup(() => jsonResponse({ error: { status: 400, message: 'Invalid limit' } }, 400));
    await expect(search.searchTracks('x')).rejects.toMatchObject({ name: 'SpotifyApiError', kind: 'http', status: 400, message: 'HTTP 400 (Invalid limit)' });
  });

  it('rejects with a timeout SpotifyApiError when the answer\'s body stalls, at the 20 s deadline', async () => {
    let asked: () => void = () => {};
    const requested = new Promise<void>((resolve) => (asked = resolve));
    const { search } = await setup(() => {
      asked();
      const body = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new TextEncoder().encode('{"tracks":')) });
      return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
    });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let outcome: unknown;
    const pending = search.searchTracks('x').then(
      () => (outcome = 'resolved'),
      (error: unknown) => (outcome = error),
    );
    // The token comes from IndexedDB first (real macrotasks); the fake clock has not moved meanwhile.
    await requested;
    await vi.advanceTimersByTimeAsync(20_000 - 1);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(outcome).toMatchObject({ name: 'SpotifyApiError', kind: 'timeout', message: 'Spotify did not answer within 20 s' });
  });

  it('says "not connected" without a request when there is no connection', async () => {
    const { search, api } = await setup(() => jsonResponse({ tracks: { items: [] } }), false);
    await expect(search.searchTracks('x')).rejects.toMatchObject({ name: 'SpotifyAuthError', code: 'not-connected' });
    expect(api.calls).toHaveLength(0);
  });
});

describe('track ID from pasted text', () => {
  const id = '4uLU6hMCjMI75M1A2tKUQC';
  it('reads URLs, URIs and bare IDs', () => {
    expect(trackIdFromUri(`spotify:track:${id}`)).toBe(id);
    for (const text of [
      `https://open.spotify.com/track/${id}`,
      `https://open.spotify.com/track/${id}?si=abc123`,
      `https://open.spotify.com/intl-de/track/${id}`,
      `http://open.spotify.com/track/${id}`,
      `https://play.spotify.com/track/${id}`,
      `open.spotify.com/track/${id}?si=abc123`,
      `Open.Spotify.com/intl-de/track/${id}`,
      // A message with one link in it, as chat apps share a song.
      `Listen to this: https://open.spotify.com/track/${id}?si=abc123!`,
      `Song Title · Artist (<open.spotify.com/track/${id}>)`,
      `try spotify:track:${id}.`,
      `<https://open.spotify.com/track/${id}>.`,
      `  spotify:track:${id} `,
      id,
    ]) {
      expect(trackIdFromInput(text)).toBe(id);
    }
  });

  it('rejects everything else', () => {
    for (const text of [
      `spotify:album:${id}`,
      `spotify:track:${id.slice(1)}`,
      `https://open.spotify.com/album/${id}`,
      `https://evil.example/track/${id}`,
      `ftp://open.spotify.com/track/${id}`,
      `https://open.spotify.com.evil.example/track/${id}`,
      `open.spotify.com.evil.example/track/${id}`,
      `evil.example/open.spotify.com/track/${id}`,
      // Two links: which one is meant is not known.
      `https://open.spotify.com/track/${id} https://open.spotify.com/track/${id.slice(1)}A`,
      `look at https://evil.example/track/${id}`,
      'daft punk',
      '',
    ]) {
      expect(trackIdFromInput(text), text).toBeUndefined();
    }
    expect(trackIdFromUri(`spotify:track:${id}:extra`)).toBeUndefined();
  });
});

describe('why a pasted link cannot be classified', () => {
  const id = '4uLU6hMCjMI75M1A2tKUQC';
  it('has nothing to say about track links and plain words', () => {
    for (const text of [`https://open.spotify.com/track/${id}?si=x`, `spotify:track:${id}`, id, 'daft punk', 'AC/DC: Back in Black', 'www.example', 'open.spotify.com mix', `listen: open.spotify.com/track/${id}`, '']) {
      expect(pastedLinkProblem(text), text).toBeNull();
    }
  });

  it('names what a Spotify link to something else points at, and where its tracks get badges', () => {
    expect(pastedLinkProblem(`https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M?si=1`)).toBe(
      'That is a link to a playlist. The popup classifies one track at a time: paste a track link, or open it on open.spotify.com, where every track gets its badge and the occasion panel profiles the list.',
    );
    expect(pastedLinkProblem(`https://open.spotify.com/intl-pt-BR/album/${id}`)).toMatch(/^That is a link to an album\. .*occasion panel profiles the list\.$/);
    expect(pastedLinkProblem(`spotify:album:${id}`)).toMatch(/^That is a link to an album\./);
    expect(pastedLinkProblem(`spotify:user:someone:playlist:${id}`)).toMatch(/^That is a link to a playlist\./);
    expect(pastedLinkProblem('spotify:user:someone')).toMatch(/^That is a link to a profile\./);
    expect(pastedLinkProblem('https://open.spotify.com/collection/tracks')).toMatch(/^That is a link to your library\./);
    expect(pastedLinkProblem(`https://open.spotify.com/artist/${id}`)).toBe(
      'That is a link to an artist. The popup classifies one track at a time: paste a track link, or open it on open.spotify.com, where its tracks get their badges.',
    );
    for (const text of [`https://open.spotify.com/episode/${id}`, `spotify:show:${id}`]) expect(pastedLinkProblem(text), text).toMatch(/only music tracks have the audio features/);
    expect(pastedLinkProblem('https://open.spotify.com/')).toMatch(/^That Spotify link is not a track link: paste one such as https:\/\/open\.spotify\.com\/track\/… or spotify:track:…\.$/);
    expect(pastedLinkProblem('spotify:something:else')).toMatch(/^That Spotify link is not a track link/);
    // In a message, and without its scheme, as some apps copy a link.
    expect(pastedLinkProblem(`New album! https://open.spotify.com/album/${id}?si=x`)).toMatch(/^That is a link to an album\./);
    expect(pastedLinkProblem('open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M')).toMatch(/^That is a link to a playlist\./);
    expect(pastedLinkProblem('open.spotify.com/track/short')).toBe('That track link has no valid track ID: after /track/ come 22 letters and digits.');
    // Several different links: which one is meant is not known. The same link twice is one.
    expect(pastedLinkProblem(`https://open.spotify.com/track/${id} and spotify:track:${id.slice(1)}A`)).toBe('That text holds 2 Spotify links: paste one of them.');
    expect(pastedLinkProblem(`https://open.spotify.com/track/${id} https://open.spotify.com/track/${id}`)).toBeNull();
  });

  it('says when a track link has no valid ID', () => {
    for (const text of ['https://open.spotify.com/track/short', `https://open.spotify.com/track/${id}x`, 'https://open.spotify.com/intl-de/track/']) {
      expect(pastedLinkProblem(text), text).toBe('That track link has no valid track ID: after /track/ come 22 letters and digits.');
    }
    expect(pastedLinkProblem(`spotify:track:${id.slice(2)}`)).toBe('That Spotify URI has no valid track ID: after spotify:track: come 22 letters and digits.');
  });

  it('refuses short links and other sites with the reason', () => {
    for (const text of ['https://spotify.link/AbCdEf123', 'https://spotify.app.link/AbCdEf123?_p=x']) expect(pastedLinkProblem(text), text).toMatch(/^Short links cannot be followed here/);
    for (const text of [`https://evil.example/track/${id}`, 'https://other.app.link/x', `https://open.spotify.com.evil.example/track/${id}`, 'http://youtube.com/watch?v=x']) {
      expect(pastedLinkProblem(text), text).toBe('Only Spotify track links can be classified (https://open.spotify.com/track/… or spotify:track:…).');
    }
  });
});
