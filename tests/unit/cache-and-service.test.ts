import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Classifier } from '@/model/classifier';
import type { AudioFeatures } from '@/model/features';
import { parseModelMetadata } from '@/model/metadata';
import type { ThemeId } from '@/model/themes';
import { DEFAULT_CACHE_LIMIT, PredictorDatabase, UNKNOWN_TTL_MS, createFeatureCache, type FeatureCache, type FeatureRecord, type FeatureRow } from '@/lib/background/cache';
import { createProviderChain } from '@/lib/background/providers/chain';
import type { AudioFeatureProvider, ProviderResult } from '@/lib/background/providers/types';
import type { ProviderId } from '@/lib/shared/providers';
import { createThemeService } from '@/lib/background/theme-service';
import { makeFeatures, makeMetadataJson, trackId } from './support/fixtures';

const openDatabases: PredictorDatabase[] = [];

/** A fresh database with a name no other test uses. */
function freshDb(): PredictorDatabase {
  const db = new PredictorDatabase(`test-${crypto.randomUUID()}`);
  openDatabases.push(db);
  return db;
}

afterEach(async () => {
  for (const db of openDatabases.splice(0)) await db.delete();
});

const T0 = 1_700_000_000_000;
const record = (id: string, features: AudioFeatures | null, fetchedAt = T0, durationMs: number | null = null): FeatureRecord => ({ trackId: id, features, provider: 'reccobeats', fetchedAt, durationMs });

describe('feature cache (IndexedDB)', () => {
  it('round-trips records and leaves unknown IDs out', async () => {
    const cache = createFeatureCache(freshDb());
    const [a, b, c] = [trackId(1), trackId(2), trackId(3)];
    await cache.put([record(a, makeFeatures({ tempo: 90 })), record(b, null)]);
    const got = await cache.get([a, b, c], T0 + 1000);
    expect([...got.keys()].sort()).toEqual([a, b].sort());
    expect(got.get(a)).toEqual(record(a, makeFeatures({ tempo: 90 })));
    expect(got.get(b)).toEqual(record(b, null));
    expect(got.has(c)).toBe(false);
  });

  it('overwrites a record for the same track', async () => {
    const cache = createFeatureCache(freshDb());
    const a = trackId(1);
    await cache.put([record(a, null)]);
    await cache.put([record(a, makeFeatures({ energy: 0.33 }), T0 + 5)]);
    expect((await cache.get([a], T0 + 10)).get(a)?.features?.energy).toBe(0.33);
  });

  it('expires "unknown" records after UNKNOWN_TTL_MS but keeps known features of any age', async () => {
    expect(UNKNOWN_TTL_MS).toBe(24 * 60 * 60 * 1000);
    const cache = createFeatureCache(freshDb());
    const [unknown, known] = [trackId(1), trackId(2)];
    await cache.put([record(unknown, null, T0), record(known, makeFeatures(), T0)]);
    expect((await cache.get([unknown], T0 + UNKNOWN_TTL_MS - 1)).has(unknown)).toBe(true);
    expect((await cache.get([unknown], T0 + UNKNOWN_TTL_MS + 1)).has(unknown)).toBe(false);
    expect((await cache.get([known], T0 + 365 * UNKNOWN_TTL_MS)).has(known)).toBe(true);
  });

  it('treats a corrupted or outdated record as missing', async () => {
    const db = freshDb();
    const cache = createFeatureCache(db);
    const [a, b, c, d] = [trackId(1), trackId(2), trackId(3), trackId(4)];
    await db.features.bulkPut([
      { trackId: a, features: { ...makeFeatures(), energy: 'loud' }, provider: 'reccobeats', fetchedAt: T0, usedAt: T0 } as unknown as FeatureRow,
      { trackId: b, features: makeFeatures(), provider: 'some-old-provider', fetchedAt: T0, usedAt: T0 } as unknown as FeatureRow,
      { trackId: c, features: makeFeatures() } as unknown as FeatureRow,
      { ...record(d, makeFeatures()), usedAt: T0 },
    ]);
    const got = await cache.get([a, b, c, d], T0);
    expect([...got.keys()]).toEqual([d]);
  });
});

