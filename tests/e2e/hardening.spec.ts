import { DEFAULT_CACHE_LIMIT, MIN_CACHE_LIMIT } from '../../lib/shared/settings';
import { OptionsPage } from './pages/options-page';
import { SpotifyPage } from './pages/spotify-page';
import { badgeFor, expectRowsMatch, pageFixture } from './support/badge-checks';
import { CacheHookClient } from './support/cache-hook';
import { fillAndEvict } from './support/cache-eviction';
import { describeAnswer, isRefusal, responseOf } from './support/extension-messages';
import { FakeReccoBeats } from './support/fake-reccobeats';
import { ROW_POOL_SIZE, type PageSpec } from './support/fake-spotify';
import { E2E_EXTENSION_DIR, expect, test } from './support/fixtures';
import { classifyWithCli, featureTable, type CliRow, type FixtureTrack } from './support/tracks';

/**
 * Hardening (issue 9), end to end, on the test-only build (`npm run build:e2e`, which has the
 * cache hook of `lib/background/bench-hook.ts`):
 * 1. the content script's world may only ask for badges: privileged and unknown message types
 *    sent from it (through the DevTools protocol, as a compromised page could) are refused and
 *    change nothing, a `classify` whose `seen` titles name other tracks is refused, and the page's
 *    own scripts cannot reach the extension at all;
 * 2. a ReccoBeats response whose body stalls after its headers ends in `!` badges within the
 *    background's deadline, which recover once the provider answers again;
 * 3. the page forging WXT's "a newer content script started" event does not stop the badges;
 * 4. a cache bound lowered in the options page (to the smallest, 1,000 tracks) evicts the least
 *    recently used tracks once new ones are cached (`support/cache-eviction.ts`). The same
 *    scenario at the default bound of 100,000 tracks, with `status` and search timings, is
 *    `npm run bench:cache` (tests/bench/cache.bench.ts): filling it takes a minute or more.
 */

test.use({ extensionDir: E2E_EXTENSION_DIR });

/** WXT names a content script after its entrypoint: `entrypoints/spotify.content/` is `spotify`. */
const CONTENT_SCRIPT_NAME = 'spotify';
/** Records per bulk write when filling the cache to the smallest bound: ten steps of age (see `fillAndEvict`). */
const SMALL_FILL_CHUNK = 100;

const privileged = pageFixture(6, 'hardening-privileged');
const outsider = pageFixture(1, 'hardening-outsider')[0] as FixtureTrack;
const stalled = pageFixture(3, 'hardening-stall');
const forgedFirst = pageFixture(25, 'hardening-forged-first');
const forgedSecond = pageFixture(30, 'hardening-forged-second', [3]);
const evicting = pageFixture(10, 'hardening-evict');
const allTracks = [...privileged, outsider, ...stalled, ...forgedFirst, ...forgedSecond, ...evicting];

let expected: Map<string, CliRow>;
test.beforeAll(() => {
  expected = classifyWithCli(allTracks);
});

const playlist = (id: string, name: string, tracks: readonly FixtureTrack[]): PageSpec => ({ kind: 'playlist', id, name, tracks });

