import 'fake-indexeddb/auto';
import Dexie, { type DBCore, type DBCoreTable } from 'dexie';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AudioFeatures } from '@/model/features';
import {
  BYTES_SAMPLE_ROWS,
  DEFAULT_CACHE_LIMIT,
  type PredictorDatabase,
  QUOTA_CHECK_INTERVAL_MS,
  SEARCH_CANDIDATES,
  SEARCH_FIRST_PAGE_ROWS,
  SEARCH_PAGE_ROWS,
  SEARCH_PROBE_KEYS,
  SEARCH_RECENT_ROWS,
  createFeatureCache,
  isQuotaError,
  searchWords,
  wholeWordMatches,
  type FeatureRecord,
  type StorageEstimator,
} from '@/lib/background/cache';
import { useFreshDatabases } from './support/databases';
import { makeFeatures, trackId } from './support/fixtures';

/** A fresh database with a name no other test uses, deleted after the test. */
const freshDb = useFreshDatabases();

// Registered after the databases' hook, so it runs before it (Vitest runs after-hooks as a stack).
afterEach(() => {
  vi.restoreAllMocks();
});

const T0 = 1_700_000_000_000;
const HOUR = 60 * 60 * 1000;
const record = (id: string, features: AudioFeatures | null = makeFeatures(), fetchedAt = T0, durationMs: number | null = null): FeatureRecord => ({ trackId: id, features, provider: 'reccobeats', fetchedAt, durationMs });
const quiet = () => ({ warn: vi.fn() });
const quotaError = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

/** The track IDs in the features table, sorted. */
async function storedFeatureIds(db: PredictorDatabase): Promise<string[]> {
  return (await db.features.toCollection().primaryKeys()).sort();
}

/** Stores `n` records one put at a time, record `i` (ID `trackId(i)`) used at `T0 + i` hours. */
async function putHourly(cache: ReturnType<typeof createFeatureCache>, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) await cache.put([record(trackId(i))], T0 + i * HOUR);
}

/**
 * Counts what the database hands out (a Dexie DBCore middleware, installed before the database
 * opens): rows returned by queries and gets, and cursors opened (a cursor is a scan).
 */
/** Rows (values) and keys read, cursors opened and `count()`s run, through Dexie's DBCore. */
function countReads(db: PredictorDatabase): { rows: number; keys: number; cursors: number; counts: number; reset(): void } {
  const reads = {
    rows: 0,
    keys: 0,
    cursors: 0,
    counts: 0,
    reset() {
      reads.rows = 0;
      reads.keys = 0;
      reads.cursors = 0;
      reads.counts = 0;
    },
  };
  db.use({
    stack: 'dbcore',
    name: 'count-reads',
    create: (down: DBCore): DBCore => ({
      ...down,
      table(name: string): DBCoreTable {
        const table = down.table(name);
        return {
          ...table,
          async query(req) {
            const res = await table.query(req);
            if (req.values) reads.rows += res.result.length;
            else reads.keys += res.result.length;
            return res;
          },
          async getMany(req) {
            const res = await table.getMany(req);
            reads.rows += res.filter((r) => r !== undefined).length;
            return res;
          },
          async openCursor(req) {
            reads.cursors++;
            return table.openCursor(req);
          },
          async count(req) {
            reads.counts++;
            return table.count(req);
          },
        };
      },
    }),
  });
  return reads;
}

