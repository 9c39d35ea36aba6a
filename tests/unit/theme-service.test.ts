/**
 * The theme service's bounded waits and batch-by-batch storage (hardening issue 9). Its other
 * behaviour is tested in cache-and-service.test.ts. The cache here is a plain map behind the
 * `FeatureCache` interface, so fake timers drive everything.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Classifier } from '@/model/classifier';
import type { AudioFeatures } from '@/model/features';
import { parseModelMetadata } from '@/model/metadata';
import type { ThemeId } from '@/model/themes';
import type { FeatureCache, FeatureRecord } from '@/lib/background/cache';
import { createProviderChain } from '@/lib/background/providers/chain';
import { createReccoBeatsProvider } from '@/lib/background/providers/reccobeats';
import type { AudioFeatureProvider, ProviderBatch, ProviderResult } from '@/lib/background/providers/types';
import { CLASSIFY_DEADLINE_MS, createThemeService } from '@/lib/background/theme-service';
import type { TrackId } from '@/lib/shared/track-id';
import { makeFeatures, makeMetadataJson, trackId } from './support/fixtures';
import { settled } from './support/settled';

afterEach(() => {
  vi.useRealTimers();
});

const T0 = 1_700_000_000_000;
const LABELS: ThemeId[] = ['workout', 'party', 'dinner', 'sleep'];
const fast = makeFeatures({ tempo: 170 });

/** A classifier that calls every track with features a workout track (0.7). */
function workoutClassifier(): Classifier {
  return {
    metadata: parseModelMetadata(makeMetadataJson({ labels: LABELS })),
    predict: (rows) => rows.map(() => [0.7, 0.2, 0.05, 0.05]),
    dispose() {},
  };
}

/** A `FeatureCache` in a map, recording each `put`'s track IDs. */
function memoryCache() {
  const records = new Map<TrackId, FeatureRecord>();
  const puts: TrackId[][] = [];
  const fills: Map<TrackId, number>[] = [];
  const cache: FeatureCache = {
    async get(ids) {
      return new Map(ids.flatMap((id) => {
        const r = records.get(id);
        return r ? [[id, r] as const] : [];
      }));
    },
    async put(batch) {
      puts.push(batch.map((r) => r.trackId));
      for (const r of batch) records.set(r.trackId, r);
    },
    async fillDurations(durations) {
      fills.push(new Map(durations));
      let filled = 0;
      for (const [id, durationMs] of durations) {
        const r = records.get(id);
        if (r && r.durationMs === null) {
          records.set(id, { ...r, durationMs });
          filled++;
        }
      }
      return filled;
    },
  };
  return { cache, records, puts, fills };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => trackId(i, 'B'));

