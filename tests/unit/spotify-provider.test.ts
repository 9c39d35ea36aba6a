import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AudioFeatures } from '@/model/features';
import { createSpotifyAuth, type SpotifyAuth } from '@/lib/background/auth/spotify-auth';
import { createTokenStore, type TokenStore } from '@/lib/background/auth/token-store';
import { PredictorDatabase } from '@/lib/background/cache';
import { createSpotifyProvider } from '@/lib/background/providers/spotify';
import { createSpotifyClient, type SpotifyClientOptions } from '@/lib/background/spotify-client';
import { makeFeatures, trackId } from './support/fixtures';
import { CLIENT_ID, connection, fakeIdentity, fakeSpotifyApi, fakeTokenEndpoint, jsonResponse, type ApiCall } from './support/spotify-fakes';

const openDatabases: PredictorDatabase[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const db of openDatabases.splice(0)) await db.delete();
});

const T0 = 1_800_000_000_000;
const ids = (n: number, prefix = 'S') => Array.from({ length: n }, (_, i) => trackId(i, prefix));

/** Features that differ per track, so a mix-up of tracks shows. */
function featuresFor(id: string): AudioFeatures {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) % 10_007;
  return makeFeatures({ tempo: 60 + (h % 200), valence: (h % 1000) / 1000, key: (h % 13) - 1 });
}

/** A Spotify audio-features object as documented, with the fields the model does not use. */
const item = (id: string, features: Partial<Record<keyof AudioFeatures, unknown>> = featuresFor(id)) => ({
  ...features,
  type: 'audio_features',
  id,
  uri: `spotify:track:${id}`,
  track_href: `https://api.spotify.com/v1/tracks/${id}`,
  analysis_url: `https://api.spotify.com/v1/audio-analysis/${id}`,
  duration_ms: 200_000,
  time_signature: 4,
});
const knowsAll = (call: ApiCall) => jsonResponse({ audio_features: call.ids.map((id) => item(id)) });

interface Setup {
  readonly store: TokenStore;
  readonly auth: SpotifyAuth;
  readonly tokenCalls: ReturnType<typeof fakeTokenEndpoint>['calls'];
}