test('privileged and unknown messages from the content script\'s world are refused and change nothing; the page\'s own scripts cannot reach the extension', async ({ context, extensionId }) => {
  await new FakeReccoBeats(featureTable(allTracks)).install(context);
  const spotify = await SpotifyPage.open(context, playlist('37i9dQZF1DXa1a1a1a1a1a1a', 'Hardening Privileged', privileged));
  // The page's badges are answered: their features are cached (the answers do not wait for the
  // database, so the count is awaited), their titles stored.
  expectRowsMatch(await spotify.settledRows(), expected);
  const options = await OptionsPage.open(context, extensionId);
  await expect.poll(async () => (await options.status()).cache.tracks, { message: 'cached tracks before the attempts' }).toBe(privileged.length);
  const before = await options.status();
  // The options page (an extension page) may search the seen tracks: the page's titles are there.
  const first = privileged[0] as FixtureTrack;
  const seenBefore = await options.send('search', { query: first.title });
  const seenHits = responseOf('search', seenBefore).hits.map((h) => h.trackId);
  expect(seenHits, `search from the options page: ${describeAnswer(seenBefore)}`).toContain(first.id);

  const world = await spotify.contentScriptWorld(extensionId);
  const attempts: [string, unknown][] = [
    ['connectSpotify', { clientId: 'abcdef0123456789abcdef0123456789' }],
    ['disconnectSpotify', {}],
    ['clearCache', {}],
    ['search', { query: 'a' }],
    ['status', {}],
    ['constructor', {}],
    ['toString', {}],
    ['__proto__', {}],
  ];
  const answers: { type: string; refused: boolean; answer: string }[] = [];
  for (const [i, [type, data]] of attempts.entries()) {
    const answer = await world.send(type, data, 1000 + i);
    answers.push({ type, refused: isRefusal(answer), answer: describeAnswer(answer) });
  }
  console.log(`from the content script's world:\n${answers.map((a) => `  ${a.type}: ${a.answer}`).join('\n')}`);
  expect(answers.filter((a) => !a.refused), 'messages answered with something else than { err }').toEqual([]);

  // classify: `seen` titles must describe the tracks asked for; the background cross-checks them.
  const forgedSeen = await world.send('classify', { trackIds: [first.id], seen: [{ trackId: outsider.id, name: 'Injected Title', artists: ['Injected Artist'] }] }, 2000);
  console.log(`classify with a seen entry for another track: ${describeAnswer(forgedSeen)}`);
  expect(isRefusal(forgedSeen), `classify with a foreign seen entry: ${describeAnswer(forgedSeen)}`).toBe(true);
  // A duration outside 1 s - 2 h (issue 10) is refused with its request, as any malformed entry.
  const forgedDuration = await world.send('classify', { trackIds: [first.id], seen: [{ trackId: first.id, name: first.title, artists: [first.artist], durationMs: 86_400_000 }] }, 2002);
  expect(isRefusal(forgedDuration), `classify with a 24 h duration: ${describeAnswer(forgedDuration)}`).toBe(true);
  const valid = await world.send('classify', { trackIds: [first.id], seen: [{ trackId: first.id, name: first.title, artists: [first.artist] }] }, 2001);
  const results = responseOf('classify', valid);
  expect(results.map((r) => r.trackId)).toEqual([first.id]);
  expect(results.map((r) => ({ status: r.status === 'ok' && r.uncertain ? 'uncertain' : r.status, theme: r.status === 'ok' ? r.theme : null })), 'the valid classify\'s answer').toEqual([badgeFor(first.id, expected)]);

  // Nothing changed: same cache, no Spotify client ID, no injected title.
  const after = await options.status();
  expect(after.cache.tracks, 'cached tracks after a refused clearCache').toBe(before.cache.tracks);
  expect(after.spotify, 'the Spotify connection after a refused connectSpotify').toMatchObject({ clientId: before.spotify.clientId, connected: before.spotify.connected });
  const injected = await options.send('search', { query: 'Injected Title' });
  expect(responseOf('search', injected).hits, 'seen tracks named by the refused classify').toEqual([]);
  // The page itself is untouched and its badges still right.
  expectRowsMatch(await spotify.renderedRows(), expected);
  await world.detach();

  // The page's main world: no `chrome.runtime` to reach us (no externally_connectable).
  const main = await spotify.mainWorldRuntime(extensionId);
  console.log(`main world: typeof chrome.runtime.sendMessage = ${main.sendMessageType}; calling it: ${main.attempt}`);
  expect(main.sendMessageType === 'undefined' || main.attempt.startsWith('threw'), `the main world reaches the extension: ${JSON.stringify(main)}`).toBe(true);
});

