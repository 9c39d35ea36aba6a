import Dexie, { type EntityTable } from 'dexie';
import QuickLRU from 'quick-lru';
import { z } from 'zod';
import { AudioFeaturesSchema, type AudioFeatures } from '@/model/features';
import { TrackIdSchema, type TrackId } from '@/lib/shared/track-id';
import { ProviderIdSchema, type ProviderId } from '@/lib/shared/providers';

/**
 * How long a "provider does not know this track" answer is trusted before asking again, in ms.
 * A day: ReccoBeats adds tracks over time, but a page of unknown tracks should not refetch on
 * every scroll.
 */
export const UNKNOWN_TTL_MS = 24 * 60 * 60 * 1000;

/** A cached provider answer for one track. `features: null` records "unknown to the provider". */
export interface FeatureRecord {
  trackId: TrackId;
  features: AudioFeatures | null;
  provider: ProviderId;
  /** When the provider answered, in ms since the Unix epoch. */
  fetchedAt: number;
}

const FeatureRecordSchema = z.object({
  trackId: TrackIdSchema,
  features: AudioFeaturesSchema.nullable(),
  provider: ProviderIdSchema,
  fetchedAt: z.number(),
});

/** A track's title and artists as seen on a page, for {@link FeatureCacheStore.searchSeen}. */
export interface TrackInfoRecord {
  trackId: TrackId;
  name: string;
  artists: string[];
  /** When the track was last reported, in ms since the Unix epoch. */
  seenAt: number;
}

const TrackInfoRecordSchema = z.object({
  trackId: TrackIdSchema,
  name: z.string().min(1),
  artists: z.array(z.string()),
  seenAt: z.number(),
});

/**
 * The Spotify connection as stored (see `lib/auth/token-store.ts`, which validates it with zod).
 * One row, `key: "spotify"`. Lives in the extension origin's IndexedDB, which content scripts
 * (running in the page's origin) cannot open, unlike `storage.local`.
 */
export interface ConnectionRow {
  key: string;
  [field: string]: unknown;
}

/** Audio-features availability of one client ID (see `lib/auth/token-store.ts`). */
export interface AvailabilityRow {
  clientId: string;
  [field: string]: unknown;
}

/**
 * The extension's IndexedDB database (Dexie), opened by the background only.
 * Version 1: `features` keyed by track ID.
 * Version 2 adds `tracks` (title and artists by track ID, for search over seen tracks),
 * `connection` (the Spotify tokens) and `availability` (audio features per client ID);
 * `features` is unchanged, so version 1 data is kept.
 */
export class PredictorDatabase extends Dexie {
  features!: EntityTable<FeatureRecord, 'trackId'>;
  tracks!: EntityTable<TrackInfoRecord, 'trackId'>;
  connection!: EntityTable<ConnectionRow, 'key'>;
  availability!: EntityTable<AvailabilityRow, 'clientId'>;

  constructor(name = 'playlist-predictor') {
    super(name);
    this.version(1).stores({ features: 'trackId, fetchedAt' });
    this.version(2).stores({ features: 'trackId, fetchedAt', tracks: 'trackId, seenAt', connection: 'key', availability: 'clientId' });
  }
}

/** Cache of audio features in IndexedDB. */
export interface FeatureCache {
  /**
   * Fresh records for the IDs that have one: known features of any age, "unknown" answers younger
   * than {@link UNKNOWN_TTL_MS}. Records that fail validation (older schema, corruption) are
   * treated as missing.
   */
  get(trackIds: readonly TrackId[], now?: number): Promise<Map<TrackId, FeatureRecord>>;
  /**
   * Stores records. Rejects with Dexie's error (e.g. `QuotaExceededError` when storage is full);
   * callers still have the records in hand, so nothing is lost for the current answer.
   */
  put(records: readonly FeatureRecord[]): Promise<void>;
}

/** A seen track's title and artists, as reported by the content script. */
export interface TrackInfo {
  readonly trackId: TrackId;
  readonly name: string;
  readonly artists: readonly string[];
}

/** What {@link FeatureCacheStore.stats} reports. */
export interface CacheStats {
  /** Tracks with a cached provider answer (known or unknown features). */
  readonly tracks: number;
  /**
   * Estimated size in bytes: the UTF-8 length of every stored feature and track-info record
   * serialized as JSON. IndexedDB's real on-disk use differs (keys, indexes, compression); this is
   * for showing the user an order of magnitude.
   */
  readonly bytes: number;
}

/** Most results {@link FeatureCacheStore.searchSeen} returns. */
export const MAX_SEEN_RESULTS = 50;

