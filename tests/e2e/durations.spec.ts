import { SpotifyPage } from './pages/spotify-page';
import { PopupPage } from './pages/popup-page';
import { expectRowsMatch } from './support/badge-checks';
import { CacheHookClient } from './support/cache-hook';
import { FakeReccoBeats } from './support/fake-reccobeats';
import { E2E_EXTENSION_DIR, expect, test } from './support/fixtures';
import { classifyWithCli, featureTable, syntheticTracks } from './support/tracks';

/**
 * Issue 10, end to end on the test-only build (its cache hook reads the stored records): the
 * duration each track row shows (its last grid cell, `m:ss` or `h:mm:ss`) and the now-playing
 * bar's go with the track IDs to the background, which stores them with the audio features;
 * rows that show none are stored as of unknown duration; a pasted link in the popup for a track
 * never seen has none. The badges equal `npm run classify` given the same durations.
 */
test.use({ extensionDir: E2E_EXTENSION_DIR });

test('every shown duration is stored with its track\'s features, rows without one as unknown, and the badges match the CLI given the same durations', async ({ context, extensionId }) => {
  const tracks = syntheticTracks(24, 'e2e-durations');
  const [playing] = syntheticTracks(1, 'e2e-durations-playing').map((t) => ({ ...t, durationMs: 245_000 }));
  const [pasted] = syntheticTracks(1, 'e2e-durations-pasted');
  if (!playing || !pasted) throw new Error('fixtures');
  // The fixture has what this test is about: rows without a duration, and one past an hour (h:mm:ss).
  expect(tracks.filter((t) => t.durationMs === null).length).toBeGreaterThan(0);
  expect(tracks.some((t) => (t.durationMs ?? 0) >= 3_600_000)).toBe(true);
  const expected = classifyWithCli([...tracks, playing]);
  await new FakeReccoBeats(featureTable([...tracks, playing, pasted])).install(context);

  const spotify = await SpotifyPage.open(context, { kind: 'playlist', id: '37i9dQZF1DXd0d0d0d0d0d0d', name: 'Durations', tracks }, { nowPlaying: playing, viewport: { width: 1280, height: 2000 } });
  const rows = await spotify.settledRows();
  expect(rows).toHaveLength(tracks.length);
  expectRowsMatch(rows, expected);
  await spotify.settledNowPlaying();

  const hook = await CacheHookClient.connect(context);
  const ids = [...tracks, playing].map((t) => t.id);
  await expect.poll(() => hook.durations(ids), { message: 'durations stored with the features' }).toEqual([...tracks, playing].map((t) => t.durationMs));

  // A pasted link for a track no page showed: classified, and stored without a duration.
  const popup = await PopupPage.open(context, extensionId);
  await popup.search(`https://open.spotify.com/track/${pasted.id}`);
  const [hit] = await popup.results();
  expect(hit?.theme).toBe(classifyWithCli([pasted], { durationOf: () => null }).get(pasted.id)?.theme);
  // Stored after it was answered: a record, without a duration.
  await expect.poll(() => hook.durations([pasted.id]), { message: 'the pasted track stored without a duration' }).toEqual([null]);
});
