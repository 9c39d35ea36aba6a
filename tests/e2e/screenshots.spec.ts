import { OccasionPanel } from './pages/occasion-panel';
import { PopupPage } from './pages/popup-page';
import { OptionsPage } from './pages/options-page';
import { SpotifyPage } from './pages/spotify-page';
import { FakeReccoBeats } from './support/fake-reccobeats';
import { FakeSpotifyApi } from './support/fake-spotify-api';
import { FirefoxWithExtension, setViewportSize } from './support/firefox';
import { E2E_EXTENSION_DIR, expect, test } from './support/fixtures';
import { playlistPageHtml } from './support/fake-spotify';
import { featureTable, realDataSkipReason, realTracks } from './support/tracks';

/**
 * Regenerates the README's screenshots (`npm run screenshots`): real badges on the fake Spotify
 * page (track rows, explicit labels, the now-playing bar), a badge's tooltip, the occasion panel
 * with a filter on, the popup over that tab (its list's profile) and with a search, the options
 * page; and the badges and the popup in Firefox ESR (the Firefox build, `npm run build:firefox`).
 * Skipped in the normal test run: it writes into docs/ and needs the real data.
 */
const enabled = process.env.SCREENSHOTS === '1';
const skipReason = !enabled ? 'screenshots are only taken by npm run screenshots' : realDataSkipReason();
if (enabled && skipReason) console.log(`npm run screenshots: skipped, ${skipReason}`);
test.skip(skipReason !== undefined, skipReason);

test('screenshots: badges on a playlist of real tracks, the popup and the options page', async ({ context, extensionId }) => {
  // Real IDs and audio features, but no titles or artists: nothing of the data set is committed.
  const sample = realTracks(40, 'readme-screenshot').map((t, i) => ({ ...t, title: `Track ${i + 1} of the real-data sample`, artist: 'Artist withheld', explicit: i % 5 === 2 }));
  // One track no provider knows (its features withheld from the fake), to show "unknown".
  const tracks = sample.map((t, i) => (i === 6 ? { ...t, features: undefined } : t));
  await new FakeReccoBeats(featureTable(tracks)).install(context);
  const spotify = await SpotifyPage.open(context, { kind: 'playlist', id: '37i9dQZF1DX5555555555555', name: 'Real audio features', tracks }, { nowPlaying: sample[3], viewport: { width: 1100, height: 760 } });
  await spotify.scrollToPosition(0);
  await spotify.page.evaluate(() => {
    // Scroll the playlist header out, so the picture shows rows and the now-playing bar.
    const list = document.querySelector('[data-testid="playlist-tracklist"]');
    list?.scrollIntoView({ block: 'start' });
  });
  await spotify.settledRows();
  await spotify.settledNowPlaying();
  await spotify.page.screenshot({ path: 'docs/screenshots/badges.png' });

  // A badge's tooltip, opened by hover: an uncertain row's if there is one on screen.
  const rows = await spotify.settledRows();
  const hovered = rows.find((r) => r.status === 'uncertain' && r.position > 1) ?? rows.find((r) => r.status === 'ok');
  if (hovered) await spotify.page.locator(`playlist-predictor-badge .badge[data-track-id="${hovered.trackId}"]`).hover();
  await spotify.page.screenshot({ path: 'docs/screenshots/tooltip.png', clip: { x: 200, y: 0, width: 900, height: 520 } });
  await spotify.page.mouse.move(5, 5);

  // The occasion panel after reading the whole list, filtered on its most frequent theme.
  const panel = new OccasionPanel(spotify);
  await panel.open();
  await panel.analyseWholeList();
  await spotify.page.waitForFunction(() => document.querySelector('playlist-predictor-panel')?.shadowRoot?.querySelector('p.coverage')?.getAttribute('data-complete') === 'true');
  const counts = await panel.themeCounts();
  const top = Object.entries(counts).sort((a, b) => b[1] - a[1])[0]?.[0];
  if (top) await panel.toggleTheme(top);
  // Tall enough to show the panel and the first rows under it, dimmed or not.
  await spotify.page.setViewportSize({ width: 1100, height: 1180 });
  await spotify.page.evaluate(() => document.querySelector('playlist-predictor-panel')?.scrollIntoView({ block: 'start' }));
  await spotify.page.mouse.move(5, 5);
  await spotify.page.waitForFunction(() => !(window as unknown as { fakeSpotify: { busy(): boolean } }).fakeSpotify.busy());
  await spotify.page.screenshot({ path: 'docs/screenshots/panel.png' });

  // The popup over that Spotify tab: the list's profile (the content script's report) above the search.
  const popup = await PopupPage.open(context, extensionId);
  await popup.page.setViewportSize({ width: 404, height: 600 });
  await spotify.page.bringToFront();
  await expect.poll(() => popup.reloadedTabCoverage(), { timeout: 20_000 }).toMatch(/^Analysed /);
  if (top) await popup.page.locator(`.tab-themes button[data-theme="${top}"]`).click();
  await popup.page.screenshot({ path: 'docs/screenshots/popup-tab.png' });
  await popup.page.bringToFront();
  await popup.page.reload();
  await popup.search('Track 1');
  await popup.page.screenshot({ path: 'docs/screenshots/popup.png' });

  const options = await OptionsPage.open(context, extensionId);
  await options.page.setViewportSize({ width: 900, height: 1000 });
  await options.page.screenshot({ path: 'docs/screenshots/options.png', fullPage: true });
});

