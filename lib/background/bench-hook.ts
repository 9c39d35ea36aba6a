import { loadBundledClassifier } from '@/lib/background/bundled-model';
import { createFeatureCache, PredictorDatabase, type FeatureRecord, type TrackInfo } from '@/lib/background/cache';
import { benchmarkClassifier, type BenchResult } from '@/model/benchmark';
import type { AudioFeatures } from '@/model/features';

/** Name of the global the e2e build's background exposes for `npm run bench:model`. */
export const BENCH_HOOK_NAME = '__playlistPredictorBench';

/** The hook: times loading the bundled model and `predict` on the given tracks (see {@link benchmarkClassifier}). */
export type BenchHook = (tracks: AudioFeatures[]) => Promise<BenchResult>;

/**
 * Installs the model benchmark on `globalThis[BENCH_HOOK_NAME]`, and the cache hook on
 * `globalThis[CACHE_HOOK_NAME]` (see {@link installCacheHook}). The background calls this only
 * in the test-only build (`wxt build --mode e2e`, `import.meta.env.MODE === 'e2e'`), so
 * production bundles do not contain either. The model is loaded exactly as the background loads
 * it (`loadBundledClassifier` with extension URLs), a fresh instance per call.
 *
 * @param url maps an extension path to a URL (`browser.runtime.getURL`).
 */
export function installBenchHook(url: Parameters<typeof loadBundledClassifier>[0]): void {
  const hook: BenchHook = (tracks) => benchmarkClassifier(() => loadBundledClassifier(url), tracks);
  Object.defineProperty(globalThis, BENCH_HOOK_NAME, { value: hook, configurable: true });
  installCacheHook();
}