describe('cache bound: least recently used evicted first', () => {
  it('evicts the least recently used records, and a record read since then survives', async () => {
    const db = freshDb();
    const cache = createFeatureCache(db, { limit: 10, storage: null });
    await putHourly(cache, 10); // records 0..9, used at T0 + 0..9 h
    expect(await db.features.count()).toBe(10);
    // Record 0 is read 20 h later: it becomes the most recently used but one.
    expect((await cache.get([trackId(0)], T0 + 20 * HOUR)).has(trackId(0))).toBe(true);
    await cache.put([record(trackId(10))], T0 + 21 * HOUR);
    // 11 > 10: down to floor(0.95 × 10) = 9, so the two least recently used (1 and 2) go.
    const expected = [0, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => trackId(i)).sort();
    expect(await storedFeatureIds(db)).toEqual(expected);
    // The evicted ones are gone from memory too.
    expect([...(await cache.get([trackId(1), trackId(2), trackId(3)], T0 + 22 * HOUR)).keys()]).toEqual([trackId(3)]);
  });

  it('bumps the stored last use lazily: not within the hour, and in one bulk update per read', async () => {
    const db = freshDb();
    const writer = createFeatureCache(db, { storage: null });
    const ids = [trackId(1), trackId(2), trackId(3)];
    await writer.put(ids.map((id) => record(id)), T0);
    const updates = vi.spyOn(db.features, 'bulkUpdate');

    // Within the hour: no write at all.
    await writer.get(ids, T0 + HOUR - 1);
    await new Promise((r) => setTimeout(r, 10));
    expect(updates).not.toHaveBeenCalled();

    // Another instance (nothing in memory) reading all three two hours later: one update of the three.
    const reader = createFeatureCache(db, { storage: null });
    expect((await reader.get(ids, T0 + 2 * HOUR)).size).toBe(3);
    await vi.waitFor(() => expect(updates).toHaveBeenCalledOnce());
    expect(updates.mock.calls[0]?.[0]).toEqual(ids.map((key) => ({ key, changes: { usedAt: T0 + 2 * HOUR } })));
    await vi.waitFor(async () => expect((await db.features.bulkGet(ids)).map((r) => r?.usedAt)).toEqual([T0 + 2 * HOUR, T0 + 2 * HOUR, T0 + 2 * HOUR]));

    // Read again 10 minutes later (from memory): the stored time is recent enough, nothing is written.
    await reader.get(ids, T0 + 2 * HOUR + 10 * 60 * 1000);
    await new Promise((r) => setTimeout(r, 10));
    expect(updates).toHaveBeenCalledOnce();
    // The read records are still returned without their usedAt.
    expect((await reader.get([trackId(1)], T0 + 3 * HOUR)).get(trackId(1))).toEqual(record(trackId(1)));
  });

  it('evicts with hysteresis: over the limit, down to 95 % of it; nothing more until it is exceeded again', async () => {
    const db = freshDb();
    const cache = createFeatureCache(db, { limit: 100, storage: null });
    await cache.put(Array.from({ length: 100 }, (_, i) => record(trackId(i))), T0);
    expect(await db.features.count()).toBe(100);
    const deletes = vi.spyOn(db.features, 'bulkDelete');
    expect(deletes).not.toHaveBeenCalled();
    await cache.put([record(trackId(100))], T0 + HOUR);
    expect(await db.features.count()).toBe(95);
    expect(deletes).toHaveBeenCalledOnce();
    expect(await db.features.get(trackId(100))).toBeDefined();
    await cache.put([1, 2, 3, 4].map((i) => record(trackId(100 + i))), T0 + 2 * HOUR);
    expect(await db.features.count()).toBe(99);
    expect(deletes).toHaveBeenCalledOnce();
    await cache.put([5, 6].map((i) => record(trackId(100 + i))), T0 + 3 * HOUR);
    expect(await db.features.count()).toBe(95);
    expect(deletes).toHaveBeenCalledTimes(2);
    // Every record stored after the first batch is still there.
    expect((await db.features.bulkGet([0, 1, 2, 3, 4, 5, 6].map((i) => trackId(100 + i)))).every((r) => r !== undefined)).toBe(true);
  });

  it('follows a changed limit on the next put, keeping the most recently used', async () => {
    const db = freshDb();
    let limit = 50;
    const cache = createFeatureCache(db, { limit: () => limit, storage: null });
    for (let batch = 0; batch < 4; batch++) await cache.put(Array.from({ length: 10 }, (_, i) => record(trackId(batch * 10 + i))), T0 + batch * HOUR);
    expect((await cache.stats()).limit).toBe(50);
    limit = 20;
    // Reported at once, evicted on the next put.
    expect(await cache.stats()).toMatchObject({ tracks: 40, limit: 20 });
    await cache.put([record(trackId(99))], T0 + 4 * HOUR);
    expect(await db.features.count()).toBe(19);
    const kept = new Set(await storedFeatureIds(db));
    expect(kept.has(trackId(99))).toBe(true);
    for (let i = 30; i < 40; i++) expect(kept.has(trackId(i))).toBe(true); // the last batch
    for (let i = 0; i < 20; i++) expect(kept.has(trackId(i))).toBe(false); // the first two
  });

  it('notices rows written by another writer within a minute (the count it skips between puts is re-read)', async () => {
    const db = freshDb();
    let clock = T0;
    const cache = createFeatureCache(db, { limit: 10, storage: null, clock: () => clock });
    await cache.put([record(trackId(0))], T0);
    // Another writer (the e2e build's cache hook) adds 10 rows behind this store's back.
    await db.features.bulkPut(Array.from({ length: 10 }, (_, i) => ({ ...record(trackId(100 + i)), usedAt: T0 - HOUR })));
    clock += QUOTA_CHECK_INTERVAL_MS - 1;
    await cache.put([record(trackId(1))], T0 + HOUR);
    expect(await db.features.count()).toBe(12);
    clock += 1;
    await cache.put([record(trackId(2))], T0 + 2 * HOUR);
    // 13 > 10: down to 9, so 4 of the other writer's older rows go (equal times: by track ID).
    expect(await storedFeatureIds(db)).toEqual([0, 1, 2, 104, 105, 106, 107, 108, 109].map((i) => trackId(i)).sort());
  });

  it('uses the default limit when the limit is not a positive integer or cannot be read', async () => {
    expect(DEFAULT_CACHE_LIMIT).toBe(100_000);
    for (const limit of [0, -5, 1.5, Number.NaN]) expect((await createFeatureCache(freshDb(), { limit, storage: null }).stats()).limit).toBe(DEFAULT_CACHE_LIMIT);
    const log = quiet();
    const failing = createFeatureCache(freshDb(), { limit: () => Promise.reject(new Error('settings unreadable')), storage: null, log });
    expect((await failing.stats()).limit).toBe(DEFAULT_CACHE_LIMIT);
    expect(log.warn).toHaveBeenCalled();
  });

  it('bounds the seen titles by the same limit, the least recently seen first, apart from the features', async () => {
    const db = freshDb();
    const cache = createFeatureCache(db, { limit: 10, storage: null });
    for (let i = 0; i < 10; i++) await cache.putTrackInfo([{ trackId: trackId(i), name: `Song ${i}`, artists: ['Band'] }], T0 + i * HOUR);
    await cache.put([record(trackId(1))], T0);
    // Track 0 is seen again, later than the others.
    await cache.putTrackInfo([{ trackId: trackId(0), name: 'Song 0', artists: ['Band'] }], T0 + 20 * HOUR);
    await cache.putTrackInfo([{ trackId: trackId(10), name: 'Song 10', artists: ['Band'] }], T0 + 21 * HOUR);
    const titles = (await db.tracks.toCollection().primaryKeys()).sort();
    expect(titles).toEqual([0, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => trackId(i)).sort());
    expect(await cache.searchSeen('song 1')).toEqual([{ trackId: trackId(10), name: 'Song 10', artists: ['Band'] }]);
    // The features of an evicted title stay.
    expect(await db.features.get(trackId(1))).toBeDefined();
  });

  it('never evicts the Spotify connection or the availability rows', async () => {
    const db = freshDb();
    await db.connection.put({ key: 'spotify', clientId: 'x' });
    await db.availability.put({ clientId: 'x', state: 'unknown' });
    const cache = createFeatureCache(db, { limit: 5, storage: null, log: quiet() });
    await putHourly(cache, 20);
    vi.spyOn(db.features, 'bulkPut').mockRejectedValueOnce(quotaError());
    await cache.put([record(trackId(50))], T0 + 50 * HOUR);
    await cache.clear();
    expect(await db.connection.count()).toBe(1);
    expect(await db.availability.count()).toBe(1);
  });
});

