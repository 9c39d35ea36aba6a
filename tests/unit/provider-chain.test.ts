import { describe, expect, it, vi } from 'vitest';
import type { AudioFeatures } from '@/model/features';
import { createProviderChain, type SourcedBatch } from '@/lib/background/providers/chain';
import type { AudioFeatureProvider, ProviderResult, ProviderSkip } from '@/lib/background/providers/types';
import { DEFAULT_PROVIDER_SETTINGS, type ProviderId, type ProviderSettings } from '@/lib/shared/providers';
import { makeFeatures, trackId } from './support/fixtures';

interface FakeSpec {
  known?: Map<string, AudioFeatures>;
  durations?: Map<string, number>;
  failing?: Map<string, string>;
  skip?: ProviderSkip;
  throws?: Error;
}

/** A provider that knows `known`, fails `failing`, and records what it was asked. */
function fake(id: ProviderId, spec: FakeSpec = {}) {
  const requests: string[][] = [];
  const provider: AudioFeatureProvider = {
    id,
    async skipReason() {
      return spec.skip;
    },
    async getAudioFeatures(trackIds) {
      requests.push([...trackIds]);
      if (spec.throws) throw spec.throws;
      const result = { features: new Map<string, AudioFeatures>(), durations: new Map<string, number>(), errors: new Map<string, string>() } satisfies ProviderResult;
      for (const t of trackIds) {
        const error = spec.failing?.get(t);
        const f = spec.known?.get(t);
        const duration = spec.durations?.get(t);
        if (error !== undefined) result.errors.set(t, error);
        else if (f) result.features.set(t, f);
        if (duration !== undefined) result.durations.set(t, duration);
      }
      return result;
    },
  };
  return { provider, requests };
}

const [a, b, c, d] = [trackId(1), trackId(2), trackId(3), trackId(4)];
const fa = makeFeatures({ tempo: 101 });
const fb = makeFeatures({ tempo: 102 });
const fc = makeFeatures({ tempo: 103 });
const settings = (s: ProviderSettings) => async () => s;