test('a ReccoBeats body that stalls after its headers ends in "!" badges within 25 s, which recover once it answers again', async ({ context }) => {
  const reccobeats = new FakeReccoBeats(featureTable(allTracks));
  await reccobeats.install(context);
  await reccobeats.stallBody();
  try {
    const firstRequest = reccobeats.nextRequest();
    const spotify = await SpotifyPage.open(context, playlist('37i9dQZF1DXb2b2b2b2b2b2b', 'Hardening Stalled', stalled));
    await firstRequest;
    const requestedAt = Date.now();
    await expect
      .poll(async () => (await spotify.renderedRows()).map((r) => [r.trackId, r.status]), { message: 'every badge shows "!"', timeout: 30_000, intervals: [100] })
      .toEqual(stalled.map((t) => [t.id, 'error']));
    const errorAfterMs = Date.now() - requestedAt;
    const labels = (await spotify.allBadges()).map((b) => b.ariaLabel);
    console.log(`stalled body: "!" on every badge ${errorAfterMs} ms after the first request; ${reccobeats.stalledRequests} stalled request(s); label: ${labels[0] ?? ''}`);
    expect(errorAfterMs, 'ms from the request until every badge showed "!"').toBeLessThanOrEqual(25_000);

    reccobeats.recover();
    const requestsBefore = reccobeats.requests.length;
    const recoveredAt = Date.now();
    await spotify.badgeOfRow((stalled[0] as FixtureTrack).id).click();
    await spotify.badgeOfRow((stalled[1] as FixtureTrack).id).focus();
    await spotify.page.keyboard.press('Enter');
    await spotify.badgeOfRow((stalled[2] as FixtureTrack).id).click();
    expectRowsMatch(await spotify.settledRows(15_000), expected);
    console.log(`stalled body: every badge right ${Date.now() - recoveredAt} ms after the provider recovered (${reccobeats.requests.length - requestsBefore} more requests)`);
  } finally {
    await reccobeats.close();
  }
});

test('the page forging WXT\'s "content script started" event leaves the badges in place and working', async ({ context, extensionId }) => {
  const reccobeats = new FakeReccoBeats(featureTable(allTracks));
  await reccobeats.install(context);
  const second = playlist('37i9dQZF1DXd4d4d4d4d4d4d', 'Hardening After The Event', forgedSecond);
  const spotify = await SpotifyPage.open(context, playlist('37i9dQZF1DXc3c3c3c3c3c3c', 'Hardening Forged Event', forgedFirst), { routes: [second] });
  expectRowsMatch(await spotify.settledRows(), expected);
  const badgesBefore = (await spotify.allBadges()).length;

  const eventName = await spotify.forgeScriptStartedEvents(extensionId, CONTENT_SCRIPT_NAME);
  console.log(`forged ${eventName} (document, body, window, postMessage)`);
  await spotify.page.waitForTimeout(200);
  expect((await spotify.allBadges()).length, 'badges in the document after the forged event').toBe(badgesBefore);
  expectRowsMatch(await spotify.renderedRows(), expected);

  // Still working: a new list gets its own badges, and so do rows reused while scrolling.
  const requestsBefore = reccobeats.requests.length;
  await spotify.navigate(second);
  const rows = await spotify.settledRows();
  expect(rows.map((r) => r.trackId)).toEqual(forgedSecond.slice(0, ROW_POOL_SIZE).map((t) => t.id));
  expectRowsMatch(rows, expected);
  await spotify.scrollToPosition(forgedSecond.length - 5);
  expectRowsMatch(await spotify.settledRows(), expected);
  expect(reccobeats.requests.slice(requestsBefore).flat(), 'tracks asked for after the event').toEqual(expect.arrayContaining(forgedSecond.slice(0, ROW_POOL_SIZE).map((t) => t.id)));
});

test('a cache bound lowered in the options page evicts the least recently used tracks once new ones are cached', async ({ context, extensionId }) => {
  const reccobeats = new FakeReccoBeats(featureTable(allTracks));
  await reccobeats.install(context);
  const options = await OptionsPage.open(context, extensionId);
  const hook = await CacheHookClient.connect(context);
  expect((await options.status()).cache.limit, 'the default cache bound').toBe(DEFAULT_CACHE_LIMIT);
  await options.setCacheLimit(MIN_CACHE_LIMIT);
  await expect(options.cacheSummary(), 'the summary names the new bound').toContainText(`at most ${MIN_CACHE_LIMIT.toLocaleString('en')}`);

  const log = await fillAndEvict({ context, options, hook, reccobeats, limit: MIN_CACHE_LIMIT, chunkSize: SMALL_FILL_CHUNK, playlist: playlist('37i9dQZF1DXe5e5e5e5e5e5e', 'Hardening Eviction', evicting), expected });
  console.log(`${log.fill}; ${log.eviction}`);
});
