import { describe, expect, it } from 'vitest';
import type { AudioFeatures } from '@/model/features';
import { createReccoBeatsProvider, retryAfterMs } from '@/lib/background/providers/reccobeats';
import { makeFeatures, trackId } from './support/fixtures';

/** One request the fake API received. */
interface Call {
  readonly url: URL;
  readonly method: string;
  readonly ids: string[];
}

type Handler = (call: Call, index: number) => Response | Promise<Response>;

/** A fake `fetch` that records every request and answers with `handler`. */
function fakeApi(handler: Handler) {
  const calls: Call[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const call: Call = { url, method: request.method, ids: (url.searchParams.get('ids') ?? '').split(',').filter((s) => s !== '') };
    calls.push(call);
    return handler(call, calls.length - 1);
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

/** Features that differ per track, so a mix-up of tracks shows. */
function featuresFor(id: string): AudioFeatures {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) % 10_007;
  return makeFeatures({ tempo: 60 + (h % 200), energy: (h % 1000) / 1000, key: (h % 13) - 1 });
}

/** A ReccoBeats item as documented: its own uuid, the Spotify URL in `href`, ISRC, features. */
function item(id: string, features: Partial<Record<keyof AudioFeatures, unknown>> = featuresFor(id)) {
  return { id: `rb-${id}`, href: `https://open.spotify.com/track/${id}`, isrc: 'USAAA0000001', ...features };
}

const json = (body: unknown, init: ResponseInit = {}) =>
  new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' }, ...init });

/** Answers every requested ID the API "knows" (all of them by default). */
const knowsAll: Handler = (call) => json({ content: call.ids.map((id) => item(id)) });

const ids = (n: number, prefix = 'T') => Array.from({ length: n }, (_, i) => trackId(i, prefix));

describe('ReccoBeats provider: batching and mapping', () => {
  it('splits 95 IDs into GET requests of 40, 40 and 15 IDs', async () => {
    const api = fakeApi(knowsAll);
    const provider = createReccoBeatsProvider({ fetch: api.fetch, retries: 0 });
    const wanted = ids(95);
    const result = await provider.getAudioFeatures(wanted);

    expect(provider.id).toBe('reccobeats');
    expect(api.calls.map((c) => c.ids.length)).toEqual([40, 40, 15]);
    expect(api.calls.flatMap((c) => c.ids)).toEqual(wanted);
    for (const c of api.calls) {
      expect(c.method).toBe('GET');
      expect(`${c.url.origin}${c.url.pathname}`).toBe('https://api.reccobeats.com/v1/audio-features');
    }
    expect(result.errors.size).toBe(0);
    expect(result.features.size).toBe(95);
    for (const id of wanted) expect(result.features.get(id)).toEqual(featuresFor(id));
  });

  it('asks for a repeated ID once', async () => {
    const api = fakeApi(knowsAll);
    const [a, b] = ids(2) as [string, string];
    const result = await createReccoBeatsProvider({ fetch: api.fetch, retries: 0 }).getAudioFeatures([a, b, a, a]);
    expect(api.calls.flatMap((c) => c.ids)).toEqual([a, b]);
    expect([...result.features.keys()].sort()).toEqual([a, b].sort());
  });

  it('makes no request for no IDs', async () => {
    const api = fakeApi(knowsAll);
    const result = await createReccoBeatsProvider({ fetch: api.fetch }).getAudioFeatures([]);
    expect(api.calls).toHaveLength(0);
    expect(result.features.size + result.errors.size).toBe(0);
  });

  it('maps results back by href, whatever the order, and ignores unrequested IDs', async () => {
    const wanted = ids(6);
    const stranger = trackId(999, 'X');
    const api = fakeApi((call) => json({ content: [item(stranger), ...[...call.ids].reverse().map((id) => item(id))] }));
    const result = await createReccoBeatsProvider({ fetch: api.fetch, retries: 0 }).getAudioFeatures(wanted);
    expect([...result.features.keys()].sort()).toEqual([...wanted].sort());
    for (const id of wanted) expect(result.features.get(id)).toEqual(featuresFor(id));
    expect(result.features.has(stranger)).toBe(false);
    expect(result.errors.size).toBe(0);
  });

  it('leaves an ID absent from the response in neither map (unknown)', async () => {
    const wanted = ids(5);
    const missing = wanted[2] as string;
    const api = fakeApi((call) => json({ content: call.ids.filter((id) => id !== missing).map((id) => item(id)) }));
    const result = await createReccoBeatsProvider({ fetch: api.fetch, retries: 0 }).getAudioFeatures(wanted);
    expect(result.features.has(missing)).toBe(false);
    expect(result.errors.has(missing)).toBe(false);
    expect(result.features.size).toBe(4);
  });

  it('strips extra fields so only the 11 features are kept', async () => {
    const [id] = ids(1) as [string];
    const api = fakeApi(knowsAll);
    const result = await createReccoBeatsProvider({ fetch: api.fetch, retries: 0 }).getAudioFeatures([id]);
    expect(Object.keys(result.features.get(id) ?? {}).sort()).toEqual(
      ['acousticness', 'danceability', 'energy', 'instrumentalness', 'key', 'liveness', 'loudness', 'mode', 'speechiness', 'tempo', 'valence'],
    );
  });
});

describe('ReccoBeats provider: malformed answers', () => {
  it('puts every ID of a batch whose body is not JSON in errors; other batches still return features', async () => {
    const wanted = ids(95);
    const api = fakeApi((call, i) => (i === 1 ? new Response('<html>Bad gateway</html>', { status: 200 }) : knowsAll(call, i)));
    const result = await createReccoBeatsProvider({ fetch: api.fetch, retries: 0 }).getAudioFeatures(wanted);
    const second = wanted.slice(40, 80);
    expect(result.errors.size).toBe(40);
    for (const id of second) expect(result.errors.get(id)).toMatch(/^reccobeats: .*not JSON/);
    expect(result.features.size).toBe(55);
    for (const id of [...wanted.slice(0, 40), ...wanted.slice(80)]) expect(result.features.get(id)).toEqual(featuresFor(id));
  });

  it.each([
    ['content is a string', { content: 'x' }],
    ['no content field', { data: [] }],
    ['a bare array', []],
    ['null', null],
  ])('reports a wrong envelope (%s) as an error per ID', async (_, body) => {
    const wanted = ids(3);
    const api = fakeApi(() => json(body));
    const result = await createReccoBeatsProvider({ fetch: api.fetch, retries: 0 }).getAudioFeatures(wanted);
    expect(result.features.size).toBe(0);
    expect([...result.errors.keys()]).toEqual(wanted);
    for (const id of wanted) expect(result.errors.get(id)).toMatch(/^reccobeats: malformed response/);
  });

  it('puts an item with out-of-range features in errors and keeps the others', async () => {
    const wanted = ids(4);
    const bad = wanted[1] as string;
    const worse = wanted[3] as string;
    const api = fakeApi((call) =>
      json({
        content: call.ids.map((id) =>
          id === bad ? item(id, { ...featuresFor(id), energy: 1.7 }) : id === worse ? item(id, { ...featuresFor(id), tempo: 'fast' }) : item(id),
        ),
      }),
    );
    const result = await createReccoBeatsProvider({ fetch: api.fetch, retries: 0 }).getAudioFeatures(wanted);
    expect(result.errors.get(bad)).toMatch(/invalid audio features[\s\S]*energy/);
    expect(result.errors.get(worse)).toMatch(/invalid audio features[\s\S]*tempo/);
    expect(result.features.has(bad)).toBe(false);
    expect(result.features.has(worse)).toBe(false);
    expect(result.features.get(wanted[0] as string)).toEqual(featuresFor(wanted[0] as string));
    expect(result.features.get(wanted[2] as string)).toEqual(featuresFor(wanted[2] as string));
  });

  it('skips items without a usable href', async () => {
    const [a, b] = ids(2) as [string, string];
    const api = fakeApi(() => json({ content: [{ ...item(a), href: 42 }, { ...item(b), href: 'https://open.spotify.com/album/xyz' }, 'junk', null] }));
    const result = await createReccoBeatsProvider({ fetch: api.fetch, retries: 0 }).getAudioFeatures([a, b]);
    expect(result.features.size).toBe(0);
    expect(result.errors.size).toBe(0);
  });
});

describe('ReccoBeats provider: HTTP errors and retries', () => {
  it('waits Retry-After: 0 after a 429 and retries', async () => {
    const wanted = ids(3);
    const api = fakeApi((call, i) => (i === 0 ? new Response('slow down', { status: 429, headers: { 'Retry-After': '0' } }) : knowsAll(call, i)));
    const result = await createReccoBeatsProvider({ fetch: api.fetch, retries: 2 }).getAudioFeatures(wanted);
    expect(api.calls).toHaveLength(2);
    expect(api.calls[1]?.ids).toEqual(wanted);
    expect(result.errors.size).toBe(0);
    expect(result.features.size).toBe(3);
  });

  it('fails at once, without retrying, on a 429 whose Retry-After exceeds maxRetryAfterMs', async () => {
    // The option is documented as "a longer one fails the request instead of waiting".
    const wanted = ids(2);
    const api = fakeApi((call, i) => (i === 0 ? new Response('', { status: 429, headers: { 'Retry-After': '3600' } }) : knowsAll(call, i)));
    const started = Date.now();
    const result = await createReccoBeatsProvider({ fetch: api.fetch, retries: 2, maxRetryAfterMs: 1_500 }).getAudioFeatures(wanted);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(1_000);
    expect(api.calls).toHaveLength(1);
    expect(result.features.size).toBe(0);
    for (const id of wanted) expect(result.errors.get(id)).toMatch(/HTTP 429/);
  });

  it('reports HTTP 500 after all retries, having tried 1 + retries times', async () => {
    const wanted = ids(2);
    const api = fakeApi(() => new Response('oops', { status: 500 }));
    const result = await createReccoBeatsProvider({ fetch: api.fetch, retries: 1 }).getAudioFeatures(wanted);
    expect(api.calls).toHaveLength(2);
    expect(result.features.size).toBe(0);
    for (const id of wanted) expect(result.errors.get(id)).toBe('reccobeats: HTTP 500 for audio features');
  });

  it('does not retry a 404', async () => {
    const api = fakeApi(() => new Response('', { status: 404 }));
    const [id] = ids(1) as [string];
    const result = await createReccoBeatsProvider({ fetch: api.fetch, retries: 3 }).getAudioFeatures([id]);
    expect(api.calls).toHaveLength(1);
    expect(result.errors.get(id)).toMatch(/HTTP 404/);
  });

  it('reports a network failure (fetch rejects) per ID and keeps other batches', async () => {
    const wanted = ids(45);
    const api = fakeApi((call, i) => {
      if (call.ids.length === 40) return Promise.reject(new TypeError('fetch failed'));
      return knowsAll(call, i);
    });
    const result = await createReccoBeatsProvider({ fetch: api.fetch, retries: 1 }).getAudioFeatures(wanted);
    // First batch: tried twice, then given up; second batch (5 IDs) answered.
    expect(api.calls.map((c) => c.ids.length)).toEqual([40, 40, 5]);
    expect(result.errors.size).toBe(40);
    for (const id of wanted.slice(0, 40)) expect(result.errors.get(id)).toMatch(/^reccobeats: network error.*fetch failed/);
    expect([...result.features.keys()]).toEqual(wanted.slice(40));
  });
});

describe('retryAfterMs (RFC 9110 §10.2.3)', () => {
  it('reads delay-seconds and HTTP-dates, and nothing else', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs('Sun, 22 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Sun, 22 Nov 2026 09:59:00 GMT', now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});