describe('database version 3', () => {
  it('upgrades a version-2 database keeping every row: usedAt = fetchedAt, title words indexed', async () => {
    const name = `test-${crypto.randomUUID()}`;
    const v2 = new Dexie(name);
    v2.version(1).stores({ features: 'trackId, fetchedAt' });
    v2.version(2).stores({ features: 'trackId, fetchedAt', tracks: 'trackId, seenAt', connection: 'key', availability: 'clientId' });
    const [a, b, c] = [trackId(1), trackId(2), trackId(3)];
    await v2.table('features').bulkPut([record(a, makeFeatures({ tempo: 99 }), T0), record(b, null, T0 + 5 * HOUR), record(c, makeFeatures(), T0 + 2 * HOUR)]);
    await v2.table('tracks').bulkPut([
      { trackId: a, name: 'Café del Mar', artists: ['Energy 52'], seenAt: T0 },
      { trackId: b, name: 'Beyoncé Song', artists: [], seenAt: T0 + 1 },
    ]);
    await v2.table('connection').put({ key: 'spotify', clientId: 'x', refreshToken: 'r' });
    v2.close();

    const db = freshDb(name);
    // Opened at the latest version (4 adds the list memory's table); version 3's upgrade ran on the way.
    expect(db.verno).toBe(4);
    expect(await db.features.get(a)).toEqual({ ...record(a, makeFeatures({ tempo: 99 }), T0), usedAt: T0 });
    expect((await db.features.get(b))?.usedAt).toBe(T0 + 5 * HOUR);
    expect((await db.tracks.get(a))?.words).toEqual(['cafe', 'del', 'mar', 'energy', '52']);
    expect(await db.connection.get('spotify')).toEqual({ key: 'spotify', clientId: 'x', refreshToken: 'r' });

    const cache = createFeatureCache(db, { limit: 3, storage: null });
    expect((await cache.get([a], T0)).get(a)?.features?.tempo).toBe(99);
    expect(await cache.searchSeen('beyonce')).toEqual([{ trackId: b, name: 'Beyoncé Song', artists: [] }]);
    expect((await cache.searchSeen('caf energy')).map((t) => t.trackId)).toEqual([a]);
    // The upgraded last use (the fetch time) orders the eviction: 4 > 3, down to 2, so a (T0) and
    // c (T0 + 2 h) go and b (T0 + 5 h) stays, although b's ID sorts before c's.
    await cache.put([record(trackId(4))], T0 + 6 * HOUR);
    expect(await storedFeatureIds(db)).toEqual([b, trackId(4)]);
  });
});

