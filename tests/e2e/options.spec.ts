import type { Page } from '@playwright/test';
import { DEFAULT_SETTINGS, MAX_SETTINGS_FILE_BYTES, SETTINGS_VERSION } from '../../lib/shared/settings';
import { THEMES, THEME_IDS } from '../../model/themes';
import { OptionsPage } from './pages/options-page';
import { PopupPage } from './pages/popup-page';
import { SpotifyPlaylistPage, type RenderedRow } from './pages/playlist-page';
import { FakeReccoBeats } from './support/fake-reccobeats';
import { expect, test } from './support/fixtures';
import { bundledModelDefaults, classifyWithCli, expectedTheme, featureTable, syntheticTracks, type CliRow } from './support/tracks';

/** Waits until every rendered row shows the theme expected with only `enabled` themes on. */
async function expectBadgesFollow(playlist: SpotifyPlaylistPage, cli: ReadonlyMap<string, CliRow>, enabled: readonly string[]): Promise<RenderedRow[]> {
  let rows: RenderedRow[] = [];
  await expect
    .poll(
      async () => {
        rows = await playlist.renderedRows();
        return rows.filter((r) => {
          const row = cli.get(r.trackId);
          return !row || r.badgeCount !== 1 || r.theme !== expectedTheme(row, enabled, THEME_IDS).theme;
        }).length;
      },
      { message: `every badge shows the best of ${enabled.join(', ')}` },
    )
    .toBe(0);
  return rows;
}