describe('provider chain', () => {
  it('asks Spotify first, then ReccoBeats only for what Spotify lacked, and records who answered', async () => {
    const spotify = fake('spotify', { known: new Map([[a, fa]]) });
    const recco = fake('reccobeats', { known: new Map([[b, fb], [a, fc]]) });
    const chain = createProviderChain({ providers: [recco.provider, spotify.provider] });
    const result = await chain.getAudioFeatures([a, b, c]);
    expect(spotify.requests).toEqual([[a, b, c]]);
    expect(recco.requests).toEqual([[b, c]]);
    expect(result.features).toEqual(new Map([[a, fa], [b, fb]]));
    expect(result.providerOf).toEqual(new Map([[a, 'spotify'], [b, 'reccobeats'], [c, 'reccobeats']]));
    expect(result.errors.size).toBe(0);
    expect(DEFAULT_PROVIDER_SETTINGS).toEqual({ order: ['spotify', 'reccobeats'], disabled: [] });
  });

  it("takes a track's duration from the provider that gave its features, in the result and in onSettled (issue 10)", async () => {
    // Spotify has features and a duration for a, a duration but no features for b (ignored: ReccoBeats gives b's features).
    const spotify = fake('spotify', { known: new Map([[a, fa]]), durations: new Map([[a, 187_000], [b, 999_000]]) });
    const recco = fake('reccobeats', { known: new Map([[b, fb]]) });
    const chain = createProviderChain({ providers: [spotify.provider, recco.provider] });
    const settled: SourcedBatch[] = [];
    const result = await chain.getAudioFeatures([a, b, c], (batch) => settled.push(batch));
    expect(result.durations).toEqual(new Map([[a, 187_000]]));
    expect(settled.flatMap((s) => [...(s.durations ?? [])])).toEqual([[a, 187_000]]);
  });

  it('follows the user\'s order', async () => {
    const spotify = fake('spotify', { known: new Map([[a, fa]]) });
    const recco = fake('reccobeats', { known: new Map([[a, fc]]) });
    const chain = createProviderChain({ providers: [spotify.provider, recco.provider], settings: settings({ order: ['reccobeats', 'spotify'], disabled: [] }) });
    const result = await chain.getAudioFeatures([a]);
    expect(result.features.get(a)).toEqual(fc);
    expect(result.providerOf.get(a)).toBe('reccobeats');
    expect(spotify.requests).toEqual([]);
  });

  it('skips a disabled provider and a provider that says why it cannot be asked, and reports both', async () => {
    const skip: ProviderSkip = { reason: 'not-connected', message: 'Spotify is not connected' };
    const spotify = fake('spotify', { known: new Map([[a, fa]]), skip });
    const recco = fake('reccobeats', { known: new Map([[a, fc]]) });
    const chain = createProviderChain({ providers: [spotify.provider, recco.provider] });
    expect((await chain.getAudioFeatures([a])).providerOf.get(a)).toBe('reccobeats');
    expect(spotify.requests).toEqual([]);
    expect(await chain.states()).toEqual([{ id: 'spotify', active: false, ...skip }, { id: 'reccobeats', active: true }]);

    const off = createProviderChain({ providers: [fake('spotify').provider, recco.provider], settings: settings({ order: ['spotify', 'reccobeats'], disabled: ['spotify'] }) });
    expect(await off.states()).toEqual([
      { id: 'spotify', active: false, reason: 'disabled', message: 'spotify is turned off in the options' },
      { id: 'reccobeats', active: true },
    ]);
  });

  it('moves a failed track on to the next provider; errors only when no one has features', async () => {
    const spotify = fake('spotify', { failing: new Map([[a, 'spotify: HTTP 500 for audio features'], [b, 'spotify: request timed out'], [c, 'spotify: HTTP 429 for audio features']]) });
    const recco = fake('reccobeats', { known: new Map([[a, fa]]), failing: new Map([[c, 'reccobeats: network error (offline)']]) });
    const chain = createProviderChain({ providers: [spotify.provider, recco.provider] });
    const result = await chain.getAudioFeatures([a, b, c, d]);
    expect(recco.requests).toEqual([[a, b, c, d]]);
    expect(result.features).toEqual(new Map([[a, fa]]));
    expect(result.providerOf.get(a)).toBe('reccobeats');
    // b: failed at Spotify, unknown to ReccoBeats → still an error, saying which provider failed and why.
    expect(result.errors.get(b)).toBe('spotify: request timed out');
    expect(result.errors.get(c)).toBe('spotify: HTTP 429 for audio features; reccobeats: network error (offline)');
    // d: unknown everywhere, nobody failed → unknown, attributed to the last provider asked.
    expect(result.errors.has(d)).toBe(false);
    expect(result.features.has(d)).toBe(false);
    expect(result.providerOf.get(d)).toBe('reccobeats');
    expect(result.providerOf.has(b)).toBe(false);
  });

  it('turns a provider that throws into per-track errors and still asks the next one', async () => {
    const spotify = fake('spotify', { throws: new Error('boom') });
    const recco = fake('reccobeats', { known: new Map([[a, fa]]) });
    const result = await createProviderChain({ providers: [spotify.provider, recco.provider] }).getAudioFeatures([a, b]);
    expect(result.features.get(a)).toEqual(fa);
    expect(result.errors.get(b)).toBe('spotify: boom');
  });

  it('answers an error for every track when no provider can be asked', async () => {
    const spotify = fake('spotify', { skip: { reason: 'unavailable', message: 'audio features are not available to this Spotify app (HTTP 403)' } });
    const recco = fake('reccobeats');
    const chain = createProviderChain({ providers: [spotify.provider, recco.provider], settings: settings({ order: ['spotify', 'reccobeats'], disabled: ['reccobeats'] }) });
    const result = await chain.getAudioFeatures([a, b, a]);
    expect(recco.requests).toEqual([]);
    expect([...result.errors.keys()]).toEqual([a, b]);
    expect(result.errors.get(a)).toMatch(/^no audio-features provider can be asked \(spotify: audio features are not available.*; reccobeats: reccobeats is turned off/);
  });

  it('falls back to the default order on invalid settings, and appends providers the order leaves out', async () => {
    const log = { warn: vi.fn() };
    const spotify = fake('spotify', { known: new Map([[a, fa]]) });
    const recco = fake('reccobeats', { known: new Map([[a, fc]]) });
    const bad = createProviderChain({ providers: [spotify.provider, recco.provider], settings: async () => ({ order: ['napster'], disabled: [] }) as unknown as ProviderSettings, log });
    expect((await bad.getAudioFeatures([a])).providerOf.get(a)).toBe('spotify');
    expect(log.warn).toHaveBeenCalled();
    const partial = createProviderChain({ providers: [spotify.provider, recco.provider], settings: settings({ order: ['reccobeats'], disabled: [] }) });
    expect((await partial.states()).map((s) => s.id)).toEqual(['reccobeats', 'spotify']);
  });
});

/**
 * A provider that answers in batches of `size`, handing each to `onBatch` before the next:
 * features for `known`, an error for `failing`, nothing (unknown) for the rest. `stopAfter`
 * batches, it throws instead of going on.
 */
function batching(id: ProviderId, size: number, spec: { known?: Map<string, AudioFeatures>; failing?: Map<string, string>; stopAfter?: number } = {}) {
  const requests: string[][] = [];
  const provider: AudioFeatureProvider = {
    id,
    async getAudioFeatures(trackIds, onBatch) {
      const result: ProviderResult = { features: new Map(), errors: new Map() };
      for (let i = 0; i < trackIds.length; i += size) {
        if (spec.stopAfter !== undefined && requests.length >= spec.stopAfter) throw new Error('connection reset');
        const ids = trackIds.slice(i, i + size);
        requests.push(ids);
        const batch = { trackIds: ids, features: new Map<string, AudioFeatures>(), errors: new Map<string, string>() };
        for (const t of ids) {
          const f = spec.known?.get(t);
          const error = spec.failing?.get(t);
          if (f) batch.features.set(t, f);
          else if (error !== undefined) batch.errors.set(t, error);
        }
        for (const [t, f] of batch.features) result.features.set(t, f);
        for (const [t, e] of batch.errors) result.errors.set(t, e);
        onBatch?.(batch);
      }
      return result;
    },
  };
  return { provider, requests };
}

/** A settled batch as plain data, for comparing. */
const plain = (b: SourcedBatch) => ({ trackIds: [...b.trackIds], features: Object.fromEntries(b.features), errors: Object.fromEntries(b.errors), providerOf: Object.fromEntries(b.providerOf) });

describe('provider chain: answers as soon as they are final', () => {
  it('tells onSettled about each track once: features when they arrive, unknown and failed tracks when the last provider answered', async () => {
    const spotify = batching('spotify', 2, { known: new Map([[a, fa]]), failing: new Map([[b, 'spotify: HTTP 500 for audio features']]) });
    const recco = batching('reccobeats', 2, { known: new Map([[c, fc]]) });
    const settled: SourcedBatch[] = [];
    const chain = createProviderChain({ providers: [spotify.provider, recco.provider] });
    const result = await chain.getAudioFeatures([a, b, c, d], (batch) => settled.push(batch));

    expect(spotify.requests).toEqual([[a, b], [c, d]]);
    expect(recco.requests).toEqual([[b, c], [d]]);
    expect(settled.map(plain)).toEqual([
      // Spotify's first batch: a is final; b failed and goes on to ReccoBeats. Its second batch settles nothing.
      { trackIds: [a], features: { [a]: fa }, errors: {}, providerOf: { [a]: 'spotify' } },
      // ReccoBeats is the last provider: b stays failed (nobody had it), c has features.
      { trackIds: [b, c], features: { [c]: fc }, errors: { [b]: 'spotify: HTTP 500 for audio features' }, providerOf: { [c]: 'reccobeats' } },
      // d: unknown everywhere.
      { trackIds: [d], features: {}, errors: {}, providerOf: { [d]: 'reccobeats' } },
    ]);
    expect(result.features).toEqual(new Map([[a, fa], [c, fc]]));
    expect(result.errors).toEqual(new Map([[b, 'spotify: HTTP 500 for audio features']]));
    expect(result.providerOf).toEqual(new Map([[a, 'spotify'], [c, 'reccobeats'], [d, 'reccobeats']]));
  });

  it('settles from the resolved result what a provider did not report in batches', async () => {
    const spotify = fake('spotify', { known: new Map([[a, fa]]) });
    const recco = fake('reccobeats', { known: new Map([[b, fb]]) });
    const settled: SourcedBatch[] = [];
    await createProviderChain({ providers: [spotify.provider, recco.provider] }).getAudioFeatures([a, b, c], (batch) => settled.push(batch));
    expect(settled.map((s) => [...s.trackIds])).toEqual([[a], [b, c]]);
    expect(settled.flatMap((s) => [...s.trackIds]).sort()).toEqual([a, b, c].sort());
  });

  it('keeps what a provider reported before it threw, and fails only the rest', async () => {
    const recco = batching('reccobeats', 1, { known: new Map([[a, fa], [b, fb]]), stopAfter: 1 });
    const settled: SourcedBatch[] = [];
    const result = await createProviderChain({ providers: [recco.provider], settings: settings({ order: ['reccobeats'], disabled: ['spotify'] }) }).getAudioFeatures([a, b], (batch) =>
      settled.push(batch),
    );
    expect(settled.map(plain)).toEqual([
      { trackIds: [a], features: { [a]: fa }, errors: {}, providerOf: { [a]: 'reccobeats' } },
      { trackIds: [b], features: {}, errors: { [b]: 'reccobeats: connection reset' }, providerOf: {} },
    ]);
    expect(result.features).toEqual(new Map([[a, fa]]));
    expect(result.errors).toEqual(new Map([[b, 'reccobeats: connection reset']]));
  });
});