/** A connected user (token valid for an hour) with a fake token endpoint that rotates tokens. */
async function connected(overrides: Parameters<typeof connection>[0] = {}): Promise<Setup> {
  const db = new PredictorDatabase(`test-${crypto.randomUUID()}`);
  openDatabases.push(db);
  const store = createTokenStore(db);
  await store.save(connection({ expiresAt: T0 + 3_600_000, ...overrides }));
  const token = fakeTokenEndpoint((_, i) => jsonResponse({ access_token: `access-${i + 2}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `refresh-${i + 2}` }));
  const identity = fakeIdentity(() => undefined).identity;
  const auth = createSpotifyAuth({ store, identity, fetch: token.fetch, now: () => T0, locks: null });
  return { store, auth, tokenCalls: token.calls };
}

function provider(setup: Setup, api: ReturnType<typeof fakeSpotifyApi>, options: Partial<SpotifyClientOptions> = {}) {
  const client = createSpotifyClient({ auth: setup.auth, fetch: api.fetch, retries: 0, now: () => T0, ...options });
  return createSpotifyProvider({ client, store: setup.store, now: () => T0 });
}

describe('Spotify provider: requests and mapping', () => {
  it('asks GET /v1/audio-features in batches of 100 with the bearer token, maps by id, and marks the client ID available', async () => {
    const setup = await connected();
    const api = fakeSpotifyApi((call) => jsonResponse({ audio_features: [...call.ids].reverse().map((id) => item(id)) }));
    const p = provider(setup, api);
    const wanted = ids(250);
    const result = await p.getAudioFeatures(wanted);

    expect(p.id).toBe('spotify');
    expect(api.calls.map((c) => c.ids.length)).toEqual([100, 100, 50]);
    expect(api.calls.flatMap((c) => c.ids)).toEqual(wanted);
    for (const c of api.calls) {
      expect(c.path).toBe('audio-features');
      expect(c.token).toBe('access-1');
    }
    expect(result.errors.size).toBe(0);
    for (const id of wanted) expect(result.features.get(id)).toEqual(featuresFor(id));
    expect(Object.keys(result.features.get(wanted[0] as string) ?? {}).sort()).toEqual(
      ['acousticness', 'danceability', 'energy', 'instrumentalness', 'key', 'liveness', 'loudness', 'mode', 'speechiness', 'tempo', 'valence'],
    );
    expect(await setup.store.getAvailability(CLIENT_ID)).toEqual({ state: 'available', checkedAt: T0 });
    expect(await p.skipReason?.()).toBeUndefined();
  });

  it('treats null items as unknown tracks and ignores IDs that were not asked for', async () => {
    const setup = await connected();
    const [a, b, c] = ids(3);
    const stranger = trackId(99, 'X');
    const api = fakeSpotifyApi(() => jsonResponse({ audio_features: [item(a as string), null, item(stranger), null] }));
    const result = await provider(setup, api).getAudioFeatures([a as string, b as string, c as string]);
    expect([...result.features.keys()]).toEqual([a]);
    expect(result.errors.size).toBe(0);
  });

  it("passes each item's duration_ms on in durations (issue 10); a missing or invalid one leaves the features alone", async () => {
    const setup = await connected();
    const [a, b, c, d] = ids(4) as [string, string, string, string];
    const withoutDuration: Record<string, unknown> = item(c);
    delete withoutDuration.duration_ms;
    const api = fakeSpotifyApi(() => jsonResponse({ audio_features: [{ ...item(a), duration_ms: 187_123 }, { ...item(b), duration_ms: -1 }, withoutDuration, { ...item(d), duration_ms: '200000' }] }));
    const result = await provider(setup, api).getAudioFeatures([a, b, c, d]);
    expect([...result.features.keys()]).toEqual([a, b, c, d]);
    expect(result.durations).toEqual(new Map([[a, 187_123]]));
    expect(result.errors.size).toBe(0);
  });

  it('makes no request and skips when not connected', async () => {
    const setup = await connected();
    await setup.auth.disconnect();
    const api = fakeSpotifyApi(knowsAll);
    const p = provider(setup, api);
    expect(await p.skipReason?.()).toEqual({ reason: 'not-connected', message: 'Spotify is not connected' });
    const result = await p.getAudioFeatures(ids(3));
    expect(api.calls).toHaveLength(0);
    expect(result.features.size + result.errors.size).toBe(0);
  });
});

describe('Spotify provider: 403 means "not available to this app"', () => {
  it('marks the client ID unavailable with the reason, stops asking, and leaves the tracks unknown for the next provider', async () => {
    const setup = await connected();
    const api = fakeSpotifyApi(() => jsonResponse({ error: { status: 403 } }, 403));
    const p = provider(setup, api);
    const result = await p.getAudioFeatures(ids(250));
    expect(api.calls).toHaveLength(1);
    expect(result.features.size).toBe(0);
    expect(result.errors.size).toBe(0);
    expect(await setup.store.getAvailability(CLIENT_ID)).toEqual({ state: 'unavailable', reason: 'HTTP 403 from GET /v1/audio-features', checkedAt: T0 });
    expect(await p.skipReason?.()).toMatchObject({ reason: 'unavailable', message: expect.stringMatching(/not available to this Spotify app.*403/) });
    expect(await setup.auth.status()).toMatchObject({ connected: true, audioFeatures: { state: 'unavailable' } });

    await p.getAudioFeatures(ids(5, 'R'));
    expect(api.calls).toHaveLength(1);
  });

  it('keeps Spotify\'s message in the reason when the 403 has one', async () => {
    const setup = await connected();
    const api = fakeSpotifyApi(() => jsonResponse({ error: { status: 403, message: 'Forbidden' } }, 403));
    await provider(setup, api).getAudioFeatures(ids(1));
    expect(await setup.store.getAvailability(CLIENT_ID)).toMatchObject({ reason: 'HTTP 403 from GET /v1/audio-features: Forbidden' });
  });
});

describe('Spotify provider: 401, 429, network, timeouts', () => {
  it('refreshes the token once after a 401 and retries with the new token', async () => {
    const setup = await connected();
    const api = fakeSpotifyApi((call) => (call.token === 'access-1' ? jsonResponse({ error: { status: 401, message: 'The access token expired' } }, 401) : knowsAll(call)));
    const wanted = ids(3);
    const result = await provider(setup, api).getAudioFeatures(wanted);
    expect(api.calls.map((c) => c.token)).toEqual(['access-1', 'access-2']);
    expect(setup.tokenCalls).toHaveLength(1);
    expect(setup.tokenCalls[0]?.form.get('refresh_token')).toBe('refresh-1');
    expect(result.features.size).toBe(3);
    expect(await setup.store.load()).toMatchObject({ refreshToken: 'refresh-2' });
  });

  it('gives up after a second 401 with an error per ID, having refreshed once', async () => {
    const setup = await connected();
    const api = fakeSpotifyApi(() => jsonResponse({ error: { status: 401, message: 'Invalid access token' } }, 401));
    const wanted = ids(2);
    const result = await provider(setup, api).getAudioFeatures(wanted);
    expect(api.calls).toHaveLength(2);
    expect(setup.tokenCalls).toHaveLength(1);
    for (const id of wanted) expect(result.errors.get(id)).toBe('spotify: HTTP 401 (Invalid access token) for audio features');
  });

  it('refreshes an expiring token before the request, and reports a refused refresh (invalid_grant) per ID', async () => {
    const db = new PredictorDatabase(`test-${crypto.randomUUID()}`);
    openDatabases.push(db);
    const store = createTokenStore(db);
    await store.save(connection({ expiresAt: T0 }));
    const token = fakeTokenEndpoint(() => jsonResponse({ error: 'invalid_grant' }, 400));
    const auth = createSpotifyAuth({ store, identity: fakeIdentity(() => undefined).identity, fetch: token.fetch, now: () => T0, locks: null });
    const api = fakeSpotifyApi(knowsAll);
    const wanted = ids(2);
    const result = await provider({ store, auth, tokenCalls: token.calls }, api).getAudioFeatures(wanted);
    expect(api.calls).toHaveLength(0);
    for (const id of wanted) expect(result.errors.get(id)).toMatch(/^spotify: .*connect again/);
    expect(await store.load()).toBeUndefined();
  });

  it('waits Retry-After: 0 after a 429 and retries', async () => {
    const setup = await connected();
    const api = fakeSpotifyApi((call, i) => (i === 0 ? new Response('', { status: 429, headers: { 'Retry-After': '0' } }) : knowsAll(call)));
    const result = await provider(setup, api, { retries: 2 }).getAudioFeatures(ids(3));
    expect(api.calls).toHaveLength(2);
    expect(result.features.size).toBe(3);
  });

  it('fails the batch at once on a 429 whose Retry-After exceeds the bound', async () => {
    const setup = await connected();
    const api = fakeSpotifyApi(() => new Response('', { status: 429, headers: { 'Retry-After': '3600' } }));
    const started = Date.now();
    const wanted = ids(2);
    const result = await provider(setup, api, { retries: 2, maxRetryAfterMs: 1_000 }).getAudioFeatures(wanted);
    expect(Date.now() - started).toBeLessThan(900);
    expect(api.calls).toHaveLength(1);
    for (const id of wanted) expect(result.errors.get(id)).toBe('spotify: HTTP 429 for audio features');
  });

  it('retries a network failure with backoff and reports it per ID when it persists, keeping other batches', async () => {
    const setup = await connected();
    const wanted = ids(105);
    const api = fakeSpotifyApi((call) => (call.ids.length === 100 ? Promise.reject(new TypeError('fetch failed')) : knowsAll(call)));
    const result = await provider(setup, api, { retries: 1 }).getAudioFeatures(wanted);
    expect(api.calls.map((c) => c.ids.length)).toEqual([100, 100, 5]);
    for (const id of wanted.slice(0, 100)) expect(result.errors.get(id)).toMatch(/^spotify: network error.*fetch failed/);
    expect([...result.features.keys()]).toEqual(wanted.slice(100));
  });

  it('reports a timeout per ID', async () => {
    const setup = await connected();
    const api = fakeSpotifyApi(() => new Promise<Response>(() => {}));
    const wanted = ids(2);
    const result = await provider(setup, api, { timeoutMs: 50 }).getAudioFeatures(wanted);
    for (const id of wanted) expect(result.errors.get(id)).toBe('spotify: request timed out');
  });

  it('reports a 500 after the retries', async () => {
    const setup = await connected();
    const api = fakeSpotifyApi(() => jsonResponse({ error: { status: 500, message: 'Server error' } }, 500));
    const [id] = ids(1) as [string];
    const result = await provider(setup, api, { retries: 1 }).getAudioFeatures([id]);
    expect(api.calls).toHaveLength(2);
    expect(result.errors.get(id)).toBe('spotify: HTTP 500 (Server error) for audio features');
  });
});

describe('Spotify provider: malformed bodies', () => {
  it('puts every ID of a batch whose body is not JSON in errors', async () => {
    const setup = await connected();
    const api = fakeSpotifyApi(() => new Response('<html>oops</html>', { status: 200 }));
    const wanted = ids(2);
    const result = await provider(setup, api).getAudioFeatures(wanted);
    for (const id of wanted) expect(result.errors.get(id)).toBe('spotify: response is not JSON');
  });

  it.each([
    ['audio_features is a string', { audio_features: 'x' }],
    ['no audio_features', { content: [] }],
    ['null', null],
  ])('reports a wrong envelope (%s) per ID', async (_, body) => {
    const setup = await connected();
    const api = fakeSpotifyApi(() => jsonResponse(body));
    const wanted = ids(2);
    const result = await provider(setup, api).getAudioFeatures(wanted);
    expect(result.features.size).toBe(0);
    for (const id of wanted) expect(result.errors.get(id)).toMatch(/^spotify: malformed response/);
  });

  it('puts an item with invalid features in errors and keeps the others', async () => {
    const setup = await connected();
    const [a, b] = ids(2) as [string, string];
    const api = fakeSpotifyApi(() => jsonResponse({ audio_features: [item(a, { ...featuresFor(a), danceability: 2 }), item(b)] }));
    const result = await provider(setup, api).getAudioFeatures([a, b]);
    expect(result.errors.get(a)).toMatch(/^spotify: invalid audio features[\s\S]*danceability/);
    expect(result.features.get(b)).toEqual(featuresFor(b));
  });
});

/** A 200 response whose headers arrive but whose body sends a first chunk and then nothing, ever. */
function stalledBody(): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"audio_features":['));
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

describe('Spotify provider: every wait ends', () => {
  it('ends a batch whose body stalls after the headers at the 20 s deadline and keeps the other batches', async () => {
    const setup = await connected();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const wanted = ids(105);
    let stalled: () => void = () => {};
    const asked = new Promise<void>((resolve) => (stalled = resolve));
    const api = fakeSpotifyApi((call) => {
      if (call.ids.length !== 100) return knowsAll(call);
      stalled();
      return stalledBody();
    });
    let done = false;
    const pending = provider(setup, api).getAudioFeatures(wanted);
    void pending.finally(() => (done = true));
    // The token comes from IndexedDB first (real macrotasks); the fake clock has not moved meanwhile.
    await asked;
    await vi.advanceTimersByTimeAsync(20_000 - 1);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const result = await pending;
    expect(api.calls.map((c) => c.ids.length)).toEqual([100, 5]);
    for (const id of wanted.slice(0, 100)) expect(result.errors.get(id)).toBe('spotify: Spotify did not answer within 20 s');
    expect([...result.features.keys()]).toEqual(wanted.slice(100));
  });

  it('treats an unparseable Retry-After ("abc") as absent: retries after the 300 ms backoff, not ky\'s long wait', async () => {
    const setup = await connected();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let firstCall: () => void = () => {};
    const asked = new Promise<void>((resolve) => (firstCall = resolve));
    const api = fakeSpotifyApi((call, i) => {
      if (i > 0) return knowsAll(call);
      firstCall();
      return new Response('', { status: 429, headers: { 'Retry-After': 'abc' } });
    });
    const pending = provider(setup, api, { retries: 1 }).getAudioFeatures(ids(3));
    // The token comes from IndexedDB first (real macrotasks); the clock matters from the 429 on.
    await asked;
    await vi.advanceTimersByTimeAsync(299);
    expect(api.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(api.calls).toHaveLength(2);
    expect((await pending).features.size).toBe(3);
  });

  it('hands each batch to onBatch as soon as it arrives, before asking for the next', async () => {
    const setup = await connected();
    const events: string[] = [];
    const api = fakeSpotifyApi((call) => {
      events.push(`request ${call.ids.length}`);
      return knowsAll(call);
    });
    const wanted = ids(250);
    await provider(setup, api).getAudioFeatures(wanted, (batch) => {
      events.push(`batch ${batch.trackIds.length} with ${batch.features.size} features`);
    });
    expect(events).toEqual(['request 100', 'batch 100 with 100 features', 'request 100', 'batch 100 with 100 features', 'request 50', 'batch 50 with 50 features']);
  });
});