test.describe('options page', () => {
  test('turning themes off and recolouring them changes the badges on an open Spotify tab, without a reload', async ({ context, extensionId }) => {
    const tracks = syntheticTracks(30, 'e2e-options');
    const cli = classifyWithCli(tracks);
    await new FakeReccoBeats(featureTable(tracks)).install(context);
    const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX7777777777777', 'Options Follow', tracks);
    await playlist.settledRows();
    // The model's non-experimental themes, as the options page enables them by default.
    const defaults = bundledModelDefaults().enabled;
    const before = await expectBadgesFollow(playlist, cli, defaults);

    // Turn off the theme most rows show now, and one more, so the badges must change.
    const counts = new Map<string, number>();
    for (const r of before) if (r.theme) counts.set(r.theme, (counts.get(r.theme) ?? 0) + 1);
    const [top] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? [];
    const off = [top, defaults.find((t) => t !== top)].filter((t): t is string => t !== undefined);
    const options = await OptionsPage.open(context, extensionId);
    for (const id of off) await options.setThemeEnabled(THEMES.find((t) => t.id === id)?.name ?? id, false);
    const enabled = defaults.filter((t) => !off.includes(t));

    await playlist.page.bringToFront();
    const after = await expectBadgesFollow(playlist, cli, enabled);
    expect(after.some((r) => r.theme && off.includes(r.theme))).toBe(false);
    expect(after.filter((r, i) => r.theme !== before[i]?.theme).length).toBeGreaterThan(0);

    // A new colour for a theme that is on shows on its badges ("uncertain" badges stay grey).
    const shown = after.find((r) => r.status === 'ok')?.theme ?? '';
    expect(shown, 'some badge names a theme with confidence').not.toBe('');
    const name = THEMES.find((t) => t.id === shown)?.name ?? shown;
    await options.setThemeColor(name, '#123456');
    await expect
      .poll(async () => (await playlist.renderedRows()).filter((r) => r.status === 'ok' && r.theme === shown).map((r) => r.color))
      .toEqual(after.filter((r) => r.status === 'ok' && r.theme === shown).map(() => 'rgb(18, 52, 86)'));
    // The "uncertain" threshold follows too: at 100 % every badge is uncertain, at 0 % none.
    await options.setThreshold(100);
    await expect.poll(async () => new Set((await playlist.renderedRows()).map((r) => r.status))).toEqual(new Set(['uncertain']));
    await options.setThreshold(0);
    await expect.poll(async () => new Set((await playlist.renderedRows()).map((r) => r.status))).toEqual(new Set(['ok']));
    // Nothing reloaded the page: the same row elements carry the badges.
    expect(await playlist.page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
  });

  test('never lets fewer than two themes stay enabled', async ({ context, extensionId }) => {
    const options = await OptionsPage.open(context, extensionId);
    const { enabled } = bundledModelDefaults();
    const names = THEMES.filter((t) => enabled.includes(t.id)).map((t) => t.name);
    for (const name of names.slice(0, -2)) await options.setThemeEnabled(name, false);
    const [lastButOne, last] = names.slice(-2);
    const a = options.themeCheckbox(lastButOne ?? '');
    const b = options.themeCheckbox(last ?? '');
    await expect(a).toBeChecked();
    await expect(b).toBeChecked();
    await expect(a).toBeDisabled();
    await expect(b).toBeDisabled();
  });

  test('keeps a fresh install\'s first change when the page is closed right after it, and marks it as the current settings version', async ({ context, extensionId }) => {
    const first = await OptionsPage.open(context, extensionId);
    expect(await first.storedItems(), 'a fresh install has stored nothing').toEqual({});
    // Closed a task later: builds that stored the value and its version in two writes (WXT's
    // setValue, the second after a read) left the value without its version here, then migrated
    // it as version 1 on the next load.
    await first.setThresholdAndClose(77);

    const again = await OptionsPage.open(context, extensionId);
    await expect(again.page.locator('output[for="threshold"]')).toHaveText('77 %');
    await expect
      .poll(() => again.storedItems(), { message: 'the stored settings keep the change and are marked as version 3' })
      .toEqual({ settings: { ...DEFAULT_SETTINGS, uncertainThreshold: 0.77 }, settings$: { v: SETTINGS_VERSION } });
  });

  test('exports the settings as a file that imports them back, and refuses a bad file without changing anything', async ({ context, extensionId }) => {
    const options = await OptionsPage.open(context, extensionId);
    await options.setThemeColor('Sleep', '#123456');
    await options.setThreshold(64);
    await expect.poll(async () => (await options.storedItems()).settings).toMatchObject({ themeColors: { sleep: '#123456' }, uncertainThreshold: 0.64 });
    const saved = (await options.storedItems()).settings;

    const exported = await options.exportSettings();
    expect(exported.fileName).toBe('playlist-predictor-settings.json');
    expect(JSON.parse(exported.text)).toEqual({ format: 'playlist-predictor-settings', version: SETTINGS_VERSION, settings: saved });

    // Change everything back, then import the file: the exported settings return.
    await options.page.getByRole('button', { name: 'Use the model default' }).click();
    await options.setThemeColor('Sleep', '#654321');
    await expect.poll(async () => (await options.storedItems()).settings).toMatchObject({ themeColors: { sleep: '#654321' }, uncertainThreshold: null });
    await options.importSettings(exported.fileName, exported.text);
    await expect(options.backupMessage()).toHaveText(`Imported ${exported.fileName}.`);
    await expect.poll(async () => (await options.storedItems()).settings).toEqual(saved);
    await expect(options.page.locator('output[for="threshold"]')).toHaveText('64 %');

    // A file that is not an export, and one with a bad value: an alert says why, nothing changes.
    await options.importSettings('notes.json', '{"hello": "world"}');
    await expect(options.backupMessage()).toHaveText(/^Nothing was changed\. This file is not a Playlist Predictor settings export/);
    await expect(options.backupMessage()).toHaveRole('alert');
    const badColour = JSON.stringify({ format: 'playlist-predictor-settings', version: SETTINGS_VERSION, settings: { ...DEFAULT_SETTINGS, themeColors: { sleep: 'blue' } } });
    await options.importSettings('bad.json', badColour);
    await expect(options.backupMessage()).toHaveText(/^Nothing was changed\. The settings in this file \(version 3\) are invalid: .*colour like #1f6f8b/s);
    // A wrong pick far larger than any export is refused by its size, unread.
    await options.importSettings('huge.json', Buffer.alloc(MAX_SETTINGS_FILE_BYTES + 1, 0x20));
    await expect(options.backupMessage()).toHaveText(/^Nothing was changed\. huge\.json is larger than 1 MB/);
    expect((await options.storedItems()).settings).toEqual(saved);
  });

  test('the options page and the popup show their text at the root size of their stylesheet, not at the 75 % Chrome gives extension pages', async ({ context, extensionId }) => {
    // Chromium styles every extension page's body with font-size: 75% (extension_fonts.css): text
    // that inherits from the body would be 10.5 px here and 14 px in Firefox.
    const sizes = (page: Page, selector: string) =>
      page.evaluate((sel) => ({ root: getComputedStyle(document.documentElement).fontSize, body: getComputedStyle(document.body).fontSize, text: getComputedStyle(document.querySelector(sel) ?? document.body).fontSize, found: document.querySelector(sel) !== null }), selector);
    const options = await OptionsPage.open(context, extensionId);
    await options.cacheSummary().waitFor();
    const optionSizes = await sizes(options.page, '[data-testid="cache-summary"]');
    expect(optionSizes.found, 'the cache summary is there').toBe(true);
    expect(optionSizes, 'options page: body and the cache summary at the root size').toEqual({ ...optionSizes, body: optionSizes.root, text: optionSizes.root });
    const popup = await PopupPage.open(context, extensionId);
    const popupSizes = await sizes(popup.page, 'input[type="search"]');
    expect(popupSizes.found, 'the search field is there').toBe(true);
    expect(popupSizes, 'popup: body and the search field at the root size').toEqual({ ...popupSizes, body: popupSizes.root, text: popupSizes.root });
  });
});