test.describe('screenshots of saving to Spotify (e2e build, local fakes of Spotify)', () => {
  test.use({ extensionDir: E2E_EXTENSION_DIR });

  test('screenshots: the save confirmation window and its result', async ({ context, extensionId, accounts }) => {
    const tracks = realTracks(40, 'readme-screenshot').map((t, i) => ({ ...t, title: `Track ${i + 1} of the real-data sample`, artist: 'Artist withheld' }));
    const api = new FakeSpotifyApi(featureTable(tracks), [], (token) => accounts.accessTokens.includes(token), new Map(), (token) => accounts.scopes.get(token) ?? '');
    api.audioFeaturesForbidden = true;
    await api.install(context);
    await new FakeReccoBeats(featureTable(tracks)).install(context);
    const options = await OptionsPage.open(context, extensionId);
    await options.connect('0123456789abcdef0123456789abcdef');
    const spotify = await SpotifyPage.open(context, { kind: 'playlist', id: '37i9dQZF1DX5555555555556', name: 'Real audio features', tracks }, { viewport: { width: 1100, height: 760 } });
    await spotify.settledRows();
    const panel = new OccasionPanel(spotify);
    await panel.open();
    await panel.analyseWholeList();
    const counts = await panel.themeCounts();
    const top = Object.entries(counts).sort((a, b) => b[1] - a[1])[0]?.[0];
    if (top) await panel.toggleTheme(top);
    const [window] = await Promise.all([context.waitForEvent('page', (p) => p.url().includes('/save.html')), panel.host.locator('button.save').click()]);
    await window.setViewportSize({ width: 520, height: 560 });
    await window.getByRole('button', { name: 'Save to Spotify' }).waitFor();
    await window.screenshot({ path: 'docs/screenshots/save-confirm.png' });
    await window.getByRole('button', { name: 'Save to Spotify' }).click();
    await window.getByRole('heading', { name: 'Saved to Spotify' }).waitFor();
    await window.screenshot({ path: 'docs/screenshots/save-done.png' });
  });
});

test('screenshots: the same badges and popup in Firefox ESR', async () => {
  const sample = realTracks(40, 'readme-screenshot').map((t, i) => ({ ...t, title: `Track ${i + 1} of the real-data sample`, artist: 'Artist withheld', explicit: i % 5 === 2 }));
  const tracks = sample.map((t, i) => (i === 6 ? { ...t, features: undefined } : t));
  const firefox = await FirefoxWithExtension.launch(featureTable(tracks));
  try {
    firefox.pages.set('/playlist/37i9dQZF1DX5555555555555', playlistPageHtml('Real audio features', tracks, '37i9dQZF1DX5555555555555', { nowPlaying: sample[3] }));
    const page = await firefox.open('https://open.spotify.com/playlist/37i9dQZF1DX5555555555555', 'div[data-testid="tracklist-row"]');
    await setViewportSize(page, 1100, 760);
    await page.evaluate(() => document.querySelector('[data-testid="playlist-tracklist"]')?.scrollIntoView({ block: 'start' }));
    // Every drawn row and the now-playing bar with a settled badge (none still loading).
    await page.waitForFunction(
      () => {
        const pills = [...document.querySelectorAll('playlist-predictor-badge')].map((b) => b.shadowRoot?.querySelector<HTMLElement>('.badge')?.dataset.status);
        return pills.length > 10 && pills.every((status) => status !== undefined && status !== 'loading');
      },
      { timeout: 30_000 },
    );
    await page.screenshot({ path: 'docs/screenshots/firefox-badges.png' });
    const popup = await firefox.open(firefox.extensionUrl('/popup.html'), 'input[type="search"]');
    await setViewportSize(popup, 404, 600);
    await popup.type('input[type="search"]', 'Track 1');
    await popup.keyboard.press('Enter');
    await popup.waitForSelector('article.result .badge', { timeout: 20_000 });
    await popup.screenshot({ path: 'docs/screenshots/firefox-popup.png' });
  } finally {
    await firefox.close();
  }
});
