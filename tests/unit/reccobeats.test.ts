import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AudioFeatures } from '@/model/features';
import { PROVIDER_REQUEST_DEADLINE_MS } from '@/lib/background/deadline';
import { createReccoBeatsProvider } from '@/lib/background/providers/reccobeats';
import type { ProviderBatch } from '@/lib/background/providers/types';
import { RETRY_AFTER_MAX_MS, RETRY_WAIT_MAX_MS, parseRetryAfter } from '@/lib/background/retry-after';
import { makeFeatures, trackId } from './support/fixtures';
import { settled } from './support/settled';

afterEach(() => {
  vi.useRealTimers();
});

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

/** A 200 response whose headers arrive but whose body sends a first chunk and then nothing, ever. */
function stalledBody(): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"content":['));
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

describe('ReccoBeats provider: every wait ends', () => {
  it('has a 20 s deadline per request', () => {
    // The bound the hardening issue asks for: one provider request, body included, 20 s.
    expect(PROVIDER_REQUEST_DEADLINE_MS).toBe(20_000);
  });

  it('ends a batch whose body stalls after the headers at the 20 s deadline, aborting its request, and keeps the other batches', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const wanted = ids(45);
    const signals: AbortSignal[] = [];
    const api = fakeApi((call, i) => (call.ids.length === 40 ? stalledBody() : knowsAll(call, i)));
    const fetch: typeof globalThis.fetch = async (input, init) => {
      signals.push(input instanceof Request ? input.signal : (init?.signal ?? new AbortController().signal));
      return api.fetch(input, init);
    };
    const pending = createReccoBeatsProvider({ fetch, retries: 0 }).getAudioFeatures(wanted);

    await vi.advanceTimersByTimeAsync(20_000 - 1);
    expect(await settled(pending)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const result = await pending;

    expect(api.calls.map((c) => c.ids.length)).toEqual([40, 5]);
    for (const id of wanted.slice(0, 40)) expect(result.errors.get(id)).toBe('reccobeats: ReccoBeats did not answer within 20 s');
    expect([...result.features.keys()]).toEqual(wanted.slice(40));
    // The stalled request itself was aborted (a real fetch then stops reading its body).
    expect(signals[0]?.aborted).toBe(true);
  });

  it('counts retries and their Retry-After waits in the same deadline', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const api = fakeApi(() => new Response('', { status: 429, headers: { 'Retry-After': '4' } }));
    const wanted = ids(2);
    const pending = createReccoBeatsProvider({ fetch: api.fetch, retries: 10, deadlineMs: 10_000 }).getAudioFeatures(wanted);
    await vi.advanceTimersByTimeAsync(10_000);
    const result = await pending;
    // Attempts at 0, 4 and 8 s; the wait for a fourth would end at 12 s, after the deadline.
    expect(api.calls).toHaveLength(3);
    for (const id of wanted) expect(result.errors.get(id)).toBe('reccobeats: ReccoBeats did not answer within 10 s');
  });

  it('hands each batch to onBatch as soon as it arrives, before asking for the next', async () => {
    const events: string[] = [];
    const api = fakeApi((call, i) => {
      events.push(`request ${call.ids.length}`);
      return knowsAll(call, i);
    });
    const batches: ProviderBatch[] = [];
    const wanted = ids(95);
    await createReccoBeatsProvider({ fetch: api.fetch, retries: 0 }).getAudioFeatures(wanted, (batch) => {
      events.push(`batch ${batch.trackIds.length}`);
      batches.push(batch);
    });
    expect(events).toEqual(['request 40', 'batch 40', 'request 40', 'batch 40', 'request 15', 'batch 15']);
    expect(batches.map((b) => [...b.features.keys()])).toEqual([wanted.slice(0, 40), wanted.slice(40, 80), wanted.slice(80)]);
  });
});

