import { SpotifyPlaylistPage } from './pages/playlist-page';
import { PopupPage } from './pages/popup-page';
import { FakeReccoBeats } from './support/fake-reccobeats';
import { expect, test } from './support/fixtures';
import { featureTable, syntheticTracks, themesFromClassifyCli } from './support/tracks';

test.describe('popup without a Spotify connection', () => {
  test('searches the tracks seen on open.spotify.com and classifies a pasted track link', async ({ context, extensionId }) => {
    const tracks = syntheticTracks(12, 'e2e-popup');
    const expected = themesFromClassifyCli(tracks);
    await new FakeReccoBeats(featureTable(tracks)).install(context);
    const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DXBBBBBBBBBBBBB', 'Seen Tracks', tracks);
    await playlist.settledRows();

    const popup = await PopupPage.open(context, extensionId);
    await expect(popup.connectionStatus()).toContainText('Not connected');
    await popup.search('Synthetic track 11');
    await expect(popup.searchSource()).toContainText('seen');
    const [hit] = await popup.results();
    expect(hit).toMatchObject({ trackId: tracks[10]?.id, title: 'Synthetic track 11', theme: expected.get(tracks[10]?.id ?? '') });
    expect(hit?.bars.length).toBeGreaterThanOrEqual(2);

    const unseen = syntheticTracks(1, 'e2e-popup-unseen')[0];
    if (!unseen?.features) throw new Error('fixture without features');
    await new FakeReccoBeats(featureTable([unseen])).install(context);
    await popup.search(`https://open.spotify.com/track/${unseen.id}?si=x`);
    await expect(popup.searchSource()).toContainText('pasted link');
    // Never seen on a page, not from Spotify: classified without a duration (issue 10).
    expect((await popup.results()).map((r) => [r.trackId, r.theme])).toEqual([[unseen.id, themesFromClassifyCli([unseen], { durationOf: () => null }).get(unseen.id)]]);

    // A link to something else than a track says why, instead of searching for its words.
    await popup.search('https://open.spotify.com/playlist/37i9dQZF1DXBBBBBBBBBBBBB');
    await expect(popup.page.getByTestId('not-searched')).toHaveText(/^That is a link to a playlist\. The popup classifies one track at a time/);
    await expect(popup.searchSource()).toHaveCount(0);

    await popup.search('no such song anywhere');
    await expect(popup.page.getByText('No tracks found')).toBeVisible();
  });
});
