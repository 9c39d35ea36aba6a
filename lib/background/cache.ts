import Dexie, { type EntityTable } from 'dexie';
import QuickLRU from 'quick-lru';
import { z } from 'zod';
import { AudioFeaturesSchema, DURATION_RANGE_MS, normalizeDurationMs, type AudioFeatures } from '@/model/features';
import { TrackIdSchema, type TrackId } from '@/lib/shared/track-id';
import { ProviderIdSchema, type ProviderId } from '@/lib/shared/providers';
import { DEFAULT_CACHE_LIMIT } from '@/lib/shared/settings';

export { DEFAULT_CACHE_LIMIT };

/**
 * How long a "provider does not know this track" answer is trusted before asking again, in ms.
 * A day: ReccoBeats adds tracks over time, but a page of unknown tracks should not refetch on
 * every scroll.
 */
export const UNKNOWN_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Granularity of a feature record's last-use time (`usedAt`), in ms: one hour. A read bumps the
 * stored `usedAt` only when it is older than this (in one fire-and-forget bulk update per read),
 * so reading a page of cached tracks is not a write per track; eviction order is therefore exact
 * to within an hour.
 */
export const USED_AT_GRANULARITY_MS = 60 * 60 * 1000;

/**
 * Hysteresis of the eviction: when a table holds more rows than the limit, the least recently
 * used are deleted down to this fraction of it (95 %), so that eviction runs once per 5 % of the
 * limit of new tracks (every 5,000 at the default 100,000), not after every put.
 */
export const EVICT_TO_FRACTION = 0.95;

/** How often, at most, a put asks `navigator.storage.estimate()` how full the origin is, in ms (a minute). */
export const QUOTA_CHECK_INTERVAL_MS = 60_000;

/**
 * Share of the origin's quota above which the cache makes room (80 %): well before the quota,
 * so that writing a Spotify token (same database, same origin quota) always has room.
 */
export const QUOTA_HIGH_USAGE = 0.8;

/** Share of the cached features (and, separately, of the seen tracks) evicted to make room: the least recently used 20 %. */
export const QUOTA_EVICT_FRACTION = 0.2;

/** A cached provider answer for one track. `features: null` records "unknown to the provider". */
export interface FeatureRecord {
  trackId: TrackId;
  features: AudioFeatures | null;
  provider: ProviderId;
  /** When the provider answered, in ms since the Unix epoch. */
  fetchedAt: number;
  /**
   * The track's duration in ms, as the model reads it (`normalizeDurationMs`: whole seconds,
   * 1 s - 2 h), or `null` when unknown (issue 10). From the provider's answer when it carried one
   * (Spotify's `duration_ms`), else from the page that asked; a record stored without one gets
   * the page's value later ({@link FeatureCache.fillDurations}). Records written before issue 10
   * have none and read as `null`.
   */
  durationMs: number | null;
}

/** A {@link FeatureRecord} as stored (database version 3). */
export interface FeatureRow extends FeatureRecord {
  /**
   * When the record was last stored or read, in ms since the Unix epoch, to within
   * {@link USED_AT_GRANULARITY_MS} (indexed: eviction deletes the smallest first).
   */
  usedAt: number;
}

const FeatureRowSchema = z.object({
  trackId: TrackIdSchema,
  features: AudioFeaturesSchema.nullable(),
  provider: ProviderIdSchema,
  fetchedAt: z.number(),
  // Rows written before version 3 by other code paths may lack it: read as "long unused".
  usedAt: z.number().optional(),
  // Rows written before issue 10 lack it, and an invalid one (which the store never writes) is
  // no reason to refetch the features: both read as unknown (`null`).
  durationMs: z.number().int().min(DURATION_RANGE_MS.min).max(DURATION_RANGE_MS.max).nullable().optional().catch(null),
});

/** A track's title and artists as seen on a page, for {@link FeatureCacheStore.searchSeen}. */
export interface TrackInfoRecord {
  trackId: TrackId;
  name: string;
  artists: string[];
  /** When the track was last reported, in ms since the Unix epoch. */
  seenAt: number;
}

/** A {@link TrackInfoRecord} as stored (database version 3). */
export interface TrackInfoRow extends TrackInfoRecord {
  /** The distinct words of the title and artists, folded (see {@link searchWords}); a multiEntry index. */
  words: string[];
}

const TrackInfoRecordSchema = z.object({
  trackId: TrackIdSchema,
  name: z.string().min(1),
  artists: z.array(z.string()),
  seenAt: z.number(),
});

const TrackInfoRowSchema = TrackInfoRecordSchema.extend({ words: z.array(z.string()) });

/** What the version-3 upgrade needs of a version-2 `tracks` row to index its words. */
const TitledSchema = z.object({ name: z.string(), artists: z.array(z.string()) });

/**
 * The Spotify connection as stored (see `lib/auth/token-store.ts`, which validates it with zod).
 * One row, `key: "spotify"`. Lives in the extension origin's IndexedDB, which content scripts
 * (running in the page's origin) cannot open, unlike `storage.local`.
 */
