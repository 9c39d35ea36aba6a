import { SpotifyPlaylistPage, type RenderedRow } from './pages/playlist-page';
import { FakeReccoBeats } from './support/fake-reccobeats';
import { ROW_POOL_SIZE } from './support/fake-spotify';
import { expect, test } from './support/fixtures';
import { classifyWithCli, expectedBadge, featureTable, realDataSkipReason, realTracks, syntheticTracks, type CliRow } from './support/tracks';

/** Every rendered row has one badge showing what the classify CLI says (or "unknown"). */
function expectRowsMatch(rows: readonly RenderedRow[], expected: ReadonlyMap<string, CliRow>): void {
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    expect(row.badgeCount, `position ${row.position} (${row.trackId}) badge count`).toBe(1);
    expect(row.badgeTrackId, `position ${row.position} badge is for its current track`).toBe(row.trackId);
    const cli = expected.get(row.trackId);
    if (cli === undefined) {
      expect(row.status, `position ${row.position} (${row.trackId}) is unknown to the provider`).toBe('unknown');
    } else {
      expect({ status: row.status, theme: row.theme }, `position ${row.position} (${row.trackId})`).toEqual(expectedBadge(cli));
    }
  }
}

/**
 * Scrolls through the whole list, checking the badges of every window of rows, until every list
 * position has been seen rendered and checked. Each step scrolls to the first position not seen
 * yet and waits for that row, so a read can never be of the window drawn before the scroll.
 * Returns the track IDs seen.
 */
async function checkWholeList(playlist: SpotifyPlaylistPage, trackCount: number, expected: ReadonlyMap<string, CliRow>): Promise<Set<string>> {
  const seen = new Set<string>();
  const seenPositions = new Set<number>();
  const record = (rows: readonly RenderedRow[]): void => {
    expectRowsMatch(rows, expected);
    for (const r of rows) {
      seen.add(r.trackId);
      seenPositions.add(r.position);
    }
  };
  const first = await playlist.settledRows();
  expect(first).toHaveLength(Math.min(ROW_POOL_SIZE, trackCount));
  record(first);
  await playlist.markRowElements();
  for (let next = 0; next < trackCount; next++) {
    if (seenPositions.has(next)) continue;
    await playlist.scrollToIndex(next);
    record(await playlist.settledRows());
    expect(seenPositions.has(next), `list position ${next} was drawn after scrolling to it`).toBe(true);
  }
  // The fake page reuses its row elements: marked elements now show other tracks, and their
  // badges were checked above against those new tracks.
  const last = await playlist.renderedRows();
  const reused = last.filter((r) => r.marker !== null && !first.some((f) => f.marker === r.marker && f.trackId === r.trackId));
  expect(reused.length).toBeGreaterThan(0);
  return seen;
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