describe('cache stats without scanning', () => {
  it('keeps the row counts itself (no count(), which walks the table in Chromium) and estimates bytes from a sample: right after puts and evictions', async () => {
    const db = freshDb();
    const reads = countReads(db);
    const cache = createFeatureCache(db, { limit: 400, storage: null });
    expect(await cache.stats()).toEqual({ tracks: 0, bytes: 0, limit: 400, problem: null });
    // 500 records of one size (same-length IDs, same features and times), 300 titles of one size.
    await cache.put(Array.from({ length: 500 }, (_, i) => record(trackId(i))), T0);
    await cache.putTrackInfo(Array.from({ length: 300 }, (_, i) => ({ trackId: trackId(i), name: `Song ${100 + i}`, artists: ['Band'] })), T0);
    reads.reset();
    const stats = await cache.stats();
    // 500 > 400: evicted down to 380 on the put; 300 titles are under the limit.
    expect(stats.tracks).toBe(380);
    const featureBytes = Buffer.byteLength(JSON.stringify({ ...record(trackId(0)), usedAt: T0 }));
    const titleBytes = Buffer.byteLength(JSON.stringify({ trackId: trackId(0), name: 'Song 100', artists: ['Band'], seenAt: T0, words: ['song', '100', 'band'] }));
    expect(stats.bytes).toBe(380 * featureBytes + 300 * titleBytes);
    // At most a sample of each table was read, no cursor walked the rows, nothing was counted.
    expect(reads.rows).toBeLessThanOrEqual(2 * BYTES_SAMPLE_ROWS);
    expect(reads.cursors).toBe(0);
    expect(reads.counts).toBe(0);
    await cache.clear();
    expect((await cache.stats()).tracks).toBe(0);
  });

  it('counts a record written again once, and follows deletions of unknown answers', async () => {
    const db = freshDb();
    const reads = countReads(db);
    const cache = createFeatureCache(db, { storage: null });
    await cache.put([record(trackId(1)), record(trackId(2))], T0);
    await cache.put([record(trackId(2)), record(trackId(3)), record(trackId(3))], T0 + 1);
    await cache.put([{ ...record(trackId(4)), features: null }], T0 + 2);
    await cache.putTrackInfo([{ trackId: trackId(1), name: 'A', artists: [] }], T0);
    await cache.putTrackInfo([{ trackId: trackId(1), name: 'A again', artists: [] }], T0 + 1);
    expect((await cache.stats()).tracks).toBe(4);
    expect(await cache.clearUnknown()).toBe(1);
    reads.reset();
    expect((await cache.stats()).tracks).toBe(3);
    expect(reads.counts).toBe(0);
    // The kept counts agree with the database's own.
    expect(await db.features.count()).toBe(3);
    expect(await db.tracks.count()).toBe(1);
  });
});