describe('theme service: every batch is stored as soon as it arrives', () => {
  it('with 3 ReccoBeats batches where the third never finishes, the first two are cached at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const wanted = ids(95);
    const requested: string[][] = [];
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const url = new URL(new Request(input, init).url);
      const asked = (url.searchParams.get('ids') ?? '').split(',');
      requested.push(asked);
      // The third batch's headers arrive, then its body stalls for ever.
      if (requested.length === 3) {
        const stalled = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new TextEncoder().encode('{"content":[')) });
        return new Response(stalled, { status: 200, headers: { 'content-type': 'application/json' } });
      }
      const content = asked.map((id) => ({ id: `rb-${id}`, href: `https://open.spotify.com/track/${id}`, ...fast }));
      return new Response(JSON.stringify({ content }), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const chain = createProviderChain({ providers: [createReccoBeatsProvider({ fetch, retries: 0 })], settings: async () => ({ order: ['reccobeats'], disabled: ['spotify'] }) });
    const { cache, records, puts } = memoryCache();
    const service = createThemeService({ classifier: async () => workoutClassifier(), cache, provider: chain, now: () => T0, log: { warn: vi.fn() } });

    const answer = service.classify(wanted);
    await vi.advanceTimersByTimeAsync(0);

    expect(requested.map((r) => r.length)).toEqual([40, 40, 15]);
    expect(puts).toEqual([wanted.slice(0, 40), wanted.slice(40, 80)]);
    expect([...records.keys()].sort()).toEqual(wanted.slice(0, 80).sort());
    expect(records.get(wanted[0] ?? '')).toEqual({ trackId: wanted[0], features: fast, provider: 'reccobeats', fetchedAt: T0, durationMs: null });
    expect(await settled(answer)).toBe(false);

    // The stalled batch ends at ReccoBeats' 20 s deadline; the message still answers everything.
    await vi.advanceTimersByTimeAsync(20_000);
    const results = await answer;
    expect(results.slice(0, 80).every((r) => r.status === 'ok')).toBe(true);
    expect(results.slice(80)).toEqual(wanted.slice(80).map((trackId) => ({ trackId, status: 'error', message: 'reccobeats: ReccoBeats did not answer within 20 s' })));
    expect(records.size).toBe(80);
  });

  it("answers a batch's tracks without waiting for the database, and keeps them in flight until they are stored", async () => {
    const a = trackId(1, 'B');
    const asked: TrackId[][] = [];
    const provider: AudioFeatureProvider = {
      id: 'reccobeats',
      async getAudioFeatures(trackIds, onBatch) {
        asked.push([...trackIds]);
        const batch: ProviderBatch = { trackIds, features: new Map(trackIds.map((id) => [id, fast])), errors: new Map() };
        onBatch?.(batch);
        return batch;
      },
    };
    const { cache, records } = memoryCache();
    const reads: TrackId[][] = [];
    let finishPut: () => void = () => {};
    const putDone = new Promise<void>((resolve) => (finishPut = resolve));
    const slowPut: FeatureCache = {
      get: (ids, now) => (reads.push([...ids]), cache.get(ids, now)),
      fillDurations: cache.fillDurations,
      async put(batch) {
        await putDone;
        await cache.put(batch);
      },
    };
    const service = createThemeService({ classifier: async () => workoutClassifier(), cache: slowPut, provider, log: { warn: vi.fn() } });

    // The database write has not finished; the track is answered all the same.
    expect((await service.classify([a]))[0]).toMatchObject({ status: 'ok', theme: 'workout' });
    expect(records.size).toBe(0);
    // Asked again meanwhile: it joins the answer (no fetch, and no cache read for it).
    expect((await service.classify([a]))[0]).toMatchObject({ status: 'ok', theme: 'workout' });
    expect(asked).toEqual([[a]]);
    expect(reads).toEqual([[a], []]);

    // Once stored, it is read from the cache.
    finishPut();
    await vi.waitFor(() => expect(records.has(a)).toBe(true));
    await vi.waitFor(async () => {
      await service.classify([a]);
      expect(reads.at(-1)).toEqual([a]);
    });
    expect(asked).toEqual([[a]]);
  });

  it('a track whose answer is an error leaves the in-flight set at once: the next request asks again', async () => {
    const a = trackId(2, 'B');
    let calls = 0;
    const provider: AudioFeatureProvider = {
      id: 'reccobeats',
      async getAudioFeatures(trackIds) {
        calls++;
        return { features: new Map(), errors: new Map(trackIds.map((id) => [id, 'reccobeats: HTTP 500'])) };
      },
    };
    // Nothing is stored for an error, so nothing holds the track (a put here would never finish).
    const never: FeatureCache = { get: async () => new Map(), put: () => new Promise(() => {}), fillDurations: async () => 0 };
    const service = createThemeService({ classifier: async () => workoutClassifier(), cache: never, provider, log: { warn: vi.fn() } });
    expect((await service.classify([a]))[0]).toEqual({ trackId: a, status: 'error', message: 'reccobeats: HTTP 500' });
    await service.classify([a]);
    expect(calls).toBe(2);
  });
});