describe('feature cache: the records in memory', () => {
  it('answers recently used records without reading IndexedDB, with the same expiry, and forgets them on clear', async () => {
    const db = freshDb();
    const cache = createFeatureCache(db, { memoryRecords: 10 });
    const [a, b, c] = [trackId(1), trackId(2), trackId(3)];
    await cache.put([record(a, makeFeatures({ tempo: 91 })), record(b, null)]);
    const reads = vi.spyOn(db.features, 'bulkGet');
    expect([...(await cache.get([a, b], T0 + 1000)).keys()]).toEqual([a, b]);
    expect(reads).not.toHaveBeenCalled();
    // A miss reads only the missing ID, and keeps what it found in memory.
    await db.features.bulkPut([{ ...record(c, makeFeatures()), usedAt: T0 }]);
    expect([...(await cache.get([a, c], T0)).keys()].sort()).toEqual([a, c].sort());
    expect(reads).toHaveBeenCalledTimes(1);
    expect(reads.mock.calls[0]?.[0]).toEqual([c]);
    await cache.get([c], T0);
    expect(reads).toHaveBeenCalledTimes(1);
    // "Unknown" expires in memory too.
    expect((await cache.get([b], T0 + UNKNOWN_TTL_MS + 1)).has(b)).toBe(false);
    await cache.clearUnknown();
    await cache.clear();
    expect((await cache.get([a, c], T0)).size).toBe(0);
  });

  it('keeps what it was given in memory even when IndexedDB refuses to store it (quota, also after making room)', async () => {
    const db = freshDb();
    const cache = createFeatureCache(db, { log: { warn: vi.fn() } });
    const a = trackId(1);
    vi.spyOn(db.features, 'bulkPut').mockRejectedValue(new DOMException('full', 'QuotaExceededError'));
    await expect(cache.put([record(a, makeFeatures())])).rejects.toThrow('full');
    expect((await cache.get([a], T0)).has(a)).toBe(true);
  });
});

/** A provider that knows `known`, fails `failing`, and records what it was asked. */
function fakeProvider(known: Map<string, AudioFeatures>, failing = new Map<string, string>(), id: ProviderId = 'reccobeats') {
  const requests: string[][] = [];
  const provider: AudioFeatureProvider = {
    id,
    async getAudioFeatures(trackIds) {
      requests.push([...trackIds]);
      const result: ProviderResult = { features: new Map(), errors: new Map() };
      for (const id of trackIds) {
        const error = failing.get(id);
        if (error !== undefined) result.errors.set(id, error);
        else {
          const f = known.get(id);
          if (f) result.features.set(id, f);
        }
      }
      return result;
    },
  };
  return { provider, requests };
}

/**
 * A classifier whose prediction for a track is chosen by the test from the track's tempo
 * (`probabilitiesByTempo`), so the service's mapping of rows to IDs can be checked. The
 * explanation's rows (one input moved to the training mean, so a tempo the test did not list
 * when the tempo is the input moved) get equal probabilities; `predicted` and `events` record the
 * first call of each `classify`, the one with the tracks themselves.
 */
function fakeClassifier(labels: ThemeId[], experimental: ThemeId[], probabilitiesByTempo: Map<number, number[]>, events: string[] = []) {
  const metadata = parseModelMetadata(makeMetadataJson({ labels, experimental }));
  const predicted: AudioFeatures[][] = [];
  const classifier: Classifier = {
    metadata,
    predict(rows) {
      const explaining = rows.some((r) => !probabilitiesByTempo.has(r.features.tempo));
      if (!explaining) {
        events.push('predict');
        predicted.push(rows.map((r) => r.features));
      }
      return rows.map((r) => probabilitiesByTempo.get(r.features.tempo) ?? labels.map(() => 1 / labels.length));
    },
    dispose() {},
  };
  return { classifier, predicted };
}

const LABELS: ThemeId[] = ['workout', 'party', 'dinner', 'sleep'];