/** Name of the global the e2e build's background exposes for the end-to-end cache tests. */
export const CACHE_HOOK_NAME = '__playlistPredictorCache';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A 32-bit mix of `n` (splitmix-like), deterministic. */
function mix32(n: number): number {
  let h = (n ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The `index`-th synthetic track ID of a cache fill (index 0 to 56 billion): 22 base62
 * characters, 16 pseudo-random ones and then the index in base62 (so IDs are unique), so that
 * the IDs' key order has nothing to do with the order they were stored in. Pure: the tests
 * compute the same IDs.
 */
export function fillTrackId(index: number): string {
  let id = '';
  let h = mix32(index);
  for (let i = 0; i < 16; i++) {
    h = mix32(h + i);
    id += BASE62.charAt(h % 62);
  }
  let rest = '';
  for (let n = index, i = 0; i < 6; i++, n = Math.floor(n / 62)) rest = BASE62.charAt(n % 62) + rest;
  return id + rest;
}

/** Synthetic audio features of fill index `index`, inside the model's ranges (`AudioFeaturesSchema`). */
export function fillFeatures(index: number): AudioFeatures {
  let h = mix32(index + 0x51ed);
  const next = (): number => {
    h = mix32(h);
    return h / 0x1_0000_0000;
  };
  return {
    acousticness: next(),
    danceability: next(),
    energy: next(),
    instrumentalness: next() * 0.5,
    key: Math.floor(next() * 13) - 1,
    liveness: next() * 0.6,
    loudness: -30 + next() * 28,
    mode: next() < 0.6 ? 1 : 0,
    speechiness: next() * 0.4,
    tempo: 60 + next() * 120,
    valence: next(),
  };
}

/** The title and artist recorded for fill index `index`: `Filler song <index>` by `Bench Artist <index mod 1000>`. */
export function fillTrackInfo(index: number): TrackInfo {
  return { trackId: fillTrackId(index), name: `Filler song ${index}`, artists: [`Bench Artist ${index % 1000}`] };
}

/** What {@link CacheHook.fill} is asked for. */
export interface CacheFillRequest {
  /** First fill index (default 0). */
  readonly from?: number;
  /** How many tracks: fill indices `from` to `from + count - 1`. */
  readonly count: number;
  /** Records per bulk write (default 5,000). Each chunk is stored after the previous one, so earlier chunks are less recently used. */
  readonly chunkSize?: number;
  /** Also record each track's title and artist for the search over seen tracks (default true). */
  readonly titles?: boolean;
  /**
   * The chunks' store times (`put`'s and `putTrackInfo`'s `now`: last use, fetch and seen times)
   * are spread evenly over this many ms before now, oldest chunk first, as if the tracks had been
   * seen over that time (default 0: all stored now).
   */
  readonly storedOverMs?: number;
}

/** What {@link CacheHook.fill} did, with its times in ms (`performance.now()` in the service worker). */
export interface CacheFillResult {
  readonly count: number;
  readonly chunks: number;
  /** The whole fill. */
  readonly ms: number;
  /** Of which writing feature records. */
  readonly featureMs: number;
  /** Of which writing titles. */
  readonly titleMs: number;
}

/**
 * The cache hook of the test-only build. It writes through the cache module's own
 * `createFeatureCache` (its `put` and `putTrackInfo`), so the records are exactly those the
 * extension stores, and reads the database directly (so a check does not count as a use).
 */
export interface CacheHook {
  /** Fills the feature cache (and the seen titles) with synthetic tracks, in chunks (see {@link CacheFillRequest}). */
  fill(request: CacheFillRequest): Promise<CacheFillResult>;
  /** Numbers of feature records and of seen-track titles in the database. */
  count(): Promise<{ readonly features: number; readonly titles: number }>;
  /** For fill indices `from` to `to - 1`: `'1'` when the track's feature record is in the database, `'0'` when not. */
  presentByIndex(from: number, to: number): Promise<string>;
  /** For each ID: whether its feature record is in the database. */
  present(trackIds: readonly string[]): Promise<boolean[]>;
  /**
   * For each ID: the duration stored with its feature record (ms; `null` when the record has none,
   * also for records written before issue 10), or `undefined` when there is no record.
   */
  durations(trackIds: readonly string[]): Promise<(number | null | undefined)[]>;
}

/**
 * Installs {@link CacheHook} on `globalThis[CACHE_HOOK_NAME]` (test-only build, see
 * {@link installBenchHook}). It opens the extension's database through its own
 * {@link PredictorDatabase} (the same IndexedDB database the background uses).
 */
export function installCacheHook(): void {
  const db = new PredictorDatabase();
  const cache = createFeatureCache(db);
  const hook: CacheHook = {
    async fill({ from = 0, count, chunkSize = 5_000, titles = true, storedOverMs = 0 }) {
      if (!Number.isInteger(count) || count < 0 || !Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`bad fill request: count ${count}, chunk ${chunkSize}`);
      const t0 = performance.now();
      const chunkCount = Math.ceil(count / chunkSize);
      const startedAt = Date.now();
      let featureMs = 0;
      let titleMs = 0;
      let chunks = 0;
      for (let start = from; start < from + count; start += chunkSize) {
        const indices = Array.from({ length: Math.min(chunkSize, from + count - start) }, (_, i) => start + i);
        const storedAt = Math.round(startedAt - storedOverMs + (storedOverMs * (chunks + 1)) / chunkCount);
        const records: FeatureRecord[] = indices.map((i) => ({ trackId: fillTrackId(i), features: fillFeatures(i), provider: 'reccobeats', fetchedAt: storedAt, durationMs: null }));
        const t1 = performance.now();
        await cache.put(records, storedAt);
        const t2 = performance.now();
        if (titles) await cache.putTrackInfo(indices.map(fillTrackInfo), storedAt);
        featureMs += t2 - t1;
        titleMs += performance.now() - t2;
        chunks++;
      }
      return { count, chunks, ms: performance.now() - t0, featureMs, titleMs };
    },
    async count() {
      return { features: await db.features.count(), titles: await db.tracks.count() };
    },
    async presentByIndex(from, to) {
      const ids = Array.from({ length: Math.max(0, to - from) }, (_, i) => fillTrackId(from + i));
      return (await hook.present(ids)).map((p) => (p ? '1' : '0')).join('');
    },
    async present(trackIds) {
      const keys = new Set(await db.features.where('trackId').anyOf([...trackIds]).primaryKeys());
      return trackIds.map((id) => keys.has(id));
    },
    async durations(trackIds) {
      return (await db.features.bulkGet([...trackIds])).map((row) => (row === undefined ? undefined : typeof row.durationMs === 'number' ? row.durationMs : null));
    },
  };
  Object.defineProperty(globalThis, CACHE_HOOK_NAME, { value: hook, configurable: true });
}