describe('seen-track search (indexed)', () => {
  async function seeded() {
    const db = freshDb();
    const cache = createFeatureCache(db, { storage: null });
    const ids = { cafe: trackId(1), azul: trackId(2), acdc: trackId(3), love: trackId(4), beyonce: trackId(5) };
    await cache.putTrackInfo([{ trackId: ids.cafe, name: 'Café del Mar', artists: ['Energy 52'] }], T0);
    await cache.putTrackInfo([{ trackId: ids.azul, name: 'Mar Azul', artists: ['Beyoncé', 'Someone'] }], T0 + 1);
    await cache.putTrackInfo([{ trackId: ids.acdc, name: 'Highway to Hell', artists: ['AC/DC'] }], T0 + 2);
    await cache.putTrackInfo([{ trackId: ids.love, name: 'Love Love Love', artists: ['Marvin'] }], T0 + 3);
    await cache.putTrackInfo([{ trackId: ids.beyonce, name: 'Halo', artists: ['Beyonce'] }], T0 + 4);
    return { db, cache, ids };
  }
  const found = async (cache: ReturnType<typeof createFeatureCache>, query: string, limit?: number) => (await cache.searchSeen(query, limit)).map((t) => t.trackId);

  it('folds words the same way for titles and queries', () => {
    expect(searchWords('Café del Mar – AC/DC')).toEqual(['cafe', 'del', 'mar', 'ac', 'dc']);
    expect(searchWords('  BEYONCÉ   Knowles ')).toEqual(['beyonce', 'knowles']);
    expect(searchWords('?!')).toEqual([]);
  });

  it('matches every query word as the beginning of a word of the title or artists, not inside a word', async () => {
    const { cache, ids } = await seeded();
    expect(await found(cache, 'caf')).toEqual([ids.cafe]);
    expect(await found(cache, 'afe')).toEqual([]);
    expect(await found(cache, 'ar')).toEqual([]); // "Mar", "Marvin": not a word beginning
    expect(await found(cache, 'caf energy')).toEqual([ids.cafe]); // title word + artist word
    expect(await found(cache, 'mar zzz')).toEqual([]);
    expect(await found(cache, 'ac/dc')).toEqual([ids.acdc]);
    expect(await found(cache, 'DC hell')).toEqual([ids.acdc]);
  });

  it('ignores case and accents on both sides', async () => {
    const { cache, ids } = await seeded();
    expect(await found(cache, 'BEYONCE')).toEqual([ids.beyonce, ids.azul]);
    expect(await found(cache, 'beyoncé mar')).toEqual([ids.azul]);
    expect(await found(cache, 'CAFÉ')).toEqual([ids.cafe]);
  });

  it('gives each track once, whole-word matches first, then most recently seen first, at most `limit`', async () => {
    const { cache, ids } = await seeded();
    // "Mar" whole in Mar Azul (newer) and Café del Mar; only the beginning of Marvin (newest).
    expect(await found(cache, 'mar')).toEqual([ids.azul, ids.cafe, ids.love]);
    expect(await found(cache, 'love love')).toEqual([ids.love]);
    expect(await found(cache, 'mar', 2)).toEqual([ids.azul, ids.cafe]);
    expect(await found(cache, 'ma')).toEqual([ids.love, ids.azul, ids.cafe]);
    // Seen again: first among its equals now.
    await cache.putTrackInfo([{ trackId: ids.cafe, name: 'Café del Mar', artists: ['Energy 52'] }], T0 + 10);
    expect(await found(cache, 'mar')).toEqual([ids.cafe, ids.azul, ids.love]);
    expect(await found(cache, 'ma')).toEqual([ids.cafe, ids.love, ids.azul]);
    expect(await found(cache, '  ')).toEqual([]);
    await expect(cache.searchSeen('mar', 0)).rejects.toThrow(RangeError);
    await expect(cache.searchSeen('mar', 51)).rejects.toThrow(RangeError);
  });

  it('counts the query words that are whole words of a title', () => {
    expect(wholeWordMatches(['track', '1'], ['track', '1', 'band'])).toBe(2);
    expect(wholeWordMatches(['track', '1'], ['track', '12', 'band'])).toBe(1);
    expect(wholeWordMatches(['tra', '1'], ['track', '12'])).toBe(0);
    expect(wholeWordMatches([], ['track'])).toBe(0);
  });

  it('lists titles with the query words as whole words before newer ones that only begin with them', async () => {
    const cache = createFeatureCache(freshDb(), { storage: null });
    const [exact, newer, newest, partial] = [trackId(1), trackId(2), trackId(3), trackId(4)];
    await cache.putTrackInfo([{ trackId: exact, name: 'Track 1', artists: ['Band'] }], T0);
    await cache.putTrackInfo([{ trackId: newer, name: 'Track 12', artists: ['Band'] }], T0 + 1);
    await cache.putTrackInfo([{ trackId: newest, name: 'Track 10', artists: ['Band'] }], T0 + 2);
    await cache.putTrackInfo([{ trackId: partial, name: 'Tracks 10', artists: ['Band'] }], T0 + 3);
    // Both words whole, then one whole word (newest first), then none.
    expect(await found(cache, 'track 1')).toEqual([exact, newest, newer, partial]);
    expect(await found(cache, 'track 1', 1)).toEqual([exact]);
    // No word whole anywhere: recency decides, as before.
    expect(await found(cache, 'tra')).toEqual([partial, newest, newer, exact]);
  });

  it('reads only the candidates of the rarest word from the index, not every title', async () => {
    const db = freshDb();
    const reads = countReads(db);
    const cache = createFeatureCache(db, { storage: null });
    await cache.putTrackInfo(Array.from({ length: 500 }, (_, i) => ({ trackId: trackId(i), name: `Filler song ${i}`, artists: ['Band'] })), T0);
    await cache.putTrackInfo([{ trackId: trackId(900), name: 'Zebra song', artists: ['Band'] }], T0 + 1);
    reads.reset();
    expect(await found(cache, 'song zeb')).toEqual([trackId(900)]);
    // The first, short read of both words' ranges ("song": SEARCH_PROBE_KEYS + 1 of its 501 keys;
    // "zeb": its one key, read in full), then the one track.
    expect(SEARCH_PROBE_KEYS).toBeLessThan(500);
    expect(reads.keys).toBe(SEARCH_PROBE_KEYS + 1 + 1);
    expect(reads.rows).toBe(1);
    expect(reads.cursors).toBe(0);
  });

  it('answers from the newest titles when they hold `limit` with every word whole, else from the ranges read up to SEARCH_CANDIDATES keys', async () => {
    const n = 3 * SEARCH_PROBE_KEYS;
    // Both query words begin n + 1 titles: more than the short read, at most SEARCH_CANDIDATES.
    expect(n + 1).toBeLessThanOrEqual(SEARCH_CANDIDATES);
    const older = (i: number) => ({ trackId: trackId(1 + i), name: `Nightfall Songbook ${i}`, artists: ['Band'] });

    // Newest: n titles with both words whole. The newest of them are the answer.
    const db = freshDb();
    const reads = countReads(db);
    const cache = createFeatureCache(db, { storage: null });
    await cache.putTrackInfo(Array.from({ length: n }, (_, i) => older(i)), T0);
    for (let i = 0; i < 5; i++) await cache.putTrackInfo([{ trackId: trackId(1000 + i), name: `Night Song ${i}`, artists: ['Band'] }], T0 + 1 + i);
    reads.reset();
    expect(await found(cache, 'night song', 3)).toEqual([trackId(1004), trackId(1003), trackId(1002)]);
    expect(reads.keys).toBe(2 * (SEARCH_PROBE_KEYS + 1));
    expect(reads.rows).toBe(SEARCH_FIRST_PAGE_ROWS);

    // Oldest: one "Night Song"; newer: n titles with both words as beginnings only. The newest page
    // holds no title with both words whole, so both ranges are read in full, and that old title
    // ranks first.
    const db2 = freshDb();
    const reads2 = countReads(db2);
    const cache2 = createFeatureCache(db2, { storage: null });
    await cache2.putTrackInfo([{ trackId: trackId(0), name: 'Night Song', artists: ['Band'] }], T0);
    for (let i = 0; i < n; i++) await cache2.putTrackInfo([older(i)], T0 + 1 + i);
    reads2.reset();
    expect(await found(cache2, 'night song', 3)).toEqual([trackId(0), trackId(n), trackId(n - 1)]);
    expect(reads2.keys).toBe(2 * (SEARCH_PROBE_KEYS + 1) + 2 * (n + 1));
    expect(reads2.rows).toBe(SEARCH_FIRST_PAGE_ROWS + n + 1);
  });

  it('searches the most recently seen tracks when even the rarest word begins more than SEARCH_CANDIDATES titles', async () => {
    const db = freshDb();
    const reads = countReads(db);
    const cache = createFeatureCache(db, { storage: null });
    const n = SEARCH_CANDIDATES + 100;
    await cache.putTrackInfo(
      Array.from({ length: n }, (_, i) => ({ trackId: trackId(i), name: `Filler ${i}`, artists: ['Band'] })),
      T0,
    );
    // Seen again one by one in a known order: track i at T0 + 1 + i.
    for (let i = n - 5; i < n; i++) await cache.putTrackInfo([{ trackId: trackId(i), name: `Filler ${i}`, artists: ['Band'] }], T0 + 1 + i);
    reads.reset();
    expect(await found(cache, 'filler', 3)).toEqual([trackId(n - 1), trackId(n - 2), trackId(n - 3)]);
    // The first, small page of the newest tracks had enough hits with the word whole: nothing
    // more was read, not even the common word's range up to SEARCH_CANDIDATES keys.
    expect(reads.rows).toBe(SEARCH_FIRST_PAGE_ROWS);
    expect(reads.keys).toBe(SEARCH_PROBE_KEYS + 1);
    expect(await found(cache, 'band fill', 2)).toEqual([trackId(n - 1), trackId(n - 2)]);
  });

  it('among the most recently seen tracks, ranks an old title with the query word whole first, found through the index', async () => {
    const db = freshDb();
    const reads = countReads(db);
    const cache = createFeatureCache(db, { storage: null });
    const n = SEARCH_CANDIDATES + 100;
    // "Song" is seen first, so it is on the last page of the newest tracks; every newer title
    // begins a word with "song" ("Songbook 12") without having it whole.
    await cache.putTrackInfo([{ trackId: trackId(n), name: 'Song', artists: ['Band'] }], T0);
    await cache.putTrackInfo(
      Array.from({ length: n }, (_, i) => ({ trackId: trackId(i), name: `Songbook ${i}`, artists: ['Band'] })),
      T0 + 1,
    );
    reads.reset();
    expect(await found(cache, 'song', 3)).toEqual([trackId(n), trackId(n - 1), trackId(n - 2)]);
    // More than SEARCH_CANDIDATES titles begin with "song" (the short read, then the capped one),
    // one has it whole (read in full): the first page of the newest tracks held no title with it
    // whole, so the index gave that one.
    expect(reads.keys).toBe(SEARCH_PROBE_KEYS + 1 + SEARCH_CANDIDATES + 1 + 1);
    expect(reads.rows).toBe(1 + SEARCH_FIRST_PAGE_ROWS);
    expect(reads.cursors).toBe(0);
  });

  it('among the most recently seen tracks, reads pages on for titles with every query word whole when the index cannot narrow them', async () => {
    const db = freshDb();
    const reads = countReads(db);
    const cache = createFeatureCache(db, { storage: null });
    const n = SEARCH_CANDIDATES + 100;
    // Oldest: "beta" whole without "alpha"; then one "Alpha Beta"; newest: "alpha" whole and "beta"
    // only as a word's beginning. Both words are whole in more than SEARCH_CANDIDATES titles.
    await cache.putTrackInfo(Array.from({ length: n }, (_, i) => ({ trackId: trackId(i), name: `Beta Gamma ${i}`, artists: ['Band'] })), T0);
    await cache.putTrackInfo([{ trackId: trackId(2 * n), name: 'Alpha Beta', artists: ['Band'] }], T0 + 1);
    await cache.putTrackInfo(Array.from({ length: n }, (_, i) => ({ trackId: trackId(n + i), name: `Alpha Betamax ${i}`, artists: ['Band'] })), T0 + 2);
    reads.reset();
    const hits = await found(cache, 'alpha beta', 3);
    expect(hits[0]).toBe(trackId(2 * n));
    expect(hits).toHaveLength(3);
    // Both words' beginnings, short and then capped; then "beta"'s whole-word range, capped ("alpha" is whole in
    // every title of the newest page, so its whole-word range is not read: it would be capped too);
    // then, with only one title of the newest having both words whole, every page of the
    // SEARCH_RECENT_ROWS newest titles: the first of SEARCH_FIRST_PAGE_ROWS rows, then pages
    // twice as large up to SEARCH_PAGE_ROWS, each at an offset (which Dexie reads with a cursor).
    expect(reads.keys).toBe(2 * (SEARCH_PROBE_KEYS + 1) + 3 * (SEARCH_CANDIDATES + 1));
    expect(reads.rows).toBe(SEARCH_FIRST_PAGE_ROWS);
    const laterPages: number[] = [];
    for (let read = SEARCH_FIRST_PAGE_ROWS, size = 2 * SEARCH_FIRST_PAGE_ROWS; read < SEARCH_RECENT_ROWS; read += size, size = Math.min(2 * size, SEARCH_PAGE_ROWS)) laterPages.push(Math.min(size, SEARCH_RECENT_ROWS - read));
    expect(laterPages.reduce((a, b) => a + b, SEARCH_FIRST_PAGE_ROWS)).toBe(SEARCH_RECENT_ROWS);
    expect(reads.cursors).toBe(laterPages.length);
  });
});

