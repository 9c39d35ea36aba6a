import { OptionsPage } from './pages/options-page';
import { SpotifyPlaylistPage } from './pages/playlist-page';
import { PopupPage } from './pages/popup-page';
import { FakeReccoBeats } from './support/fake-reccobeats';
import { test } from './support/fixtures';
import { featureTable, realDataSkipReason, realTracks } from './support/tracks';

/**
 * Regenerates the README's screenshots (`npm run screenshots`): real badges, the popup and the
 * options page. Skipped in the normal test run: it writes into docs/ and needs the real data.
 */
const enabled = process.env.SCREENSHOTS === '1';
const skipReason = !enabled ? 'screenshots are only taken by npm run screenshots' : realDataSkipReason();
test.skip(skipReason !== undefined, skipReason);

test('screenshots: badges on a playlist of real tracks, the popup and the options page', async ({ context, extensionId }) => {
  // Real IDs and audio features, but no titles or artists: nothing of the data set is committed.
  const tracks = realTracks(40, 'readme-screenshot').map((t, i) => ({ ...t, title: `Track ${i + 1} of the real-data sample`, artist: 'Artist withheld' }));
  await new FakeReccoBeats(featureTable(tracks)).install(context);
  const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX5555555555555', 'Real audio features, sampled across themes', tracks);
  await playlist.settledRows();
  await playlist.page.screenshot({ path: 'docs/screenshots/badges.png', clip: { x: 0, y: 0, width: 1000, height: 620 } });

  const popup = await PopupPage.open(context, extensionId);
  await popup.page.setViewportSize({ width: 404, height: 600 });
  await popup.search('Track 1');
  await popup.page.screenshot({ path: 'docs/screenshots/popup.png' });

  const options = await OptionsPage.open(context, extensionId);
  await options.page.setViewportSize({ width: 900, height: 1000 });
  await options.page.screenshot({ path: 'docs/screenshots/options.png', fullPage: true });
});