/** The feature cache plus the maintenance and seen-track search the options page and popup use. */
export interface FeatureCacheStore extends FeatureCache {
  /** Counts and size estimate of what is cached. */
  stats(): Promise<CacheStats>;
  /** Deletes every cached feature record and seen-track record (never the Spotify connection). */
  clear(): Promise<void>;
  /**
   * Deletes the cached "unknown" answers only, so they are asked again at once (e.g. after the
   * user connects Spotify, which may know tracks ReccoBeats does not).
   * @returns how many were deleted.
   */
  clearUnknown(): Promise<number>;
  /**
   * Records seen tracks' titles and artists (overwriting older ones); invalid entries (bad track
   * ID, empty name) are skipped. `now` in ms since the epoch.
   * @returns how many were stored.
   */
  putTrackInfo(tracks: readonly TrackInfo[], now?: number): Promise<number>;
  /**
   * Seen tracks whose title or artists contain every whitespace-separated word of `query`
   * (case- and accent-insensitive), most recently seen first, at most `limit` (1 to
   * {@link MAX_SEEN_RESULTS}). An empty query, or no recorded names, gives `[]`.
   */
  searchSeen(query: string, limit?: number): Promise<TrackInfo[]>;
  /** The recorded title and artists of those `trackIds` that have them (invalid records skipped). */
  getTrackInfo(trackIds: readonly TrackId[]): Promise<Map<TrackId, TrackInfo>>;
}

/** Lower-cased, accents removed: how titles and queries are compared. */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

const utf8 = new TextEncoder();
const jsonBytes = (value: unknown): number => utf8.encode(JSON.stringify(value)).length;

/**
 * Feature records kept in memory in front of IndexedDB, most recently used (quick-lru keeps
 * between this many and twice as many; a record is about 300 bytes, so at most about 1.2 MB): a
 * list seen again while the background runs (a reload, another tab, scrolling back) is answered
 * without reading the database.
 */
export const MEMORY_CACHE_RECORDS = 2_000;

/** Whether a record may still be used at `now`: known features always, "unknown" for {@link UNKNOWN_TTL_MS}. */
const isFresh = (record: FeatureRecord, now: number): boolean => record.features !== null || now - record.fetchedAt <= UNKNOWN_TTL_MS;

/**
 * A {@link FeatureCacheStore} over a {@link PredictorDatabase}, with the most recently used
 * {@link MEMORY_CACHE_RECORDS} records also in memory.
 */
export function createFeatureCache(db: PredictorDatabase = new PredictorDatabase(), options: { readonly memoryRecords?: number } = {}): FeatureCacheStore {
  const memory = new QuickLRU<TrackId, FeatureRecord>({ maxSize: options.memoryRecords ?? MEMORY_CACHE_RECORDS });
  return {
    async get(trackIds, now = Date.now()) {
      const out = new Map<TrackId, FeatureRecord>();
      const misses: TrackId[] = [];
      for (const id of new Set(trackIds)) {
        const remembered = memory.get(id);
        if (remembered && isFresh(remembered, now)) out.set(id, remembered);
        else misses.push(id);
      }
      if (misses.length === 0) return out;
      for (const row of await db.features.bulkGet(misses)) {
        const parsed = FeatureRecordSchema.safeParse(row);
        if (!parsed.success || !isFresh(parsed.data, now)) continue;
        out.set(parsed.data.trackId, parsed.data);
        memory.set(parsed.data.trackId, parsed.data);
      }
      return out;
    },
    async put(records) {
      // In memory first: if the database cannot store them (quota), they still save a request.
      for (const record of records) memory.set(record.trackId, record);
      await db.features.bulkPut([...records]);
    },
    async stats() {
      let bytes = 0;
      await db.features.each((row) => (bytes += jsonBytes(row)));
      await db.tracks.each((row) => (bytes += jsonBytes(row)));
      return { tracks: await db.features.count(), bytes };
    },
    async clear() {
      memory.clear();
      await db.transaction('rw', db.features, db.tracks, async () => {
        await db.features.clear();
        await db.tracks.clear();
      });
    },
    async clearUnknown() {
      for (const [id, record] of memory) if (record.features === null) memory.delete(id);
      return db.features.filter((row) => row.features === null).delete();
    },
    async putTrackInfo(tracks, now = Date.now()) {
      const rows: TrackInfoRecord[] = [];
      for (const track of tracks) {
        const parsed = TrackInfoRecordSchema.safeParse({ ...track, artists: [...track.artists], seenAt: now });
        if (parsed.success) rows.push(parsed.data);
      }
      await db.tracks.bulkPut(rows);
      return rows.length;
    },
    async getTrackInfo(trackIds) {
      const out = new Map<TrackId, TrackInfo>();
      for (const row of await db.tracks.bulkGet([...trackIds])) {
        const parsed = TrackInfoRecordSchema.safeParse(row);
        if (parsed.success) out.set(parsed.data.trackId, { trackId: parsed.data.trackId, name: parsed.data.name, artists: parsed.data.artists });
      }
      return out;
    },
    async searchSeen(query, limit = 10) {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEEN_RESULTS) throw new RangeError(`limit must be an integer from 1 to ${MAX_SEEN_RESULTS}, got ${limit}`);
      const words = fold(query).split(/\s+/).filter((w) => w !== '');
      if (words.length === 0) return [];
      const hits: TrackInfo[] = [];
      await db.tracks
        .orderBy('seenAt')
        .reverse()
        .until(() => hits.length >= limit)
        .each((row) => {
          const parsed = TrackInfoRecordSchema.safeParse(row);
          if (!parsed.success) return;
          const { trackId, name, artists } = parsed.data;
          const text = fold(`${name} ${artists.join(' ')}`);
          if (words.every((w) => text.includes(w))) hits.push({ trackId, name, artists });
        });
      return hits;
    },
  };
}