describe('ReccoBeats provider: the wait after a 429 (fake timers)', () => {
  const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
  const nines = '9'.repeat(10_000);

  /**
   * Sends one batch that gets 429 with `retryAfter`, then 200; returns how many requests were made
   * 1 ms before `wait` (1 when `wait` is 0) and at `wait` ms, and the result.
   */
  async function afterA429(retryAfter: string, wait: number) {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const api = fakeApi((call, i) => (i === 0 ? new Response('', { status: 429, headers: { 'Retry-After': retryAfter } }) : knowsAll(call, i)));
    const pending = createReccoBeatsProvider({ fetch: api.fetch, retries: 1, now: () => T0 }).getAudioFeatures(ids(3));
    let before = 1;
    if (wait > 0) {
      await vi.advanceTimersByTimeAsync(wait - 1);
      before = api.calls.length;
      await vi.advanceTimersByTimeAsync(1);
    } else {
      await vi.advanceTimersByTimeAsync(0);
    }
    return { before, at: api.calls.length, result: await pending };
  }

  it.each([
    ['"abc"', 'abc'],
    ['"Infinity"', 'Infinity'],
    ['"1e3" (not 1*DIGIT)', '1e3'],
    ['"-1"', '-1'],
    ['10,000 digits', nines],
  ])('treats Retry-After %s as absent: ky\'s first backoff, 300 ms, not a long wait', async (_, value) => {
    const { before, at, result } = await afterA429(value, 300);
    expect([before, at]).toEqual([1, 2]);
    expect(result.features.size).toBe(3);
  });

  it.each([
    ['"2"', '2', 2_000],
    ['"0"', '0', 0],
    ['an HTTP-date in the past', 'Sun, 22 Nov 2026 09:00:00 GMT', 0],
    ['an HTTP-date 3 s ahead', 'Sun, 22 Nov 2026 10:00:03 GMT', 3_000],
  ])('waits exactly what Retry-After %s asks for', async (_, value, wait) => {
    const { before, at, result } = await afterA429(value, wait);
    expect([before, at]).toEqual([1, 2]);
    expect(result.features.size).toBe(3);
  });

  it.each([
    ['"120"', '120'],
    ['an HTTP-date a year ahead', 'Mon, 22 Nov 2027 10:00:00 GMT'],
    ['an HTTP-date in 9999', 'Fri, 31 Dec 9999 23:59:59 GMT'],
  ])('gives up at once, without waiting, when Retry-After %s asks for more than 10 s', async (_, value) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const api = fakeApi((call, i) => (i === 0 ? new Response('', { status: 429, headers: { 'Retry-After': value } }) : knowsAll(call, i)));
    const wanted = ids(2);
    const pending = createReccoBeatsProvider({ fetch: api.fetch, retries: 3, now: () => T0 }).getAudioFeatures(wanted);
    expect(await settled(pending)).toBe(true);
    const result = await pending;
    expect(api.calls).toHaveLength(1);
    for (const id of wanted) expect(result.errors.get(id)).toBe('reccobeats: HTTP 429 for audio features');
    expect(RETRY_WAIT_MAX_MS).toBe(10_000);
  });

  it('ignores RateLimit-Reset and X-RateLimit-Reset, which ky would otherwise read as waits', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const api = fakeApi((call, i) =>
      i === 0 ? new Response('', { status: 429, headers: { 'RateLimit-Reset': '3600', 'X-RateLimit-Reset': '9999999999' } }) : knowsAll(call, i),
    );
    const pending = createReccoBeatsProvider({ fetch: api.fetch, retries: 1, now: () => T0 }).getAudioFeatures(ids(1));
    await vi.advanceTimersByTimeAsync(300);
    expect(api.calls).toHaveLength(2);
    expect((await pending).features.size).toBe(1);
  });
});

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  const now = Date.UTC(2026, 10, 22, 10, 0, 0);
  const hour = 60 * 60 * 1000;

  it('reads delay-seconds (1*DIGIT) as seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('007', now)).toBe(7_000);
    expect(parseRetryAfter(' 5 ', now)).toBe(5_000);
  });

  it('reads the three HTTP-date forms (§5.6.7) as the time until then, 0 when past', () => {
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 09:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('Sunday, 22-Nov-26 10:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Sun Nov 22 10:00:10 2026', now)).toBe(10_000);
    expect(parseRetryAfter('Sun Nov  1 10:00:10 2026', now)).toBe(0);
  });

  it('reads an rfc850 year more than 50 years ahead as the past century', () => {
    // 2077 would be 51 years ahead of 2026: read as 1977 (in the past). 2076 is not more than 50.
    expect(parseRetryAfter('Monday, 22-Nov-77 10:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('Sunday, 22-Nov-76 10:00:00 GMT', now)).toBe(hour);
  });

  it('clamps real values to one hour', () => {
    expect(RETRY_AFTER_MAX_MS).toBe(hour);
    expect(parseRetryAfter('86400', now)).toBe(hour);
    expect(parseRetryAfter('Fri, 31 Dec 9999 23:59:59 GMT', now)).toBe(hour);
    expect(parseRetryAfter('Mon, 22 Nov 2027 10:00:00 GMT', now)).toBe(hour);
  });

  it.each([
    ['absent', null],
    ['empty', ''],
    ['a word', 'abc'],
    ['Infinity', 'Infinity'],
    ['an exponent', '1e3'],
    ['a negative number', '-1'],
    ['a fraction', '1.5'],
    ['hexadecimal', '0x10'],
    ['10,000 digits', '9'.repeat(10_000)],
    ['20 digits (not a safe integer)', '99999999999999999999'],
    ['an ISO 8601 date', '2026-11-22T10:00:30Z'],
    ['lower case (HTTP-date is case-sensitive)', 'sun, 22 nov 2026 10:00:30 gmt'],
    ['a zone other than GMT', 'Sun, 22 Nov 2026 10:00:30 UTC'],
    ['31 February', 'Tue, 31 Feb 2026 10:00:00 GMT'],
    ['hour 25', 'Sun, 22 Nov 2026 25:00:00 GMT'],
    ['a date with extra text', 'Sun, 22 Nov 2026 10:00:30 GMT, please'],
  ])('treats %s as absent', (_, value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});
