import { SpotifyPlaylistPage } from './pages/playlist-page';
import { checkWholeList as walkWholeList, expectRowsMatch } from './support/badge-checks';
import { FakeReccoBeats } from './support/fake-reccobeats';
import { ROW_POOL_SIZE } from './support/fake-spotify';
import { expect, test } from './support/fixtures';
import { classifyWithCli, featureTable, realDataSkipReason, realTracks, syntheticTracks, type CliRow } from './support/tracks';

/**
 * Walks the whole list (support/badge-checks.ts, checkWholeList): every list position drawn and
 * its badge checked; the fake page reuses its row elements, so some marked elements end up
 * showing other tracks, whose badges were checked against those new tracks. Returns the track IDs seen.
 */
async function checkWholeList(playlist: SpotifyPlaylistPage, trackCount: number, expected: ReadonlyMap<string, CliRow>): Promise<Set<string>> {
  const walk = await walkWholeList(playlist.spotify, trackCount, expected);
  expect(walk.firstRows).toHaveLength(Math.min(ROW_POOL_SIZE, trackCount));
  expect(walk.reusedElements).toBeGreaterThan(0);
  return walk.trackIds;
}

test.describe('theme badges on a Spotify playlist page', () => {
  test('every row, including rows added and reused on scroll, shows the theme npm run classify gives', async ({ context }) => {
    const tracks = syntheticTracks(120, 'e2e-synthetic');
    // Three tracks the provider does not know, inside the first screen.
    const unknown = new Set([tracks[2]?.id, tracks[7]?.id, tracks[55]?.id]);
    const fixture = tracks.map((t) => (unknown.has(t.id) ? { ...t, features: undefined } : t));
    const expected = classifyWithCli(fixture);
    expect(expected.size).toBe(117);
    const reccobeats = new FakeReccoBeats(featureTable(fixture));
    await reccobeats.install(context);

    const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX0XUsuxWHRQd', 'E2E Synthetic Mix', fixture);
    const seen = await checkWholeList(playlist, fixture.length, expected);

    expect(seen.size).toBe(fixture.length);
    const statuses = new Set((await playlist.renderedRows()).map((r) => r.status));
    expect(statuses.has('error')).toBe(false);
    for (const batch of reccobeats.requests) expect(batch.length).toBeLessThanOrEqual(40);
    // Features are cached: no track was asked for twice.
    const asked = reccobeats.requests.flat();
    expect(new Set(asked).size).toBe(asked.length);
  });

  test('after in-app navigation to another playlist, the new rows get their own badges', async ({ context }) => {
    const first = syntheticTracks(25, 'e2e-nav-first');
    const second = syntheticTracks(25, 'e2e-nav-second');
    const expected = classifyWithCli([...first, ...second]);
    await new FakeReccoBeats(featureTable([...first, ...second])).install(context);
    const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX5555555555556', 'Before Navigation', first);
    expectRowsMatch(await playlist.settledRows(), expected);

    await playlist.navigateInApp('37i9dQZF1DX6666666666666', 'After Navigation', second);
    const rows = await playlist.settledRows();
    expect(rows.map((r) => r.trackId)).toEqual(second.slice(0, ROW_POOL_SIZE).map((t) => t.id));
    expectRowsMatch(rows, expected);
  });

  test('unknown tracks show an "unknown" badge, never a guessed theme', async ({ context }) => {
    const tracks = syntheticTracks(5, 'e2e-unknown');
    await new FakeReccoBeats(new Map()).install(context);
    const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX1111111111111', 'Nobody Knows These', tracks);
    const rows = await playlist.settledRows();
    expect(rows.map((r) => [r.status, r.theme])).toEqual(tracks.map(() => ['unknown', null]));
  });

  test('a 429 with Retry-After followed by success still badges every row', async ({ context }) => {
    const tracks = syntheticTracks(30, 'e2e-429');
    const expected = classifyWithCli(tracks);
    const reccobeats = new FakeReccoBeats(featureTable(tracks));
    reccobeats.failNext({ status: 429, headers: { 'Retry-After': '1' }, body: '{"error":"Too Many Requests"}' });
    await reccobeats.install(context);

    const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX2222222222222', 'Rate Limited', tracks);
    expectRowsMatch(await playlist.settledRows(), expected);
    // The rate-limited request was retried with the same IDs.
    expect(reccobeats.requests.length).toBeGreaterThanOrEqual(2);
    expect(reccobeats.requests[1]).toEqual(reccobeats.requests[0]);
  });

  test('a provider that keeps failing shows an error state, not a theme and not nothing', async ({ context }) => {
    const tracks = syntheticTracks(3, 'e2e-500');
    const reccobeats = new FakeReccoBeats(featureTable(tracks));
    for (let i = 0; i < 10; i++) reccobeats.failNext({ status: 500, body: 'oops' });
    await reccobeats.install(context);
    const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX3333333333333', 'Broken Provider', tracks);
    const rows = await playlist.settledRows(60_000);
    expect(rows.map((r) => r.status)).toEqual(['error', 'error', 'error']);
  });
});

test.describe('theme badges on 100 real tracks', () => {
  const skipReason = realDataSkipReason();
  if (skipReason) console.log(`Skipping the real-data e2e test: ${skipReason}`);
  test.skip(skipReason !== undefined, skipReason);

  test('real IDs and real audio features: every row shows the theme npm run classify gives', async ({ context }) => {
    const tracks = realTracks(100, 'e2e-real-100');
    expect(tracks).toHaveLength(100);
    const expected = classifyWithCli(tracks);
    await new FakeReccoBeats(featureTable(tracks)).install(context);
    const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX4444444444444', 'Real Tracks', tracks);
    const seen = await checkWholeList(playlist, tracks.length, expected);
    expect(seen.size).toBe(100);
  });
});
