import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OptionsPage } from './pages/options-page';
import { SpotifyPlaylistPage } from './pages/playlist-page';
import { PopupPage } from './pages/popup-page';
import { FakeReccoBeats } from './support/fake-reccobeats';
import { CacheHookClient } from './support/cache-hook';
import { FakeSpotifyApi } from './support/fake-spotify-api';
import { E2E_EXTENSION_DIR, EXTENSION_DIR, expect, test } from './support/fixtures';
import { featureTable, spotifyDurations, syntheticTracks, themesFromClassifyCli } from './support/tracks';

/** The extension ID that the manifest `key` pins (wxt.config.ts). */
const PINNED_EXTENSION_ID = 'fgoeenodbimpnlcedfdaladkedgdeghi';
const CLIENT_ID = '0123456789abcdef0123456789abcdef';

test.describe('production build', () => {
  test('contains the real Spotify endpoints and no test override', () => {
    const background = readFileSync(join(EXTENSION_DIR, 'background.js'), 'utf8');
    expect(background).toContain('https://accounts.spotify.com');
    expect(background).not.toContain('127.0.0.1');
    expect(background).not.toContain('47821');
    const manifest: unknown = JSON.parse(readFileSync(join(EXTENSION_DIR, 'manifest.json'), 'utf8'));
    expect(JSON.stringify(manifest)).not.toContain('127.0.0.1');
  });
});

test.describe('Spotify connection (e2e build, fake authorization server on 127.0.0.1)', () => {
  test.use({ extensionDir: E2E_EXTENSION_DIR });
  test('connecting runs PKCE through launchWebAuthFlow; features then come from Spotify, and the popup searches Spotify', async ({ context, extensionId, accounts }) => {
    expect(extensionId).toBe(PINNED_EXTENSION_ID);
    const tracks = syntheticTracks(25, 'e2e-spotify');
    // Spotify's duration_ms wins over the page's, and fills in for rows that show none (issue 10).
    const durations = spotifyDurations(tracks);
    const expected = themesFromClassifyCli(tracks, { durationOf: (t) => durations.get(t.id) ?? null });
    const api = new FakeSpotifyApi(
      featureTable(tracks),
      tracks.map((t) => ({ id: t.id, name: t.title, artists: [t.artist] })),
      (token) => accounts.accessTokens.includes(token),
      durations,
    );
    await api.install(context);
    const reccobeats = new FakeReccoBeats(featureTable(tracks));
    await reccobeats.install(context);

    const options = await OptionsPage.open(context, extensionId);
    await expect(options.redirectUri()).toHaveText(`https://${PINNED_EXTENSION_ID}.chromiumapp.org/`);
    await options.connect(CLIENT_ID);
    await expect(options.connectedCard()).toContainText(CLIENT_ID);

    // RFC 7636: S256 challenge, and the verifier sent to the token endpoint matched it (the fake checks).
    expect(accounts.authorizeRequests).toHaveLength(1);
    const [authorize] = accounts.authorizeRequests;
    expect(authorize).toMatchObject({ clientId: CLIENT_ID, responseType: 'code', codeChallengeMethod: 'S256', redirectUri: `https://${PINNED_EXTENSION_ID}.chromiumapp.org/` });
    expect(authorize?.state?.length ?? 0).toBeGreaterThanOrEqual(16);
    expect(accounts.tokenRequests.map((r) => r.grant_type)).toEqual(['authorization_code']);
    expect(accounts.tokenRequests[0]?.code_verifier?.length ?? 0).toBeGreaterThanOrEqual(43);

    const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX8888888888888', 'Spotify Features', tracks);
    const rows = await playlist.settledRows();
    for (const row of rows) expect({ theme: row.theme, provider: row.provider }, row.trackId).toEqual({ theme: expected.get(row.trackId), provider: 'spotify' });
    // Spotify's duration_ms was stored with the features, also where the row showed none.
    const hook = await CacheHookClient.connect(context);
    const shown = rows.map((r) => r.trackId);
    await expect.poll(() => hook.durations(shown)).toEqual(shown.map((id) => durations.get(id)));
    expect(api.audioFeatureRequests.length).toBeGreaterThan(0);
    for (const ids of api.audioFeatureRequests) expect(ids.length).toBeLessThanOrEqual(100);
    expect(reccobeats.requests).toEqual([]);

    await options.page.reload();
    await expect(options.audioFeaturesState()).toContainText('available to your app');

    const popup = await PopupPage.open(context, extensionId);
    await expect(popup.connectionStatus()).toContainText('Spotify connected');
    const wanted = tracks[4];
    await popup.search(wanted?.title ?? '');
    await expect(popup.searchSource()).toContainText('Spotify search');
    const results = await popup.results();
    expect(results.map((r) => r.trackId)).toContain(wanted?.id);
    for (const r of results) {
      expect(r.theme, r.title).toBe(expected.get(r.trackId));
      expect(r.bars.length).toBeGreaterThanOrEqual(2);
    }
    for (const q of api.searchRequests) expect(Number(q.get('limit'))).toBeLessThanOrEqual(10);

    // Disconnect forgets the tokens: the popup no longer searches Spotify.
    await options.page.bringToFront();
    await options.page.getByRole('button', { name: 'Disconnect' }).click();
    await expect(options.page.getByLabel('Client ID')).toBeVisible();
    const after = await PopupPage.open(context, extensionId);
    await expect(after.connectionStatus()).toContainText('Not connected');
  });

  test('a 403 from audio features falls back to ReccoBeats, stops asking Spotify, and the options page says why', async ({ context, extensionId, accounts }) => {
    const tracks = syntheticTracks(20, 'e2e-403');
    const expected = themesFromClassifyCli(tracks);
    const api = new FakeSpotifyApi(featureTable(tracks), [], (token) => accounts.accessTokens.includes(token));
    api.audioFeaturesForbidden = true;
    await api.install(context);
    const reccobeats = new FakeReccoBeats(featureTable(tracks));
    await reccobeats.install(context);

    const options = await OptionsPage.open(context, extensionId);
    await options.connect(CLIENT_ID);
    await expect(options.connectedCard()).toBeVisible();

    const first = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX9999999999999', 'Forbidden Features', tracks.slice(0, 10));
    for (const row of await first.settledRows()) expect({ theme: row.theme, provider: row.provider }).toEqual({ theme: expected.get(row.trackId), provider: 'reccobeats' });
    expect(api.audioFeatureRequests).toHaveLength(1);

    const second = await SpotifyPlaylistPage.open(context, '37i9dQZF1DXAAAAAAAAAAAAA', 'More Tracks', tracks.slice(10));
    for (const row of await second.settledRows()) expect(row.provider).toBe('reccobeats');
    expect(api.audioFeatureRequests).toHaveLength(1);

    await options.page.reload();
    await expect(options.audioFeaturesState()).toContainText('not available to this app');
  });

  test('a redirect whose state does not match is rejected and nothing is stored', async ({ context, extensionId, accounts }) => {
    accounts.behaviour = 'wrong-state';
    const options = await OptionsPage.open(context, extensionId);
    await options.connect(CLIENT_ID);
    await expect(options.alert()).toContainText(/state/i);
    await expect(options.connectedCard()).toHaveCount(0);
    expect(accounts.tokenRequests).toEqual([]);
  });

  test('a denied authorization says so', async ({ context, extensionId, accounts }) => {
    accounts.behaviour = 'deny';
    const options = await OptionsPage.open(context, extensionId);
    await options.connect(CLIENT_ID);
    await expect(options.alert()).toContainText(/declined|denied/i);
    await expect(options.connectedCard()).toHaveCount(0);
  });
});