export interface ConnectionRow {
  key: string;
  [field: string]: unknown;
}

/**
 * One remembered list as stored (see `lib/background/list-memory.ts`, which validates it with
 * zod): `key` names the list (`playlist:<id>`, `album:<id>`, `liked`), `tracks[i]` is the track
 * ID last seen at list position `i` (`''` where none was seen), `seenAt` when it was last
 * reported, in ms since the Unix epoch.
 */
export interface ListRow {
  key: string;
  tracks: string[];
  seenAt: number;
}

/** Audio-features availability of one client ID (see `lib/auth/token-store.ts`). */
export interface AvailabilityRow {
  clientId: string;
  [field: string]: unknown;
}

/**
 * The words a title or query is searched by: accents removed (NFD, combining marks dropped),
 * lower-cased, split into runs of letters and digits (`"Café del Mar – AC/DC"` →
 * `["cafe", "del", "mar", "ac", "dc"]`).
 */
export function searchWords(text: string): string[] {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The distinct {@link searchWords} of a title and its artists (a row's `words`). */
function titleWords(name: string, artists: readonly string[]): string[] {
  return [...new Set(searchWords([name, ...artists].join(' ')))];
}

/**
 * How many of the query's `words` are whole words of a title's `own` words (both from
 * {@link searchWords}), 0 to `words.length`. The seen-track search ranks by it before recency,
 * so "track 1" lists "Track 1" before a newer "Track 12" (which matches "1" as a word's
 * beginning only).
 */
export function wholeWordMatches(words: readonly string[], own: readonly string[]): number {
  const set = new Set(own);
  return words.reduce((n, w) => (set.has(w) ? n + 1 : n), 0);
}

/**
 * The extension's IndexedDB database (Dexie), opened by the background only.
 * Version 1: `features` keyed by track ID.
 * Version 2 adds `tracks` (title and artists by track ID, for search over seen tracks),
 * `connection` (the Spotify tokens) and `availability` (audio features per client ID);
 * `features` is unchanged, so version 1 data is kept.
 * Version 3 indexes `features.usedAt` (last use, for least-recently-used eviction) and
 * `tracks.words` (multiEntry, for the indexed seen-track search). Its upgrade keeps every row:
 * `usedAt` is set to `fetchedAt`, `words` computed from the title and artists.
 * Version 4 adds `lists` (the track IDs of the lists the Spotify tabs reported, by list, for the
 * warm start of `lib/background/list-memory.ts`); every other table is unchanged.
 */
export class PredictorDatabase extends Dexie {
  features!: EntityTable<FeatureRow, 'trackId'>;
  tracks!: EntityTable<TrackInfoRow, 'trackId'>;
  connection!: EntityTable<ConnectionRow, 'key'>;
  availability!: EntityTable<AvailabilityRow, 'clientId'>;
  lists!: EntityTable<ListRow, 'key'>;

  constructor(name = 'playlist-predictor') {
    super(name);
    this.version(1).stores({ features: 'trackId, fetchedAt' });
    this.version(2).stores({ features: 'trackId, fetchedAt', tracks: 'trackId, seenAt', connection: 'key', availability: 'clientId' });
    this.version(3)
      .stores({ features: 'trackId, fetchedAt, usedAt', tracks: 'trackId, seenAt, *words', connection: 'key', availability: 'clientId' })
      .upgrade(async (tx) => {
        await tx
          .table<Record<string, unknown>, string>('features')
          .toCollection()
          .modify((row) => {
            if (typeof row.usedAt !== 'number') row.usedAt = typeof row.fetchedAt === 'number' ? row.fetchedAt : 0;
          });
        await tx
          .table<Record<string, unknown>, string>('tracks')
          .toCollection()
          .modify((row) => {
            const titled = TitledSchema.safeParse(row);
            row.words = titled.success ? titleWords(titled.data.name, titled.data.artists) : [];
          });
      });
    this.version(4).stores({ lists: 'key, seenAt' });
  }
}

/** Cache of audio features in IndexedDB. */
export interface FeatureCache {
  /**
   * Fresh records for the IDs that have one: known features of any age, "unknown" answers younger
   * than {@link UNKNOWN_TTL_MS}. Records that fail validation (older schema, corruption) are
   * treated as missing. Counts as a use of the records found (see {@link USED_AT_GRANULARITY_MS}).
   * @param now the current time in ms since the epoch (freshness and last use).
   */
  get(trackIds: readonly TrackId[], now?: number): Promise<Map<TrackId, FeatureRecord>>;
  /**
   * Stores records (last used at `now`, ms since the epoch), then, when the table holds more than
   * the limit (see {@link FeatureCacheOptions.limit}), evicts the least recently used down to
   * {@link EVICT_TO_FRACTION} of it before resolving (once per 5 % of the limit of new tracks;
   * deleting 5,000 rows takes about 0.6 s in Chromium). The records are kept in memory first, so
   * they still save a request when the database cannot store them. At most once per
   * {@link QUOTA_CHECK_INTERVAL_MS} it first checks the origin's quota (see
   * {@link QUOTA_HIGH_USAGE}). When storage is full (`QuotaExceededError`, see
   * {@link isQuotaError}) the least recently used {@link QUOTA_EVICT_FRACTION} are evicted and the
   * write is retried once. Sets or clears {@link CacheStats.problem}.
   * Rejects with Dexie's error when the retry fails too, or on any other storage failure
   * (a failed eviction after a successful write is only logged).
   */
  put(records: readonly FeatureRecord[], now?: number): Promise<void>;
  /**
   * Gives cached records that have no duration the one in `durations` (track ID → ms, as the page
   * showed it; normalized here with `normalizeDurationMs`, non-finite values skipped): a small
   * update of those records, in memory and in the database, nothing refetched. A record that has a
   * duration keeps it (Spotify's, or the first page's), and an ID without a record is skipped
   * (its record will be stored with the duration when its features arrive). Does not count as a
   * use of the records. Storage full is handled as in {@link FeatureCache.put}.
   * @returns how many stored records got a duration.
   */
  fillDurations(durations: ReadonlyMap<TrackId, number>): Promise<number>;
}

/** A seen track's title and artists, as reported by the content script. */
export interface TrackInfo {
  readonly trackId: TrackId;
  readonly name: string;
  readonly artists: readonly string[];
}

/** What {@link FeatureCacheStore.stats} reports (the Status message's `cache`). */
export interface CacheStats {
  /** Tracks with a cached provider answer (known or unknown features): the row count of `features`. */
  readonly tracks: number;
  /**
   * Estimated size in bytes of the feature and seen-track records: each table's row count times
   * the mean UTF-8 length of up to {@link BYTES_SAMPLE_ROWS} of its rows serialized as JSON (the
   * first by track ID, i.e. a random sample; exact when a table has no more rows than that).
   * IndexedDB's real on-disk use is larger (keys, indexes: about 49 MB for 100,000 tracks in
   * Chromium); this is for showing the user an order of magnitude.
   */
  readonly bytes: number;
  /** Most tracks kept before the least recently used are evicted (the current limit). */
  readonly limit: number;
  /**
   * The last storage failure as a sentence for the user (e.g. storage full), or `null`; cleared
   * by the next successful write (or {@link FeatureCacheStore.clear}). At most 500 characters.
   */
  readonly problem: string | null;
}

/** Rows per table whose JSON size {@link FeatureCacheStore.stats} averages (a 100-row read: about 2 ms). */
export const BYTES_SAMPLE_ROWS = 100;

/** Most results {@link FeatureCacheStore.searchSeen} returns. */
export const MAX_SEEN_RESULTS = 50;

/**
 * Most index entries {@link FeatureCacheStore.searchSeen} reads per query word: a word that
 * begins more words than this is "common" and does not narrow the candidates.
 */
export const SEARCH_CANDIDATES = 2_000;

/**
 * Index entries {@link FeatureCacheStore.searchSeen} reads first per query word: a word that
 * begins at most this many titles gives every candidate at once, before the newest titles and
 * the longer reads up to {@link SEARCH_CANDIDATES} (most queries have such a word).
 */
export const SEARCH_PROBE_KEYS = 100;

/**
 * When every query word is common (begins more than {@link SEARCH_CANDIDATES} index entries),
 * {@link FeatureCacheStore.searchSeen} looks among this many most recently seen tracks
 * only, newest first in pages of {@link SEARCH_FIRST_PAGE_ROWS}, then twice as many each time up
 * to {@link SEARCH_PAGE_ROWS}, stopping once it has `limit` hits that have every query word as a
 * whole word (they rank first). When a query word is whole in at most {@link SEARCH_CANDIDATES}
 * titles, those titles come from the index, and the pages stop at `limit` hits of any kind.
 */
export const SEARCH_RECENT_ROWS = 3_000;

/**
 * Rows of the first page of the most recently seen tracks ({@link SEARCH_RECENT_ROWS}); at least
 * the query's `limit`. A common word usually matches the newest titles, so a small first page
 * often holds every result: with 100,000 seen tracks, 500 rows read and parsed cost more than
 * the rest of such a search.
 */
export const SEARCH_FIRST_PAGE_ROWS = 50;

/** Most rows per read when {@link FeatureCacheStore.searchSeen} pages through the most recently seen tracks. */
export const SEARCH_PAGE_ROWS = 500;

/** The feature cache plus the maintenance and seen-track search the options page and popup use. */
export interface FeatureCacheStore extends FeatureCache {
  /** Counts (kept by the store, counted once on first need), size estimate, limit and last problem; reads no more than {@link BYTES_SAMPLE_ROWS} rows per table. */
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
   * Records seen tracks' titles and artists (overwriting older ones, `seenAt = now`, ms since the
   * epoch); invalid entries (bad track ID, empty name) are skipped. The seen tracks are bounded by
   * the same limit as the features, the least recently seen evicted first (independently of the
   * features: a title whose features were evicted can still be found, and is classified again).
   * Storage full is handled as in {@link FeatureCache.put}.
   * @returns how many were stored.
   */
  putTrackInfo(tracks: readonly TrackInfo[], now?: number): Promise<number>;
  /**
   * Seen tracks in which every word of `query` (see {@link searchWords}: case- and
   * accent-insensitive, split at anything but letters and digits) is the beginning of some word
   * of the title or the artists: `"caf mar"` finds "Café del Mar", `"ar"` does not (this replaced
   * substring matching in version 3, for an index-backed search). Tracks that have more of the
   * query's words as whole words come first ({@link wholeWordMatches}: "track 1" lists "Track 1"
   * before "Track 12"), then the most recently seen; at most `limit`. In this order, until one
   * gives the answer: each word's index range read as keys, {@link SEARCH_PROBE_KEYS} + 1 at
   * most (a range read in full holds every candidate); the {@link SEARCH_FIRST_PAGE_ROWS} newest
   * titles (enough when `limit` of them have every word whole); the ranges read up to
   * {@link SEARCH_CANDIDATES} + 1 keys; and when every query word is common, only the
   * {@link SEARCH_RECENT_ROWS} most recently seen tracks are searched, so an older track matching
   * only common words may be missed. Figures with 100,000 seen tracks: README ("Hardening").
   * An empty query, or a word no title has, gives `[]`.
   * @throws RangeError when `limit` is not an integer from 1 to {@link MAX_SEEN_RESULTS}.
   */
  searchSeen(query: string, limit?: number): Promise<TrackInfo[]>;
  /** The recorded title and artists of those `trackIds` that have them (invalid records skipped). */
  getTrackInfo(trackIds: readonly TrackId[]): Promise<Map<TrackId, TrackInfo>>;
}

/** What the cache needs of `navigator.storage` (the StorageManager API): the origin's usage and quota in bytes. */
export interface StorageEstimator {
  estimate(): Promise<{ usage?: number; quota?: number }>;
}

const StorageEstimateSchema = z.object({ usage: z.number().nonnegative(), quota: z.number().positive() });

/** Options of {@link createFeatureCache}. */
export interface FeatureCacheOptions {
  /** Feature records kept in memory (default {@link MEMORY_CACHE_RECORDS}). */
  readonly memoryRecords?: number;
  /**
   * Most feature records, and separately most seen-track records, kept in the database (default
   * {@link DEFAULT_CACHE_LIMIT}): a number, or a function asked before every eviction check (the
   * user's setting, so a lower limit evicts on the next put). A value that is not a positive
   * integer, or a function that rejects, means the default.
   */
  readonly limit?: number | (() => number | Promise<number>);
  /**
   * How full the origin's storage is (default `navigator.storage` when it has `estimate`, else
   * none); `null` turns the quota check off.
   */
  readonly storage?: StorageEstimator | null;
  /** Clock of the quota check's interval, in ms since the epoch (default `Date.now`). */
  readonly clock?: () => number;
  /** Where background failures (bumping `usedAt`, making room) are reported (default `console`). */
  readonly log?: Pick<Console, 'warn'>;
}

/**
 * Feature records kept in memory in front of IndexedDB, most recently used (quick-lru keeps
 * between this many and twice as many; a record is about 300 bytes, so at most about 1.2 MB): a
 * list seen again while the background runs (a reload, another tab, scrolling back) is answered
 * without reading the database.
 */
export const MEMORY_CACHE_RECORDS = 2_000;

/** Whether a record may still be used at `now`: known features always, "unknown" for {@link UNKNOWN_TTL_MS}. */
const isFresh = (record: FeatureRecord, now: number): boolean => record.features !== null || now - record.fetchedAt <= UNKNOWN_TTL_MS;

const QUOTA_NAMES = new Set(['QuotaExceededError', 'NS_ERROR_DOM_QUOTA_REACHED']);

/**
 * Whether `error` is a storage-full error: its `name` is `QuotaExceededError` (the DOMException
 * IndexedDB raises; Firefox's legacy `NS_ERROR_DOM_QUOTA_REACHED` too), or an error it wraps is:
 * Dexie's `inner`, a standard `cause`, or one of a Dexie `BulkError`'s `failures` (looked into
 * up to 4 levels deep).
 */
export function isQuotaError(error: unknown): boolean {
  const seen = new Set<object>();
  const visit = (e: unknown, depth: number): boolean => {
    if (typeof e !== 'object' || e === null || depth > 4 || seen.has(e)) return false;
    seen.add(e);
    if ('name' in e && typeof e.name === 'string' && QUOTA_NAMES.has(e.name)) return true;
    const nested: unknown[] = [];
    if ('inner' in e) nested.push(e.inner);
    if ('cause' in e) nested.push(e.cause);
    if ('failures' in e && Array.isArray(e.failures)) nested.push(...e.failures);
    return nested.some((n) => visit(n, depth + 1));
  };
  return visit(error, 0);
}

/** `name: message` of a thrown value, at most 200 characters (the Status message allows 500 for the whole sentence). */
function describeError(error: unknown): string {
  // Dexie wraps an error thrown inside a transaction (AbortError, whose message repeats it): name the cause.
  const cause = error instanceof Dexie.DexieError && error.inner instanceof Error ? error.inner : error;
  const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** The user's sentence for a failed write of `what`. */
function problemSentence(what: string, error: unknown): string {
  return isQuotaError(error)
    ? `Storage is full: the cache could not save ${what} (${describeError(error)}). Free disk space or lower the cache size.`
    : `The cache could not save ${what} (${describeError(error)}).`;
}

const utf8 = new TextEncoder();
/** Mean UTF-8 length of the rows as JSON; 0 for none. */
const meanJsonBytes = (rows: readonly unknown[]): number => (rows.length === 0 ? 0 : rows.reduce<number>((n, row) => n + utf8.encode(JSON.stringify(row)).length, 0) / rows.length);

/** `navigator.storage` when this context has it (service worker, pages), else `null` (Node). */
function defaultEstimator(): StorageEstimator | null {
  if (typeof navigator === 'undefined' || !('storage' in navigator)) return null;
  const storage: unknown = navigator.storage;
  return typeof storage === 'object' && storage !== null && 'estimate' in storage && typeof storage.estimate === 'function' ? navigator.storage : null;
}

/**
 * Rows deleted per transaction when evicting: deleting 1,000 rows takes about 130 ms in Chromium
 * (5,000: 650 ms), so reads from other tabs wait at most that long between two chunks.
 */
const EVICT_CHUNK = 1_000;

/** A remembered record and when its stored `usedAt` was last set. */
interface Remembered {
  readonly record: FeatureRecord;
  readonly usedAt: number;
}

/**
 * A {@link FeatureCacheStore} over a {@link PredictorDatabase}, with the most recently used
 * {@link MEMORY_CACHE_RECORDS} records also in memory, bounded to the limit (see
 * {@link FeatureCacheOptions}); never touches the `connection` and `availability` tables.
 */
export function createFeatureCache(db: PredictorDatabase = new PredictorDatabase(), options: FeatureCacheOptions = {}): FeatureCacheStore {
  const memory = new QuickLRU<TrackId, Remembered>({ maxSize: options.memoryRecords ?? MEMORY_CACHE_RECORDS });
  const estimator = options.storage === undefined ? defaultEstimator() : options.storage;
  const clock = options.clock ?? Date.now;
  const log = options.log ?? console;
  let problem: string | null = null;
  let lastQuotaCheck = -Infinity;

  /**
   * Per table, its row count (`undefined`: not counted yet), kept exactly by this store: a put
   * adds the rows whose keys were new (looked up in the same transaction), evictions and
   * deletions subtract what they removed. `stats()` answers from it, because IndexedDB's
   * `count()` walks the whole table in Chromium (about 90 ms per 100,000 rows, measured in the
   * e2e test). It assumes this store is the tables' only writer; the eviction check still counts
   * again after {@link QUOTA_CHECK_INTERVAL_MS}, so another writer (such as the e2e build's cache
   * hook) is noticed within a minute.
   */
  const bound: { features?: number; tracks?: number } = {};
  const countedAt = { features: -Infinity, tracks: -Infinity };
  /** Counts a table and remembers the count (see {@link bound}). */
  async function recount(table: 'features' | 'tracks'): Promise<number> {
    const count = table === 'features' ? await db.features.count() : await db.tracks.count();
    bound[table] = count;
    countedAt[table] = clock();
    return count;
  }
  // Both tables are counted once, on first need (a put or a status), not at every background
  // start; from then on the store keeps the counts. A failed count leaves them unknown, and
  // stats() and the eviction check count again.
  let counting: Promise<unknown> | undefined;
  const counted = (): Promise<unknown> => (counting ??= Promise.all([recount('features'), recount('tracks')]).catch(() => undefined));

  async function currentLimit(): Promise<number> {
    let value: number;
    try {
      value = typeof options.limit === 'function' ? await options.limit() : (options.limit ?? DEFAULT_CACHE_LIMIT);
    } catch (error) {
      log.warn('Playlist Predictor: could not read the cache limit, using the default', error);
      return DEFAULT_CACHE_LIMIT;
    }
    return Number.isSafeInteger(value) && value >= 1 ? value : DEFAULT_CACHE_LIMIT;
  }

  // Lazy last-use bumps: collected during a read, written in one bulk update after it.
  const pendingTouches = new Map<TrackId, number>();
  let touchScheduled = false;
  let touches: Promise<void> = Promise.resolve();
  function touch(trackId: TrackId, record: FeatureRecord, now: number): void {
    memory.set(trackId, { record, usedAt: now });
    pendingTouches.set(trackId, Math.max(now, pendingTouches.get(trackId) ?? 0));
    if (touchScheduled) return;
    touchScheduled = true;
    touches = touches.then(async () => {
      touchScheduled = false;
      const batch = [...pendingTouches].map(([key, usedAt]) => ({ key, changes: { usedAt } }));
      pendingTouches.clear();
      // Only rows still there are updated: an evicted record is not brought back.
      await db.features.bulkUpdate(batch).catch((error: unknown) => log.warn('Playlist Predictor: could not record the cache use', error));
    });
  }

  // Evictions run one at a time.
  let evicting: Promise<unknown> = Promise.resolve();
  function serially<T>(task: () => Promise<T>): Promise<T> {
    const run = evicting.then(task, task);
    evicting = run.catch(() => undefined);
    return run;
  }

  /** Deletes the `count` least recently used rows of a table (`usedAt` / `seenAt` order); returns how many. */
  async function evictOldest(table: 'features' | 'tracks', count: number): Promise<number> {
    let removed = 0;
    if (table === 'features') await touches;
    while (removed < count) {
      const n = Math.min(EVICT_CHUNK, count - removed);
      const keys = table === 'features' ? await db.features.orderBy('usedAt').limit(n).primaryKeys() : await db.tracks.orderBy('seenAt').limit(n).primaryKeys();
      if (keys.length === 0) break;
      if (table === 'features') {
        await db.features.bulkDelete(keys);
        for (const key of keys) memory.delete(key);
      } else await db.tracks.bulkDelete(keys);
      removed += keys.length;
      if (keys.length < n) break;
    }
    const before = bound[table];
    if (before !== undefined) bound[table] = Math.max(0, before - removed);
    return removed;
  }

  /** When a table holds more than the limit, deletes its least recently used down to {@link EVICT_TO_FRACTION} of it. */
  function enforceLimit(table: 'features' | 'tracks'): Promise<void> {
    return serially(async () => {
      const limit = await currentLimit();
      const upper = bound[table];
      if (upper !== undefined && upper <= limit && clock() - countedAt[table] < QUOTA_CHECK_INTERVAL_MS) return;
      try {
        const count = await recount(table);
        if (count > limit) await evictOldest(table, count - Math.floor(limit * EVICT_TO_FRACTION));
      } catch (error) {
        // The write itself succeeded; the next put tries again.
        bound[table] = undefined;
        log.warn('Playlist Predictor: could not evict from the cache', error);
      }
    });
  }

  /** Evicts the least recently used {@link QUOTA_EVICT_FRACTION} of both tables (never failing: a failure is logged). */
  function makeRoom(): Promise<void> {
    return serially(async () => {
      try {
        for (const table of ['features', 'tracks'] as const) {
          const count = await recount(table);
          await evictOldest(table, Math.ceil(count * QUOTA_EVICT_FRACTION));
        }
      } catch (error) {
        bound.features = undefined;
        bound.tracks = undefined;
        log.warn('Playlist Predictor: could not make room in the cache', error);
      }
    });
  }

  /** At most once per {@link QUOTA_CHECK_INTERVAL_MS}: makes room when the origin uses more than {@link QUOTA_HIGH_USAGE} of its quota. */
  async function checkQuota(): Promise<void> {
    if (!estimator || clock() - lastQuotaCheck < QUOTA_CHECK_INTERVAL_MS) return;
    lastQuotaCheck = clock();
    let estimate: unknown;
    try {
      estimate = await estimator.estimate();
    } catch {
      return;
    }
    const parsed = StorageEstimateSchema.safeParse(estimate);
    if (parsed.success && parsed.data.usage > QUOTA_HIGH_USAGE * parsed.data.quota) await makeRoom();
  }

  /** Runs a write with room made first when needed, and once more after making room when storage is full; keeps {@link CacheStats.problem}. Resolves with the write's result. */
  async function writeWithRoom<T>(what: string, write: () => Promise<T>): Promise<T> {
    await checkQuota();
    let result: T;
    try {
      result = await write();
    } catch (error) {
      problem = problemSentence(what, error);
      if (!isQuotaError(error)) throw error;
      await makeRoom();
      try {
        result = await write();
      } catch (retryError) {
        problem = problemSentence(what, retryError);
        throw retryError;
      }
    }
    problem = null;
    return result;
  }

  /**
   * Puts `rows` into `table` and keeps its {@link bound}: in one transaction, which keys are new
   * (point reads of the distinct keys, cheaper in Chromium than a key cursor), then the put; the
   * new ones are added to the count and the table's limit is enforced. `what` names the rows in
   * a storage problem. Throws like {@link writeWithRoom}.
   */
  async function putCounting<Row extends { trackId: TrackId }>(
    name: 'features' | 'tracks',
    table: { bulkGet(keys: TrackId[]): Promise<(Row | undefined)[]>; bulkPut(rows: readonly Row[]): Promise<unknown> },
    rows: Row[],
    what: string,
  ): Promise<void> {
    await counted();
    const keys = [...new Set(rows.map((row) => row.trackId))];
    const added = await writeWithRoom(what, () =>
      db.transaction('rw', name, async () => {
        const found = await table.bulkGet(keys);
        await table.bulkPut(rows);
        return found.filter((row) => row === undefined).length;
      }),
    );
    if (bound[name] !== undefined) bound[name] += added;
    await enforceLimit(name);
  }

  return {
    async get(trackIds, now = Date.now()) {
      const out = new Map<TrackId, FeatureRecord>();
      const misses: TrackId[] = [];
      for (const id of new Set(trackIds)) {
        const remembered = memory.get(id);
        if (remembered && isFresh(remembered.record, now)) {
          out.set(id, remembered.record);
          if (now - remembered.usedAt >= USED_AT_GRANULARITY_MS) touch(id, remembered.record, now);
        } else misses.push(id);
      }
      if (misses.length === 0) return out;
      for (const row of await db.features.bulkGet(misses)) {
        const parsed = FeatureRowSchema.safeParse(row);
        if (!parsed.success) continue;
        const { trackId, features, provider, fetchedAt, usedAt = 0, durationMs = null } = parsed.data;
        const record: FeatureRecord = { trackId, features, provider, fetchedAt, durationMs };
        if (!isFresh(record, now)) continue;
        out.set(trackId, record);
        if (now - usedAt >= USED_AT_GRANULARITY_MS) touch(trackId, record, now);
        else memory.set(trackId, { record, usedAt });
      }
      return out;
    },
    async put(records, now = Date.now()) {
      // In memory first: if the database cannot store them (quota), they still save a request.
      for (const record of records) memory.set(record.trackId, { record, usedAt: now });
      const rows: FeatureRow[] = records.map((record) => ({ ...record, usedAt: now }));
      await putCounting<FeatureRow>('features', db.features, rows, `${rows.length} tracks' audio features`);
    },
    async fillDurations(durations) {
      const wanted = new Map<TrackId, number>();
      for (const [id, ms] of durations) {
        const durationMs = normalizeDurationMs(ms);
        if (durationMs !== null) wanted.set(id, durationMs);
      }
      if (wanted.size === 0) return 0;
      for (const [id, durationMs] of wanted) {
        // `peek`: filling in a duration is not a use of the record.
        const remembered = memory.peek(id);
        if (remembered && remembered.record.durationMs === null) memory.set(id, { ...remembered, record: { ...remembered.record, durationMs } });
      }
      return writeWithRoom(`${wanted.size} tracks' durations`, () =>
        db.transaction('rw', db.features, async () => {
          const changes: { key: TrackId; changes: { durationMs: number } }[] = [];
          for (const row of await db.features.bulkGet([...wanted.keys()])) {
            const parsed = FeatureRowSchema.safeParse(row);
            if (!parsed.success || (parsed.data.durationMs ?? null) !== null) continue;
            const durationMs = wanted.get(parsed.data.trackId);
            if (durationMs !== undefined) changes.push({ key: parsed.data.trackId, changes: { durationMs } });
          }
          if (changes.length > 0) await db.features.bulkUpdate(changes);
          return changes.length;
        }),
      );
    },
    async stats() {
      await counted();
      const [tracks, titles, featureSample, titleSample, limit] = await Promise.all([
        bound.features ?? recount('features'),
        bound.tracks ?? recount('tracks'),
        db.features.limit(BYTES_SAMPLE_ROWS).toArray(),
        db.tracks.limit(BYTES_SAMPLE_ROWS).toArray(),
        currentLimit(),
      ]);
      return { tracks, bytes: Math.round(tracks * meanJsonBytes(featureSample) + titles * meanJsonBytes(titleSample)), limit, problem };
    },
    async clear() {
      memory.clear();
      pendingTouches.clear();
      await serially(() =>
        db.transaction('rw', db.features, db.tracks, async () => {
          await db.features.clear();
          await db.tracks.clear();
        }),
      );
      bound.features = 0;
      bound.tracks = 0;
      countedAt.features = countedAt.tracks = clock();
      problem = null;
    },
    async clearUnknown() {
      for (const [id, { record }] of memory) if (record.features === null) memory.delete(id);
      const removed = await db.features.filter((row) => row.features === null).delete();
      if (bound.features !== undefined) bound.features = Math.max(0, bound.features - removed);
      return removed;
    },
    async putTrackInfo(tracks, now = Date.now()) {
      const rows: TrackInfoRow[] = [];
      for (const track of tracks) {
        const parsed = TrackInfoRecordSchema.safeParse({ ...track, artists: [...track.artists], seenAt: now });
        if (parsed.success) rows.push({ ...parsed.data, words: titleWords(parsed.data.name, parsed.data.artists) });
      }
      if (rows.length === 0) return 0;
      await putCounting<TrackInfoRow>('tracks', db.tracks, rows, `${rows.length} seen tracks' titles`);
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
      const words = [...new Set(searchWords(query))];
      if (words.length === 0) return [];
      // Each word's index range, read as keys and capped at `cap` + 1 (counting a common word's
      // range walks all of it: 680 ms for a word in every title of 100,000, against 12 ms for
      // 2,001 keys). The ranges read in full bound the tracks in all of them.
      const fullyRead = async (match: 'startsWith' | 'equals', of: readonly string[], cap: number): Promise<Set<TrackId>[]> => {
        const keys = await db.transaction('r', db.tracks, () => Promise.all(of.map((w) => db.tracks.where('words')[match](w).limit(cap + 1).primaryKeys())));
        return keys.filter((k) => k.length <= cap).map((k) => new Set(k));
      };
      const intersection = (sets: readonly Set<TrackId>[]): Set<TrackId> => sets.reduce((a, b) => new Set([...a].filter((key) => b.has(key))));
      const hits = new Map<TrackId, { record: TrackInfoRecord; whole: number }>();
      let completeHits = 0;
      /** Per query word, the rows considered so far that have it as a whole word. */
      const wholeIn = new Map<string, number>(words.map((w) => [w, 0]));
      let considered = 0;
      const consider = (rows: readonly unknown[]): void => {
        for (const row of rows) {
          const parsed = TrackInfoRowSchema.safeParse(row);
          if (!parsed.success || hits.has(parsed.data.trackId)) continue;
          const own = parsed.data.words;
          considered++;
          for (const w of words) if (own.includes(w)) wholeIn.set(w, (wholeIn.get(w) ?? 0) + 1);
          if (!words.every((w) => own.some((word) => word.startsWith(w)))) continue;
          const whole = wholeWordMatches(words, own);
          hits.set(parsed.data.trackId, { record: parsed.data, whole });
          if (whole === words.length) completeHits++;
        }
      };
      const ranked = (): TrackInfo[] =>
        [...hits.values()]
          .sort((a, b) => b.whole - a.whole || b.record.seenAt - a.record.seenAt)
          .slice(0, limit)
          .map(({ record: { trackId, name, artists } }) => ({ trackId, name, artists }));

      // 1. A short read of each word's range: a word that begins no title ends the search, and a
      //    rare word's titles are all the candidates (every row is checked for every word).
      const probed = await fullyRead('startsWith', words, SEARCH_PROBE_KEYS);
      if (probed.some((keys) => keys.size === 0)) return [];
      if (probed.length > 0) {
        consider(await db.tracks.bulkGet([...intersection(probed)]));
        return ranked();
      }
      // 2. The newest titles: when `limit` of them have every query word whole, they are the
      //    answer, since such titles rank first and the newest of them before the others.
      const first = Math.max(SEARCH_FIRST_PAGE_ROWS, limit);
      const newest = await db.tracks.orderBy('seenAt').reverse().limit(first).toArray();
      consider(newest);
      if (newest.length < first || completeHits >= limit) return ranked();
      // 3. The ranges read up to SEARCH_CANDIDATES keys: the tracks in every range read in full.
      const complete = await fullyRead('startsWith', words, SEARCH_CANDIDATES);
      if (complete.length > 0) {
        consider(await db.tracks.bulkGet([...intersection(complete)]));
        return ranked();
      }
      // 4. Every word is common. If a word is whole in few titles, the index gives all such
      //    titles (`equals` ranges) and the pages of the newest need only fill the rest; otherwise
      //    the pages are read on until they hold `limit` titles with every word whole. A word
      //    whole in every title of the newest page begins more than SEARCH_CANDIDATES titles and
      //    is whole in all the newest: its whole-word range would most likely be read to the cap
      //    for nothing. Leaving it out only widens the intersection (every title found is still
      //    scored by its own words), and not every word can be left out, or the newest page would
      //    have held `limit` titles with them all whole. (When such a word is whole in few titles
      //    after all, those older than the pages can be missed.)
      let enough = (): boolean => completeHits >= limit;
      const completeWhole = await fullyRead('equals', words.filter((w) => (wholeIn.get(w) ?? 0) < considered), SEARCH_CANDIDATES);
      if (completeWhole.length > 0) {
        const whole = intersection(completeWhole);
        if (whole.size > 0) consider(await db.tracks.bulkGet([...whole]));
        enough = () => hits.size >= limit;
      }
      for (let offset = first, size = Math.min(2 * first, SEARCH_PAGE_ROWS); offset < SEARCH_RECENT_ROWS && !enough(); offset += size, size = Math.min(2 * size, SEARCH_PAGE_ROWS)) {
        const rows = Math.min(size, SEARCH_RECENT_ROWS - offset);
        const page = await db.tracks.orderBy('seenAt').reverse().offset(offset).limit(rows).toArray();
        consider(page);
        if (page.length < rows) break;
      }
      return ranked();
    },
  };
}