describe('theme service: one deadline per classify message', () => {
  it('is 45 s', () => {
    expect(CLASSIFY_DEADLINE_MS).toBe(45_000);
  });

  /** A provider that answers the first `ids.length / 2` tracks at once and the rest when `release()` is called. */
  function halfNow() {
    let release: () => void = () => {};
    const later = new Promise<void>((resolve) => (release = resolve));
    const calls: TrackId[][] = [];
    const provider: AudioFeatureProvider = {
      id: 'reccobeats',
      async getAudioFeatures(trackIds, onBatch): Promise<ProviderResult> {
        calls.push([...trackIds]);
        const half = Math.ceil(trackIds.length / 2);
        const first: ProviderBatch = { trackIds: trackIds.slice(0, half), features: new Map(trackIds.slice(0, half).map((id) => [id, fast])), errors: new Map() };
        onBatch?.(first);
        await later;
        const second: ProviderBatch = { trackIds: trackIds.slice(half), features: new Map(trackIds.slice(half).map((id) => [id, fast])), errors: new Map() };
        onBatch?.(second);
        return { features: new Map([...first.features, ...second.features]), errors: new Map() };
      },
    };
    return { provider, release, calls };
  }

  it('answers at the 45 s deadline: arrived tracks classified, the others errors; late answers are still cached', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const wanted = ids(4);
    const { provider, release, calls } = halfNow();
    const { cache, records } = memoryCache();
    const service = createThemeService({ classifier: async () => workoutClassifier(), cache, provider, now: () => T0, log: { warn: vi.fn() } });

    const answer = service.classify(wanted);
    await vi.advanceTimersByTimeAsync(45_000 - 1);
    expect(await settled(answer)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const results = await answer;

    expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'error', 'error']);
    for (const r of results.slice(2)) expect(r).toMatchObject({ status: 'error', message: expect.stringMatching(/^audio features did not arrive within 45 s/) });
    expect([...records.keys()]).toEqual(wanted.slice(0, 2));

    // The answer arrives after the deadline: it is cached, and the next message gets it without asking again.
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect([...records.keys()].sort()).toEqual([...wanted].sort());
    const again = await service.classify(wanted);
    expect(again.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(calls).toHaveLength(1);
  });

  it('bounds a message that joins a fetch already on its way by its own deadline', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const wanted = ids(2);
    const { provider, calls } = halfNow();
    const { cache } = memoryCache();
    const service = createThemeService({ classifier: async () => workoutClassifier(), cache, provider, log: { warn: vi.fn() }, deadlineMs: 1_000 });
    const first = service.classify(wanted);
    await vi.advanceTimersByTimeAsync(500);
    const second = service.classify([wanted[1] ?? '']);
    await vi.advanceTimersByTimeAsync(500);
    expect((await first).map((r) => r.status)).toEqual(['ok', 'error']);
    expect(await settled(second)).toBe(false);
    await vi.advanceTimersByTimeAsync(500);
    expect(await second).toEqual([{ trackId: wanted[1], status: 'error', message: expect.stringMatching(/^audio features did not arrive within 1 s/) }]);
    expect(calls).toHaveLength(1);
  });

  it('answers with errors when the model never loads', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const a = trackId(1, 'B');
    const { cache } = memoryCache();
    const provider: AudioFeatureProvider = { id: 'reccobeats', getAudioFeatures: async (t) => ({ features: new Map(t.map((id) => [id, fast])), errors: new Map() }) };
    const service = createThemeService({ classifier: () => new Promise<Classifier>(() => {}), cache, provider, log: { warn: vi.fn() }, deadlineMs: 2_000 });
    const answer = service.classify([a]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await answer).toEqual([{ trackId: a, status: 'error', message: 'model unavailable: not loaded within 2 s' }]);
  });

  it('goes on without the cache when reading it never ends', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const a = trackId(1, 'B');
    const stuck: FeatureCache = { get: () => new Promise(() => {}), put: async () => {}, fillDurations: async () => 0 };
    const provider: AudioFeatureProvider = { id: 'reccobeats', getAudioFeatures: async (t) => ({ features: new Map<TrackId, AudioFeatures>(t.map((id) => [id, fast])), errors: new Map() }) };
    const log = { warn: vi.fn() };
    const service = createThemeService({ classifier: async () => workoutClassifier(), cache: stuck, provider, log, deadlineMs: 2_000 });
    const answer = service.classify([a]);
    await vi.advanceTimersByTimeAsync(2_000);
    // The cache read used up the whole deadline: the track is an error now, and its features are on their way for next time.
    expect(await answer).toEqual([{ trackId: a, status: 'error', message: expect.stringMatching(/did not arrive within 2 s/) }]);
    expect(log.warn).toHaveBeenCalled();
  });
});
