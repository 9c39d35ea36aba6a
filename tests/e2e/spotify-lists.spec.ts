import type { BrowserContext, Page } from '@playwright/test';
import { OccasionPanel } from './pages/occasion-panel';
import { OptionsPage } from './pages/options-page';
import { SpotifyPlaylistPage } from './pages/playlist-page';
import { axeViolations } from './support/axe';
import { FakeReccoBeats } from './support/fake-reccobeats';
import { FakeSpotifyApi } from './support/fake-spotify-api';
import { E2E_EXTENSION_DIR, expect, test } from './support/fixtures';
import { featureTable, syntheticTracks } from './support/tracks';

/**
 * Issue 12 end to end (e2e build): whole lists through the Web API. "Read with Spotify…" in the
 * panel opens a confirmation window; reading there asks for `playlist-read-private` once, and the
 * panel gets every track; when Spotify refuses (403), the panel reads the list by scrolling and
 * says why.
 */

const CLIENT_ID = '0123456789abcdef0123456789abcdef';

test.use({ extensionDir: E2E_EXTENSION_DIR });

/** Presses the panel's "Read with Spotify…" and returns the confirmation window. */
async function openReadWindow(context: BrowserContext, panel: OccasionPanel): Promise<Page> {
  const [window] = await Promise.all([context.waitForEvent('page', (p) => p.url().includes('/save.html?read=')), panel.host.locator('button.read-api').click()]);
  await window.getByRole('button', { name: 'Read with Spotify' }).waitFor();
  return window;
}

test('a whole list read through the Web API: the scope asked once, every track in the panel; a 403 falls back to scrolling with the reason shown', async ({ context, extensionId, accounts }) => {
  test.setTimeout(120_000);
  const first = syntheticTracks(120, 'e2e-read-api');
  const second = syntheticTracks(60, 'e2e-read-403');
  const catalogue = (tracks: typeof first) => tracks.map((t) => ({ id: t.id, name: t.title, artists: [t.artist] }));
  const api = new FakeSpotifyApi(featureTable([...first, ...second]), [], (token) => accounts.accessTokens.includes(token), new Map(), (token) => accounts.scopes.get(token) ?? '');
  api.audioFeaturesForbidden = true;
  api.sourceLists.set('37i9dQZF1DXAAAAAAAAAAAA1', catalogue(first));
  api.sourceLists.set('37i9dQZF1DXAAAAAAAAAAAA2', catalogue(second));
  await api.install(context);
  await new FakeReccoBeats(featureTable([...first, ...second])).install(context);
  const options = await OptionsPage.open(context, extensionId);
  await options.connect(CLIENT_ID);
  await expect(options.connectedCard()).toContainText(CLIENT_ID);

  const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DXAAAAAAAAAAAA1', 'Read Through The API', first);
  const panel = new OccasionPanel(playlist.spotify);
  await playlist.settledRows();
  await panel.open();
  const window = await openReadWindow(context, panel);
  // Where the user is once the button was pressed (Playwright scrolls it into view first).
  const scrollBefore = await panel.scrollTop();
  await expect(window.getByTestId('scope-note')).toContainText('playlist-read-private');
  expect(await axeViolations(window), 'the read window (accessibility)').toEqual([]);
  await window.getByRole('button', { name: 'Read with Spotify' }).click();
  await expect(window.getByTestId('read-result')).toHaveText('Read all 120 tracks through your Spotify account. The panel on the page shows them.');
  expect(await axeViolations(window), 'the read window after reading (accessibility)').toEqual([]);
  expect(accounts.authorizeRequests.map((r) => r.scope)).toEqual([null, 'playlist-read-private']);
  // Paged (50 per page), and no scrolling: the panel has every track, then every answer.
  expect(api.sourceReads).toEqual(['37i9dQZF1DXAAAAAAAAAAAA1@0', '37i9dQZF1DXAAAAAAAAAAAA1@50', '37i9dQZF1DXAAAAAAAAAAAA1@100']);
  await expect(panel.host.locator('.progress')).toHaveText('Read all 120 tracks through your Spotify account.');
  await expect.poll(async () => (await panel.coverage()).analysed, { timeout: 60_000 }).toBe(120);
  expect(await panel.scrollTop()).toBe(scrollBefore);

  // Another list, which Spotify refuses to read: the panel scrolls instead, and says why.
  api.readForbidden = true;
  await playlist.navigateInApp('37i9dQZF1DXAAAAAAAAAAAA2', 'Refused By Spotify', second);
  await playlist.settledRows();
  await expect.poll(async () => (await panel.coverage()).total).toBe(60);
  const refused = await openReadWindow(context, panel);
  // The scope was granted with the first read: not asked again.
  await expect(refused.getByTestId('scope-note')).toHaveCount(0);
  await refused.getByRole('button', { name: 'Read with Spotify' }).click();
  await expect(refused.getByTestId('read-result')).toContainText('Spotify refused to read this list for your app (HTTP 403 (Forbidden)); the panel reads it by scrolling instead.');
  await expect(panel.host.locator('.progress')).toHaveText(/^Spotify refused to read this list for your app \(HTTP 403 \(Forbidden\)\); the panel reads it by scrolling instead\. Read all 60 tracks\.$/, { timeout: 60_000 });
  await expect.poll(async () => (await panel.coverage()).analysed, { timeout: 60_000 }).toBe(60);
  expect(accounts.authorizeRequests).toHaveLength(2);
});
