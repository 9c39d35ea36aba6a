import type { BrowserContext, Page } from '@playwright/test';
import { OccasionPanel } from './pages/occasion-panel';
import { OptionsPage } from './pages/options-page';
import { SpotifyPlaylistPage } from './pages/playlist-page';
import { axeViolations } from './support/axe';
import { describeAnswer, isRefusal } from './support/extension-messages';
import { FakeReccoBeats } from './support/fake-reccobeats';
import { FakeSpotifyApi } from './support/fake-spotify-api';
import { E2E_EXTENSION_DIR, expect, test } from './support/fixtures';
import { featureTable, syntheticTracks, type FixtureTrack } from './support/tracks';

/**
 * Issue 12 end to end (e2e build): "Save as playlist…" in the occasion panel opens the extension's
 * confirmation window; saving there asks Spotify for `playlist-modify-private` once, creates one
 * private playlist and adds the selection in order in batches of at most 100, through failures,
 * with Spotify's Web API and accounts service answered by local fakes.
 */

const CLIENT_ID = '0123456789abcdef0123456789abcdef';
const MODIFY = 'playlist-modify-private';

test.use({ extensionDir: E2E_EXTENSION_DIR });

/** The confirmation window the panel's button opens (`save.html?job=…`). */
async function openSaveWindow(context: BrowserContext, panel: OccasionPanel): Promise<Page> {
  const [window] = await Promise.all([context.waitForEvent('page', (p) => p.url().includes('/save.html')), panel.host.locator('button.save').click()]);
  await window.getByRole('button', { name: /Save to Spotify/ }).waitFor();
  return window;
}

/** Confirms in the window and waits for the result. */
async function confirmSave(window: Page): Promise<void> {
  await window.getByRole('button', { name: /Save to Spotify|Try again/ }).click();
  await expect(window.getByRole('heading', { name: 'Saved to Spotify' })).toBeVisible({ timeout: 60_000 });
}

const uris = (tracks: readonly FixtureTrack[]) => tracks.map((t) => `spotify:track:${t.id}`);

test('save from the panel: the scope is asked once, on the first save; one private playlist per save with every track once, in order, in batches of at most 100, also after a 500 and after a lost answer', async ({ context, extensionId, accounts }) => {
  test.setTimeout(180_000);
  const tracks = syntheticTracks(230, 'e2e-save');
  const api = new FakeSpotifyApi(featureTable(tracks), [], (token) => accounts.accessTokens.includes(token), new Map(), (token) => accounts.scopes.get(token) ?? '');
  api.audioFeaturesForbidden = true;
  await api.install(context);
  await new FakeReccoBeats(featureTable(tracks)).install(context);
  const options = await OptionsPage.open(context, extensionId);
  await options.connect(CLIENT_ID);
  await expect(options.connectedCard()).toContainText(CLIENT_ID);
  // Connecting asks for no scope.
  expect(accounts.authorizeRequests.map((r) => r.scope)).toEqual([null]);

  const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX9999999999991', 'Saved Mix', tracks);
  const panel = new OccasionPanel(playlist.spotify);
  await playlist.settledRows();
  await panel.open();
  expect((await panel.analyseWholeList()).text).toBe('Read all 230 tracks.');

  // First save: every track (no filter), a 500 on the second batch.
  api.addFaults.push(undefined, '500');
  const first = await openSaveWindow(context, panel);
  await expect(first.getByTestId('scope-note')).toContainText(MODIFY);
  await expect(first.getByLabel('Playlist name')).toHaveValue('Saved Mix');
  await expect(first.getByTestId('save-summary')).toContainText('230 tracks');
  expect(await axeViolations(first), 'the save window (accessibility)').toEqual([]);
  await confirmSave(first);
  expect(await axeViolations(first), 'the save window after saving (accessibility)').toEqual([]);
  expect(accounts.authorizeRequests.map((r) => r.scope)).toEqual([null, MODIFY]);
  expect(api.playlists.size).toBe(1);
  const [created] = [...api.playlists.values()];
  expect(created).toMatchObject({ name: 'Saved Mix', public: false });
  expect(created?.description).toMatch(/^Made by Playlist Predictor on \d{4}-\d{2}-\d{2} from “Saved Mix”: every track read \(230\)/);
  expect(created?.items).toEqual(uris(tracks));
  for (const batch of api.addRequests) expect(batch.length).toBeLessThanOrEqual(100);
  // The failed batch was read back before it went again.
  expect(api.itemReads.length).toBeGreaterThan(0);
  const link = await first.getByTestId('playlist-link').getAttribute('href');
  expect(link).toMatch(/^https:\/\/open\.spotify\.com\/playlist\/pl\d+$/);

  // Second save, filtered: the scope is not asked again; the second batch is applied but its answer is lost.
  const rows = await playlist.settledRows();
  const theme = rows.find((r) => r.status === 'ok')?.theme ?? 'chill';
  await panel.toggleTheme(theme);
  const selection = (await panel.host.locator('button.save').textContent()) ?? '';
  const count = Number(/\((\d+)\)/.exec(selection)?.[1] ?? '0');
  expect(count).toBeGreaterThan(0);
  api.addFaults.push(undefined, 'drop');
  const second = await openSaveWindow(context, panel);
  await expect(second.getByTestId('scope-note')).toHaveCount(0);
  await confirmSave(second);
  expect(accounts.authorizeRequests).toHaveLength(2);
  expect(api.playlists.size).toBe(2);
  const filtered = [...api.playlists.values()][1];
  expect(filtered?.items).toHaveLength(count);
  expect(new Set(filtered?.items).size).toBe(count);
  // In list order: the rows the filter kept.
  const order = uris(tracks);
  expect([...(filtered?.items ?? [])].sort((a, b) => order.indexOf(a) - order.indexOf(b))).toEqual(filtered?.items);
});

test('saving and its job are out of reach of the content script\'s world and of the page', async ({ context, extensionId }) => {
  const tracks = syntheticTracks(5, 'e2e-save-refused');
  await new FakeReccoBeats(featureTable(tracks)).install(context);
  const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX9999999999992', 'Refused', tracks);
  await playlist.settledRows();
  const world = await playlist.spotify.contentScriptWorld(extensionId);
  const jobId = '00000000-0000-4000-8000-000000000000';
  for (const [type, data] of [
    ['startSave', { jobId, name: 'Forged' }],
    ['saveJob', { jobId }],
  ] as const) {
    const answer = await world.send(type, data, 1);
    expect(isRefusal(answer), `${type} from the content script's world: ${describeAnswer(answer)}`).toBe(true);
    expect(answer.answer?.err?.message ?? '').toMatch(/Spotify page/);
  }
  await world.detach();
  // The page's own scripts have no runtime to reach the extension at all.
  const main = await playlist.spotify.mainWorldRuntime(extensionId);
  expect(main.sendMessageType === 'undefined' || main.attempt.startsWith('threw'), JSON.stringify(main)).toBe(true);
});
