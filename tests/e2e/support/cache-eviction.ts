import type { BrowserContext } from '@playwright/test';
import type { OptionsPage } from '../pages/options-page';
import { SpotifyPage } from '../pages/spotify-page';
import { expectRowsMatch, stopServiceWorker } from './badge-checks';
import { fillTrackId, type CacheHookClient } from './cache-hook';
import { describeAnswer, responseOf } from './extension-messages';
import type { FakeReccoBeats } from './fake-reccobeats';
import type { PageSpec } from './fake-spotify';
import { expect } from './fixtures';
import type { CliRow } from './tracks';
import { EVICT_TO_FRACTION } from '../../../lib/background/cache';

/** The fill's tracks were stored over the past 30 days, oldest chunk first (a read only bumps a last use older than an hour). */
const FILL_SPAN_MS = 30 * 24 * 60 * 60 * 1000;

/** What {@link fillAndEvict} is given: the extension's pages and fakes, already set up, and the scenario's sizes. */
export interface EvictionScenario {
  readonly context: BrowserContext;
  /** An open options page: it asks for `status` and sends the `classify` that uses old tracks again. */
  readonly options: OptionsPage;
  readonly hook: CacheHookClient;
  /** The fake ReccoBeats, installed: the cached tracks must never be asked for. */
  readonly reccobeats: FakeReccoBeats;
  /** The cache bound in force (tracks); the cache is filled to exactly this many. */
  readonly limit: number;
  /** Tracks per bulk write of the fill; each chunk is one step of age (see `CacheHook.fill`). */
  readonly chunkSize: number;
  /** A playlist of tracks not cached yet: opening it caches them, past the bound. */
  readonly playlist: PageSpec;
  /** `npm run classify`'s answer for the playlist's tracks (`classifyWithCli`). */
  readonly expected: ReadonlyMap<string, CliRow>;
  /** Runs with the cache full, after a fresh service worker has read it, before any track is used (the benchmark times its messages here). */
  readonly whileFull?: () => Promise<void>;
}

/**
 * Issue 9's eviction scenario, end to end: fills the cache to `limit` with synthetic tracks stored
 * over the past 30 days (oldest chunk first), checks the counts from a fresh service worker, uses
 * five tracks of the oldest chunk again (a `classify` from the options page, answered from the
 * cache), opens `playlist` so that its new tracks are cached past the bound (timing its badges),
 * waits until eviction has gone down to `EVICT_TO_FRACTION` of the bound, and checks that it kept
 * the playlist's tracks and the ones used again, evicted at least as many as were added, took the
 * least recently used first (nothing of a chunk while an older chunk still has unused tracks), and
 * left the newest chunk whole.
 * Used by `hardening.spec.ts` (at the smallest bound, in `npm test`) and `tests/bench/cache.bench.ts`
 * (at the default bound of 100,000, with timings).
 * @returns the fill's figures and an eviction summary (with the playlist's badge time), for the log.
 * @throws Playwright's assertion errors naming the check that failed.
 */
export async function fillAndEvict(s: EvictionScenario): Promise<{ fill: string; eviction: string }> {
  const { limit, chunkSize, hook } = s;
  const fillStarted = Date.now();
  const filled = await hook.fill({ count: limit, chunkSize, storedOverMs: FILL_SPAN_MS });
  const fill = `cache fill: ${filled.count} tracks in ${filled.chunks} chunks: ${filled.ms.toFixed(0)} ms in the worker (features ${filled.featureMs.toFixed(0)} ms, titles ${filled.titleMs.toFixed(0)} ms), ${Date.now() - fillStarted} ms wall`;
  expect(await hook.count(), 'records after the fill').toEqual({ features: limit, titles: limit });

  // A fresh service worker, as after a browser restart: what the background knows of the cache comes from the database.
  await stopServiceWorker(s.context, s.options.page);
  const status = await s.options.status();
  expect(status.cache.tracks, 'status: cached tracks').toBe(limit);
  expect(status.cache.limit, 'status: the bound').toBe(limit);
  await s.whileFull?.();

  // Five of the oldest chunk's tracks are used (badged) now, a month after they were stored: no longer the least recently used.
  const touchedIndices = [0, 1, 2, 3, 4].map((i) => Math.min(chunkSize - 1, Math.round((i * chunkSize) / 4)));
  const touched = touchedIndices.map(fillTrackId);
  const touchAnswer = await s.options.send('classify', { trackIds: touched });
  const touchedResults = responseOf('classify', touchAnswer);
  expect(touchedResults.map((r) => [r.trackId, r.status === 'ok' ? r.provider : r.status]), `classify of cached tracks: ${describeAnswer(touchAnswer)}`).toEqual(touched.map((id) => [id, 'reccobeats']));
  expect(s.reccobeats.requests.flat(), 'cached tracks are not asked for').toEqual([]);

  // The playlist's tracks are not cached yet: their features are added (and used), puts past the bound.
  const opened = performance.now();
  const spotify = await SpotifyPage.open(s.context, s.playlist);
  expectRowsMatch(await spotify.settledRows(), s.expected);
  const badgedMs = performance.now() - opened;
  // The badges do not wait for the database: the playlist's records are awaited, then the
  // eviction, which goes down to EVICT_TO_FRACTION of the bound (the playlist's later puts on top).
  const added = s.playlist.tracks.map((t) => t.id);
  await expect.poll(() => hook.present(added), { message: "the playlist's tracks stored", timeout: 15_000 }).toEqual(added.map(() => true));
  const evictedTo = Math.floor(limit * EVICT_TO_FRACTION) + added.length;
  await expect.poll(async () => Math.max(...Object.values(await hook.count())), { message: 'feature and title records after the eviction', timeout: 30_000 }).toBeLessThanOrEqual(evictedTo);

  const present = await hook.presentByIndex(0, limit);
  const missing = [...present].flatMap((p, i) => (p === '0' ? [i] : []));
  const chunkOf = (index: number) => Math.floor(index / chunkSize);
  const newestMissingChunk = Math.max(-1, ...missing.map(chunkOf));
  const count = await hook.count();
  const eviction = `eviction: the playlist's ${added.length} rows badged ${badgedMs.toFixed(0)} ms after it was opened; ${count.features} feature records, ${count.titles} titles; ${missing.length} filled tracks evicted, from chunks ${[...new Set(missing.map(chunkOf))].join(', ')}`;
  expect(await hook.present(added), 'the playlist\'s tracks are kept').toEqual(added.map(() => true));
  expect(await hook.present(touched), 'the old tracks used again are kept').toEqual(touched.map(() => true));
  expect(missing.length, 'filled tracks evicted').toBeGreaterThanOrEqual(added.length);
  // Least recently used first: nothing of a chunk is evicted while an older chunk still has unused tracks.
  const keptTooOld = [...present.slice(0, newestMissingChunk * chunkSize)].flatMap((p, i) => (p === '1' && !touchedIndices.includes(i) ? [i] : []));
  expect(keptTooOld.slice(0, 10), `unused tracks older than evicted ones (chunk ${newestMissingChunk} was evicted from)`).toEqual([]);
  expect(present.slice(limit - chunkSize), 'the most recently filled chunk is kept').toBe('1'.repeat(chunkSize));
  return { fill, eviction };
}