describe('storage full', () => {
  it('isQuotaError recognises QuotaExceededError, also wrapped by Dexie or as a cause, and nothing else', () => {
    expect(isQuotaError(quotaError())).toBe(true);
    expect(isQuotaError({ name: 'QuotaExceededError' })).toBe(true);
    expect(isQuotaError(new Dexie.AbortError('Transaction aborted', quotaError()))).toBe(true);
    expect(isQuotaError(new Dexie.BulkError('1 of 2 failed', { 1: quotaError() }))).toBe(true);
    expect(isQuotaError(new Error('write failed', { cause: quotaError() }))).toBe(true);
    expect(isQuotaError(new DOMException('x', 'NS_ERROR_DOM_QUOTA_REACHED'))).toBe(true);
    expect(isQuotaError(new Dexie.AbortError('Transaction aborted', new DOMException('x', 'UnknownError')))).toBe(false);
    expect(isQuotaError(new Error('QuotaExceededError'))).toBe(false);
    for (const value of [null, undefined, 'QuotaExceededError', 42]) expect(isQuotaError(value)).toBe(false);
    const cyclic: { name: string; inner?: unknown } = { name: 'AbortError' };
    cyclic.inner = cyclic;
    expect(isQuotaError(cyclic)).toBe(false);
  });

  it('on a QuotaExceededError evicts the least recently used 20 % and retries the write once', async () => {
    const db = freshDb();
    const cache = createFeatureCache(db, { storage: null, log: quiet() });
    await putHourly(cache, 10);
    const writes = vi.spyOn(db.features, 'bulkPut').mockRejectedValueOnce(new Dexie.AbortError('Transaction aborted', quotaError()));
    await cache.put([record(trackId(50))], T0 + 50 * HOUR);
    expect(writes).toHaveBeenCalledTimes(2);
    expect(await storedFeatureIds(db)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 50].map((i) => trackId(i)).sort());
    expect((await cache.stats()).problem).toBeNull();
  });

  it('when the retry fails too: rejects, says so in stats, still answers from memory; a later successful write clears it', async () => {
    const db = freshDb();
    const log = quiet();
    const cache = createFeatureCache(db, { storage: null, log });
    await putHourly(cache, 5);
    const writes = vi.spyOn(db.features, 'bulkPut').mockRejectedValue(quotaError());
    await expect(cache.put([record(trackId(50))], T0 + 50 * HOUR)).rejects.toThrow('quota');
    expect(writes).toHaveBeenCalledTimes(2);
    const { problem } = await cache.stats();
    expect(problem).toMatch(/^Storage is full: .*QuotaExceededError.*\. Free disk space or lower the cache size\.$/);
    expect((await cache.get([trackId(50)], T0 + 50 * HOUR)).has(trackId(50))).toBe(true);
    writes.mockRestore();
    await cache.put([record(trackId(51))], T0 + 51 * HOUR);
    expect((await cache.stats()).problem).toBeNull();
    expect(await db.features.get(trackId(51))).toBeDefined();
  });

  it('reports other write failures without evicting or retrying', async () => {
    const db = freshDb();
    const cache = createFeatureCache(db, { storage: null });
    await putHourly(cache, 5);
    const writes = vi.spyOn(db.features, 'bulkPut').mockRejectedValue(new DOMException('disk broke', 'UnknownError'));
    await expect(cache.put([record(trackId(50))])).rejects.toThrow('disk broke');
    expect(writes).toHaveBeenCalledOnce();
    expect(await db.features.count()).toBe(5);
    expect((await cache.stats()).problem).toBe("The cache could not save 1 tracks' audio features (UnknownError: disk broke).");
  });

  it('keeps the problem sentence within the Status message limit (500 characters), for titles too', async () => {
    const db = freshDb();
    const cache = createFeatureCache(db, { storage: null, log: quiet() });
    vi.spyOn(db.tracks, 'bulkPut').mockRejectedValue(new DOMException('x'.repeat(2000), 'QuotaExceededError'));
    await expect(cache.putTrackInfo([{ trackId: trackId(1), name: 'Song', artists: [] }])).rejects.toThrow();
    const { problem } = await cache.stats();
    expect(problem).toMatch(/^Storage is full: the cache could not save 1 seen tracks' titles/);
    expect(problem?.length).toBeLessThanOrEqual(500);
    await cache.clear();
    expect((await cache.stats()).problem).toBeNull();
  });

  it('checks the origin quota at most once a minute and makes room above 80 % before writing', async () => {
    const db = freshDb();
    let clock = T0;
    let usage = 85;
    const estimate = vi.fn(async () => ({ usage, quota: 100 }));
    const storage: StorageEstimator = { estimate };
    const cache = createFeatureCache(db, { storage, clock: () => clock });
    await db.features.bulkPut(Array.from({ length: 10 }, (_, i) => ({ ...record(trackId(i)), usedAt: T0 + i * HOUR })));
    await cache.put([record(trackId(50))], T0 + 50 * HOUR);
    expect(estimate).toHaveBeenCalledOnce();
    // 20 % of the 10 stored before the write: records 0 and 1.
    expect(await storedFeatureIds(db)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 50].map((i) => trackId(i)).sort());

    clock += QUOTA_CHECK_INTERVAL_MS - 1;
    await cache.put([record(trackId(51))], T0 + 51 * HOUR);
    expect(estimate).toHaveBeenCalledOnce();
    expect(await db.features.count()).toBe(10);

    clock += 1;
    usage = 79;
    await cache.put([record(trackId(52))], T0 + 52 * HOUR);
    expect(estimate).toHaveBeenCalledTimes(2);
    expect(await db.features.count()).toBe(11);
  });
});