describe('theme service', () => {
  const fast = makeFeatures({ tempo: 170 });
  const slow = makeFeatures({ tempo: 60 });
  const dinnerish = makeFeatures({ tempo: 100 });
  const probabilities = new Map([
    [170, [0.7, 0.2, 0.05, 0.05]],
    [60, [0.05, 0.05, 0.1, 0.8]],
    // dinner (experimental) is the most probable; party is the best enabled theme.
    [100, [0.1, 0.3, 0.55, 0.05]],
  ]);
  const quietLog = () => ({ warn: vi.fn() });

  it('answers ok / unknown / error per track, in request order', async () => {
    const [a, b, c, d] = [trackId(1), trackId(2), trackId(3), trackId(4)];
    const { provider } = fakeProvider(new Map([[a, fast], [c, slow]]), new Map([[d, 'reccobeats: HTTP 500 for audio features']]));
    const { classifier } = fakeClassifier(LABELS, [], probabilities);
    const service = createThemeService({ classifier: async () => classifier, cache: createFeatureCache(freshDb()), provider, now: () => T0, log: quietLog() });
    const results = await service.classify([d, c, b, a]);
    expect(results).toEqual([
      { trackId: d, status: 'error', message: 'reccobeats: HTTP 500 for audio features' },
      {
        trackId: c,
        status: 'ok',
        theme: 'sleep',
        probability: 0.8,
        uncertain: false,
        probabilities: { workout: 0.05, party: 0.05, dinner: 0.1, sleep: 0.8 },
        provider: 'reccobeats',
        fetchedAt: T0,
        // Ties keep label order: workout before party.
        topThemes: [{ theme: 'sleep', probability: 0.8 }, { theme: 'dinner', probability: 0.1 }, { theme: 'workout', probability: 0.05 }],
        // Only the tempo decides this fake's answer: at the training mean (120 BPM) every theme
        // gets 1/4, so the slow tempo (60) raised sleep by 0.8 - 0.25.
        why: [{ input: 'tempo', direction: 'low', change: expect.closeTo(0.55, 12) }],
      },
      { trackId: b, status: 'unknown' },
      {
        trackId: a,
        status: 'ok',
        theme: 'workout',
        probability: 0.7,
        uncertain: false,
        probabilities: { workout: 0.7, party: 0.2, dinner: 0.05, sleep: 0.05 },
        provider: 'reccobeats',
        fetchedAt: T0,
        topThemes: [{ theme: 'workout', probability: 0.7 }, { theme: 'party', probability: 0.2 }, { theme: 'dinner', probability: 0.05 }],
        why: [{ input: 'tempo', direction: 'high', change: expect.closeTo(0.45, 12) }],
      },
    ]);
  });

  it('does not re-fetch cached tracks (known or unknown) and stores fetched ones, after answering them', async () => {
    const [a, b, c] = [trackId(1), trackId(2), trackId(3)];
    const db = freshDb();
    const cache = createFeatureCache(db);
    await cache.put([record(a, fast, T0 - 10 * UNKNOWN_TTL_MS), record(b, null, T0 - 1000)]);
    const events: string[] = [];
    const tracked: FeatureCache = {
      get: (ids, now) => cache.get(ids, now),
      put: async (records) => {
        await cache.put(records);
        events.push('put');
      },
      fillDurations: (durations) => cache.fillDurations(durations),
    };
    const { provider, requests } = fakeProvider(new Map([[a, slow], [c, slow]]));
    const { classifier } = fakeClassifier(LABELS, [], probabilities, events);
    const service = createThemeService({ classifier: async () => classifier, cache: tracked, provider, now: () => T0, log: quietLog() });

    const results = await service.classify([a, b, c]);
    expect(requests).toEqual([[c]]);
    // a: from the cache (fast → workout), not the provider's (slow) answer.
    expect(results.map((r) => (r.status === 'ok' ? r.theme : r.status))).toEqual(['workout', 'unknown', 'sleep']);
    // The answer does not wait for IndexedDB.
    await vi.waitFor(() => expect(events).toEqual(['predict', 'put']));
    const stored = await db.features.get(c);
    // With its last use (when it was stored: the cache's clock, not the service's).
    expect(stored).toEqual({ ...record(c, slow, T0), usedAt: expect.any(Number) });

    // Asked again: everything is cached now.
    await service.classify([c, a]);
    expect(requests).toEqual([[c]]);
  });

  it('never fetches a track that is already being fetched: concurrent requests (other tabs, a reload) wait for the same answer', async () => {
    const [a, b, c] = [trackId(1), trackId(2), trackId(3)];
    const { provider, requests } = fakeProvider(new Map([[a, fast], [b, slow], [c, fast]]), new Map());
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowProvider: AudioFeatureProvider = {
      id: 'reccobeats',
      async getAudioFeatures(ids) {
        const answer = await provider.getAudioFeatures(ids);
        await gate;
        return answer;
      },
    };
    const { classifier } = fakeClassifier(LABELS, [], probabilities);
    const service = createThemeService({ classifier: async () => classifier, cache: createFeatureCache(freshDb()), provider: slowProvider, now: () => T0, log: quietLog() });
    const tab1 = service.classify([a, b]);
    await new Promise((r) => setTimeout(r, 20));
    const tab2 = service.classify([b, a, c]);
    const reload = service.classify([a]);
    await new Promise((r) => setTimeout(r, 20));
    release();
    const [one, two, three] = await Promise.all([tab1, tab2, reload]);
    expect(requests).toEqual([[a, b], [c]]);
    expect(one.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(two.map((r) => [r.trackId, r.status])).toEqual([[b, 'ok'], [a, 'ok'], [c, 'ok']]);
    expect(three).toEqual([one[0]]);
    // Answered and cached: asking again fetches nothing.
    await service.classify([a, b, c]);
    expect(requests).toHaveLength(2);
  });

  it('a failed fetch is not remembered as in flight: the next request asks again', async () => {
    const a = trackId(1);
    let fail = true;
    const flaky: AudioFeatureProvider = {
      id: 'reccobeats',
      async getAudioFeatures(ids) {
        if (fail) throw new Error('offline');
        return { features: new Map(ids.map((id) => [id, fast])), errors: new Map() };
      },
    };
    const { classifier } = fakeClassifier(LABELS, [], probabilities);
    const service = createThemeService({ classifier: async () => classifier, cache: createFeatureCache(freshDb()), provider: flaky, now: () => T0, log: quietLog() });
    expect(await service.classify([a])).toEqual([{ trackId: a, status: 'error', message: 'offline' }]);
    fail = false;
    expect((await service.classify([a]))[0]?.status).toBe('ok');
  });

  it('caches "unknown" answers too, and asks again once they expire', async () => {
    const a = trackId(1);
    let now = T0;
    const { provider, requests } = fakeProvider(new Map());
    const { classifier } = fakeClassifier(LABELS, [], probabilities);
    const db = freshDb();
    const service = createThemeService({ classifier: async () => classifier, cache: createFeatureCache(db), provider, now: () => now, log: quietLog() });
    expect(await service.classify([a])).toEqual([{ trackId: a, status: 'unknown' }]);
    // Stored after the answer; until then a request for it would join the answer.
    await vi.waitFor(async () => expect(await db.features.get(a)).toMatchObject({ features: null }));
    now = T0 + UNKNOWN_TTL_MS / 2;
    await service.classify([a]);
    expect(requests).toEqual([[a]]);
    now = T0 + UNKNOWN_TTL_MS + 1;
    await service.classify([a]);
    expect(requests).toEqual([[a], [a]]);
  });

  it('does not cache provider errors', async () => {
    const a = trackId(1);
    const db = freshDb();
    const { provider, requests } = fakeProvider(new Map(), new Map([[a, 'reccobeats: request timed out']]));
    const { classifier } = fakeClassifier(LABELS, [], probabilities);
    const service = createThemeService({ classifier: async () => classifier, cache: createFeatureCache(db), provider, now: () => T0, log: quietLog() });
    expect(await service.classify([a])).toEqual([{ trackId: a, status: 'error', message: 'reccobeats: request timed out' }]);
    expect(await db.features.count()).toBe(0);
    await service.classify([a]);
    expect(requests).toHaveLength(2);
  });

  it('never chooses an experimental theme by default, but still reports its probability', async () => {
    const a = trackId(1);
    const { provider } = fakeProvider(new Map([[a, dinnerish]]));
    const { classifier } = fakeClassifier(LABELS, ['dinner'], probabilities);
    const service = createThemeService({ classifier: async () => classifier, cache: createFeatureCache(freshDb()), provider, log: quietLog() });
    const [result] = await service.classify([a]);
    expect(result).toMatchObject({ status: 'ok', theme: 'party', probabilities: { dinner: 0.55 } });
  });

  it('uses the injected enabled themes when given', async () => {
    const a = trackId(1);
    const { provider } = fakeProvider(new Map([[a, dinnerish]]));
    const { classifier } = fakeClassifier(LABELS, ['dinner'], probabilities);
    const service = createThemeService({
      classifier: async () => classifier,
      cache: createFeatureCache(freshDb()),
      provider,
      enabledThemes: async () => ['dinner', 'sleep'],
      log: quietLog(),
    });
    expect((await service.classify([a]))[0]).toMatchObject({ status: 'ok', theme: 'dinner' });
  });

  it('renormalizes over the enabled themes and flags results below the uncertainty threshold', async () => {
    const [a, b] = [trackId(1), trackId(2)];
    const { provider } = fakeProvider(new Map([[a, dinnerish], [b, slow]]));
    const { classifier } = fakeClassifier(LABELS, [], probabilities);
    const service = createThemeService({
      classifier: async () => classifier,
      cache: createFeatureCache(freshDb()),
      provider,
      enabledThemes: async () => ['workout', 'party'],
      uncertainThreshold: async () => 0.7,
      log: quietLog(),
    });
    const [ra, rb] = await service.classify([a, b]);
    // a: workout 0.1, party 0.3 → party at 0.3 / 0.4 = 0.75, above 0.7.
    expect(ra).toMatchObject({ status: 'ok', theme: 'party', uncertain: false });
    expect(ra?.status === 'ok' && ra.probability).toBeCloseTo(0.75, 12);
    // The tooltip's themes are on the same scale (0.3 / 0.4 and 0.1 / 0.4); the model's own
    // probabilities stay as they are, dinner's 0.55 too.
    expect(ra?.status === 'ok' && ra.topThemes).toEqual([
      { theme: 'party', probability: expect.closeTo(0.75, 12) },
      { theme: 'workout', probability: expect.closeTo(0.25, 12) },
    ]);
    expect(ra?.status === 'ok' && ra.probabilities).toEqual({ workout: 0.1, party: 0.3, dinner: 0.55, sleep: 0.05 });
    // b: workout 0.05, party 0.05 → a tie at 0.5, below 0.7.
    expect(rb).toMatchObject({ status: 'ok', theme: 'workout', uncertain: true });
    expect(rb?.status === 'ok' && rb.probability).toBeCloseTo(0.5, 12);
  });

  it('predicts each distinct track with its own features', async () => {
    const [a, b] = [trackId(1), trackId(2)];
    const { provider } = fakeProvider(new Map([[a, fast], [b, slow]]));
    const { classifier, predicted } = fakeClassifier(LABELS, [], probabilities);
    const service = createThemeService({ classifier: async () => classifier, cache: createFeatureCache(freshDb()), provider, log: quietLog() });
    const results = await service.classify([b, a, b]);
    expect(results.map((r) => r.trackId)).toEqual([b, a, b]);
    expect(results.map((r) => (r.status === 'ok' ? r.theme : r.status))).toEqual(['sleep', 'workout', 'sleep']);
    expect(predicted.flat().every((f) => f.tempo === 60 || f.tempo === 170)).toBe(true);
  });

  it('still answers when the cache cannot store (QuotaExceededError) and logs a warning', async () => {
    const [a, b] = [trackId(1), trackId(2)];
    const real = createFeatureCache(freshDb());
    const full: FeatureCache = {
      get: (ids, now) => real.get(ids, now),
      put: () => Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError')),
      fillDurations: () => Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError')),
    };
    const { provider, requests } = fakeProvider(new Map([[a, fast], [b, slow]]));
    const { classifier } = fakeClassifier(LABELS, [], probabilities);
    const log = quietLog();
    const service = createThemeService({ classifier: async () => classifier, cache: full, provider, log });
    const results = await service.classify([a, b]);
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok']);
    await vi.waitFor(() => expect(log.warn).toHaveBeenCalledTimes(1));
    expect(String(log.warn.mock.calls[0]?.[0])).toMatch(/could not cache 2 tracks/);
    // The failed write still ends their time in flight: not cached, so asked for again.
    expect((await service.classify([a]))[0]?.status).toBe('ok');
    expect(requests).toEqual([[a, b], [a]]);
  });

  it('still answers when the cache cannot be read', async () => {
    const a = trackId(1);
    const broken: FeatureCache = { get: () => Promise.reject(new Error('IndexedDB is closed')), put: async () => {}, fillDurations: async () => 0 };
    const { provider, requests } = fakeProvider(new Map([[a, fast]]));
    const { classifier } = fakeClassifier(LABELS, [], probabilities);
    const log = quietLog();
    const service = createThemeService({ classifier: async () => classifier, cache: broken, provider, log });
    expect((await service.classify([a]))[0]).toMatchObject({ status: 'ok', theme: 'workout' });
    expect(requests).toEqual([[a]]);
    expect(log.warn).toHaveBeenCalled();
  });

  it('answers every track with an error when the model cannot be loaded', async () => {
    const [a, b] = [trackId(1), trackId(2)];
    const { provider } = fakeProvider(new Map([[a, fast]]));
    const service = createThemeService({
      classifier: () => Promise.reject(new Error('metadata.json: HTTP 404')),
      cache: createFeatureCache(freshDb()),
      provider,
      log: quietLog(),
    });
    expect(await service.classify([a, b])).toEqual([
      { trackId: a, status: 'error', message: 'model unavailable: metadata.json: HTTP 404' },
      { trackId: b, status: 'error', message: 'model unavailable: metadata.json: HTTP 404' },
    ]);
  });

  it('classifyCached (the warm start) answers the cached tracks only, in the order given and each once, like classify does, and never asks the provider', async () => {
    const [a, b, c, d] = [trackId(1), trackId(2), trackId(3), trackId(4)];
    const cache = createFeatureCache(freshDb());
    await cache.put([record(a, fast, T0), record(c, null, T0)]);
    const { provider, requests } = fakeProvider(new Map([[b, slow], [d, slow]]));
    const { classifier } = fakeClassifier(LABELS, [], probabilities);
    const service = createThemeService({ classifier: async () => classifier, cache, provider, now: () => T0, log: quietLog() });
    const warm = await service.classifyCached([c, b, a, c, d]);
    expect(requests).toEqual([]);
    expect(warm).toEqual([{ trackId: c, status: 'unknown' }, (await service.classify([a]))[0]]);
    expect(warm[1]).toMatchObject({ trackId: a, status: 'ok', theme: 'workout' });
    // Nothing cached: nothing to answer, and the model is not needed.
    expect(await service.classifyCached([b, d])).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('classifyCached does not wait for tracks being fetched, and gives nothing when the model or the cache fails', async () => {
    const [a, b] = [trackId(1), trackId(2)];
    const cache = createFeatureCache(freshDb());
    await cache.put([record(a, fast, T0)]);
    const never: AudioFeatureProvider = { id: 'reccobeats', getAudioFeatures: () => new Promise<ProviderResult>(() => {}) };
    const { classifier } = fakeClassifier(LABELS, [], probabilities);
    const service = createThemeService({ classifier: async () => classifier, cache, provider: never, now: () => T0, log: quietLog() });
    void service.classify([b]);
    expect((await service.classifyCached([b, a])).map((r) => r.trackId)).toEqual([a]);

    const noModel = createThemeService({ classifier: () => Promise.reject(new Error('metadata.json: HTTP 404')), cache, provider: never, log: quietLog() });
    expect(await noModel.classifyCached([a])).toEqual([]);
    const broken: FeatureCache = { get: () => Promise.reject(new Error('IndexedDB is closed')), put: async () => {}, fillDurations: async () => 0 };
    const noCache = createThemeService({ classifier: async () => classifier, cache: broken, provider: never, log: quietLog() });
    expect(await noCache.classifyCached([a])).toEqual([]);
  });
});

describe('theme service over the provider chain', () => {
  it('answers and caches each track with the provider it came from; unknown with the last provider asked; errors not cached', async () => {
    const [a, b, c, d] = [trackId(1), trackId(2), trackId(3), trackId(4)];
    const fast = makeFeatures({ tempo: 170 });
    const slow = makeFeatures({ tempo: 60 });
    const spotify = fakeProvider(new Map([[a, fast]]), new Map([[d, 'spotify: HTTP 500 for audio features']]), 'spotify');
    const recco = fakeProvider(new Map([[b, slow]]), new Map(), 'reccobeats');
    const chain = createProviderChain({ providers: [spotify.provider, recco.provider] });
    const { classifier } = fakeClassifier(LABELS, [], new Map([[170, [0.7, 0.2, 0.05, 0.05]], [60, [0.05, 0.05, 0.1, 0.8]]]));
    const db = freshDb();
    const service = createThemeService({ classifier: async () => classifier, cache: createFeatureCache(db), provider: chain, now: () => T0, log: { warn: vi.fn() } });

    const results = await service.classify([a, b, c, d]);
    expect(results.map((r) => [r.status, r.status === 'ok' ? r.provider : undefined])).toEqual([
      ['ok', 'spotify'],
      ['ok', 'reccobeats'],
      ['unknown', undefined],
      ['error', undefined],
    ]);
    expect(results[3]).toEqual({ trackId: d, status: 'error', message: 'spotify: HTTP 500 for audio features' });
    // Stored after the answer: each provider's batch once.
    await vi.waitFor(async () => expect(await db.features.count()).toBe(3));
    expect(await db.features.get(a)).toEqual({ trackId: a, features: fast, provider: 'spotify', fetchedAt: T0, durationMs: null, usedAt: expect.any(Number) });
    expect(await db.features.get(b)).toEqual({ trackId: b, features: slow, provider: 'reccobeats', fetchedAt: T0, durationMs: null, usedAt: expect.any(Number) });
    expect(await db.features.get(c)).toEqual({ trackId: c, features: null, provider: 'reccobeats', fetchedAt: T0, durationMs: null, usedAt: expect.any(Number) });
    expect(await db.features.get(d)).toBeUndefined();

    // Cached answers keep their provider on the next call and are not fetched again.
    const again = await service.classify([a, b]);
    expect(again.map((r) => (r.status === 'ok' ? r.provider : r.status))).toEqual(['spotify', 'reccobeats']);
    expect(spotify.requests).toEqual([[a, b, c, d]]);
    expect(recco.requests).toEqual([[b, c, d]]);
  });
});

describe('feature cache: stats, clear and seen-track search', () => {
  it('counts tracks and, with few rows, gives the exact UTF-8 JSON length of the stored records as bytes', async () => {
    const db = freshDb();
    const cache = createFeatureCache(db);
    expect(await cache.stats()).toEqual({ tracks: 0, bytes: 0, limit: DEFAULT_CACHE_LIMIT, problem: null });
    const records = [record(trackId(1), makeFeatures()), record(trackId(2), null)];
    await cache.put(records, T0 + 5);
    await cache.putTrackInfo([{ trackId: trackId(1), name: 'Café del Mar', artists: ['Energy 52'] }], T0);
    // As stored: each feature record with its last use, the title with its folded words.
    const expectedBytes =
      records.reduce((n, r) => n + Buffer.byteLength(JSON.stringify({ ...r, usedAt: T0 + 5 })), 0) +
      Buffer.byteLength(JSON.stringify({ trackId: trackId(1), name: 'Café del Mar', artists: ['Energy 52'], seenAt: T0, words: ['cafe', 'del', 'mar', 'energy', '52'] }));
    const stats = await cache.stats();
    expect(stats.tracks).toBe(2);
    // Property order in IndexedDB may differ from the literal's; the length does not.
    expect(stats.bytes).toBe(expectedBytes);
  });

  it('clear() empties features and seen tracks but not the Spotify connection', async () => {
    const db = freshDb();
    const cache = createFeatureCache(db);
    await cache.put([record(trackId(1), makeFeatures())]);
    await cache.putTrackInfo([{ trackId: trackId(1), name: 'Song', artists: ['Band'] }]);
    await db.connection.put({ key: 'spotify', clientId: 'x' });
    await cache.clear();
    expect(await cache.stats()).toEqual({ tracks: 0, bytes: 0, limit: DEFAULT_CACHE_LIMIT, problem: null });
    expect(await cache.searchSeen('song')).toEqual([]);
    expect(await db.connection.count()).toBe(1);
  });

  it('clearUnknown() deletes only the "unknown" answers', async () => {
    const cache = createFeatureCache(freshDb());
    const [a, b, c] = [trackId(1), trackId(2), trackId(3)];
    await cache.put([record(a, makeFeatures()), record(b, null), record(c, null)]);
    expect(await cache.clearUnknown()).toBe(2);
    expect([...(await cache.get([a, b, c], T0)).keys()]).toEqual([a]);
  });

  it('finds seen tracks by every word of the query beginning a word of the title or artists, ignoring case and accents, newest first', async () => {
    const cache = createFeatureCache(freshDb());
    const [a, b, c] = [trackId(1), trackId(2), trackId(3)];
    await cache.putTrackInfo([{ trackId: a, name: 'Café del Mar', artists: ['Energy 52'] }], T0);
    await cache.putTrackInfo([{ trackId: b, name: 'Mar Azul', artists: ['Beyoncé', 'Someone'] }], T0 + 1);
    await cache.putTrackInfo([{ trackId: c, name: 'Unrelated', artists: ['Nobody'] }], T0 + 2);
    expect((await cache.searchSeen('MAR')).map((t) => t.trackId)).toEqual([b, a]);
    expect(await cache.searchSeen('cafe energy')).toEqual([{ trackId: a, name: 'Café del Mar', artists: ['Energy 52'] }]);
    expect((await cache.searchSeen('beyonce mar')).map((t) => t.trackId)).toEqual([b]);
    expect(await cache.searchSeen('mar', 1)).toHaveLength(1);
    expect(await cache.searchSeen('   ')).toEqual([]);
    expect(await cache.searchSeen('nothing like this')).toEqual([]);
    await expect(cache.searchSeen('mar', 0)).rejects.toThrow(RangeError);
  });

  it('skips invalid seen-track entries and overwrites older ones', async () => {
    const cache = createFeatureCache(freshDb());
    const a = trackId(1);
    expect(await cache.putTrackInfo([{ trackId: 'bad', name: 'X', artists: [] }, { trackId: a, name: '', artists: [] }])).toBe(0);
    expect(await cache.putTrackInfo([{ trackId: a, name: 'Old title', artists: ['A'] }])).toBe(1);
    await cache.putTrackInfo([{ trackId: a, name: 'New title', artists: ['A'] }]);
    expect(await cache.searchSeen('title')).toEqual([{ trackId: a, name: 'New title', artists: ['A'] }]);
  });
});

describe('theme service: durations (issue 10)', () => {
  const fast = makeFeatures({ tempo: 170 });
  const quietLog = () => ({ warn: vi.fn() });
  /** A provider that answers `known` tracks with features and, for some, a duration (as Spotify's `duration_ms`). */
  function providerWithDurations(known: readonly string[], durations: ReadonlyMap<string, number>, id: ProviderId = 'spotify') {
    const requests: string[][] = [];
    let release: () => void = () => {};
    const gate = { hold: false };
    const provider: AudioFeatureProvider = {
      id,
      async getAudioFeatures(trackIds) {
        requests.push([...trackIds]);
        if (gate.hold) await new Promise<void>((resolve) => (release = resolve));
        const wanted = trackIds.filter((t) => known.includes(t));
        return {
          features: new Map(wanted.map((t) => [t, fast])),
          durations: new Map(wanted.flatMap((t) => (durations.has(t) ? [[t, durations.get(t) as number] as const] : []))),
          errors: new Map(),
        };
      },
    };
    return { provider, requests, gate, release: () => release() };
  }
  /**
   * A classifier that records the durations it was given for the tracks themselves. Each
   * `classify` predicts twice, synchronously one after the other: the tracks, then the
   * explanation's changed rows (model/explanation.ts), which are recorded apart in `explained`.
   */
  function recordingClassifier() {
    const given: (number | null)[][] = [];
    const explained: (number | null)[][] = [];
    let calls = 0;
    const classifier: Classifier = {
      metadata: parseModelMetadata(makeMetadataJson({ labels: LABELS })),
      predict(rows) {
        (calls++ % 2 === 0 ? given : explained).push(rows.map((r) => r.durationMs));
        return rows.map(() => [0.7, 0.2, 0.05, 0.05]);
      },
      dispose() {},
    };
    return { classifier, given };
  }

  it("uses the provider's duration over the page's, else the page's (normalized), else null; stores it with the features", async () => {
    const [a, b, c] = [trackId(1), trackId(2), trackId(3)];
    const db = freshDb();
    const { provider } = providerWithDurations([a, b, c], new Map([[a, 210_400]]));
    const { classifier, given } = recordingClassifier();
    const service = createThemeService({ classifier: async () => classifier, cache: createFeatureCache(db, { storage: null }), provider, now: () => T0, log: quietLog() });
    await service.classify([a, b, c], new Map([[a, 999_000], [b, 187_400]]));
    expect(given).toEqual([[210_000, 187_000, null]]);
    await vi.waitFor(async () => expect((await db.features.bulkGet([a, b, c])).map((r) => r?.durationMs)).toEqual([210_000, 187_000, null]));
  });

  it("fills a cached record's missing duration from the page, keeps a cached one over the page's, and uses both", async () => {
    const [a, b, c] = [trackId(1), trackId(2), trackId(3)];
    const db = freshDb();
    const cache = createFeatureCache(db, { storage: null });
    await cache.put([record(a, fast), record(b, fast, T0, 200_000), record(c, fast)]);
    const { provider, requests } = providerWithDurations([], new Map());
    const { classifier, given } = recordingClassifier();
    const service = createThemeService({ classifier: async () => classifier, cache, provider, now: () => T0, log: quietLog() });
    await service.classify([a, b, c], new Map([[a, 187_000], [b, 300_000]]));
    expect(requests).toEqual([]);
    expect(given).toEqual([[187_000, 200_000, null]]);
    await vi.waitFor(async () => expect((await db.features.get(a))?.durationMs).toBe(187_000));
    expect((await db.features.get(b))?.durationMs).toBe(200_000);
    // Asked again without a page (a pasted link in the popup): the cached durations.
    await service.classify([a, b, c]);
    expect(given[1]).toEqual([187_000, 200_000, null]);
  });

  it('a request that joins a fetch started without a duration uses its page duration and fills it into the stored record', async () => {
    const a = trackId(1);
    const db = freshDb();
    const { provider, requests, gate, release } = providerWithDurations([a], new Map(), 'reccobeats');
    gate.hold = true;
    const { classifier, given } = recordingClassifier();
    const service = createThemeService({ classifier: async () => classifier, cache: createFeatureCache(db, { storage: null }), provider, now: () => T0, log: quietLog() });
    const first = service.classify([a]);
    await vi.waitFor(() => expect(requests).toHaveLength(1));
    const second = service.classify([a], new Map([[a, 245_000]]));
    release();
    await Promise.all([first, second]);
    expect(requests).toHaveLength(1);
    // The first request had no page duration (nor had the provider): unknown; the second its page's.
    expect(given).toHaveLength(2);
    expect(given).toContainEqual([null]);
    expect(given).toContainEqual([245_000]);
    await vi.waitFor(async () => expect((await db.features.get(a))?.durationMs).toBe(245_000));
  });

  it('a failed duration update costs nothing but a warning', async () => {
    const a = trackId(1);
    const real = createFeatureCache(freshDb(), { storage: null });
    await real.put([record(a, fast)]);
    const log = quietLog();
    const cache: FeatureCache = { get: (ids, now) => real.get(ids, now), put: (r) => real.put(r), fillDurations: () => Promise.reject(new Error('disk on fire')) };
    const { provider } = providerWithDurations([], new Map());
    const { classifier, given } = recordingClassifier();
    const service = createThemeService({ classifier: async () => classifier, cache, provider, now: () => T0, log });
    expect((await service.classify([a], new Map([[a, 100_000]])))[0]).toMatchObject({ status: 'ok' });
    expect(given).toEqual([[100_000]]);
    await vi.waitFor(() => expect(log.warn).toHaveBeenCalledWith(expect.stringMatching(/could not cache 1 tracks' durations/), expect.any(Error)));
  });
});