describe('durations with the feature records (issue 10)', () => {
  it('stores a record\'s duration; records written before it, or with an invalid one, read as null and keep their features', async () => {
    const db = freshDb();
    const cache = createFeatureCache(db, { storage: null });
    const [a, b, c, d] = [trackId(1), trackId(2), trackId(3), trackId(4)];
    await cache.put([record(a, makeFeatures(), T0, 187_000), record(b)], T0);
    // Written by an older version (no field), or corrupted: the features are still good.
    await db.features.bulkPut([
      { trackId: c, features: makeFeatures({ tempo: 99 }), provider: 'reccobeats', fetchedAt: T0, usedAt: T0 } as never,
      { trackId: d, features: makeFeatures({ tempo: 98 }), provider: 'spotify', fetchedAt: T0, usedAt: T0, durationMs: 'long' } as never,
    ]);
    const fresh = createFeatureCache(db, { storage: null });
    const got = await fresh.get([a, b, c, d], T0);
    expect([...got.values()].map((r) => [r.trackId, r.durationMs, r.features?.tempo])).toEqual([
      [a, 187_000, makeFeatures().tempo],
      [b, null, makeFeatures().tempo],
      [c, null, 99],
      [d, null, 98],
    ]);
  });

  it('fillDurations gives the page\'s duration (normalized) to records without one only, in memory and on disk, without refetching or counting a use', async () => {
    const db = freshDb();
    const cache = createFeatureCache(db, { storage: null });
    const [a, b, c, missing] = [trackId(1), trackId(2), trackId(3), trackId(9)];
    await cache.put([record(a), record(b, makeFeatures(), T0, 200_000), record(c, null)], T0);
    const filled = await cache.fillDurations(new Map([[a, 187_499], [b, 300_000], [c, 9_999_999], [missing, 1_000]]));
    expect(filled).toBe(2);
    // In memory (the same store) and in the database (a new store reads it from there).
    for (const store of [cache, createFeatureCache(db, { storage: null })]) {
      const got = await store.get([a, b, c, missing], T0);
      expect([...got.values()].map((r) => [r.trackId, r.durationMs])).toEqual([
        [a, 187_000],
        [b, 200_000],
        [c, 7_200_000],
      ]);
    }
    expect((await db.features.get(a))?.usedAt).toBe(T0);
    expect(await db.features.get(missing)).toBeUndefined();
    // Nothing to do: no write at all.
    expect(await cache.fillDurations(new Map([[a, Number.NaN]]))).toBe(0);
    expect(await cache.fillDurations(new Map([[a, 250_000]]))).toBe(0);
    expect((await cache.get([a], T0)).get(a)?.durationMs).toBe(187_000);
  });
});
