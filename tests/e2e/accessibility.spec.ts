import { OccasionPanel } from './pages/occasion-panel';
import { OptionsPage } from './pages/options-page';
import { SpotifyPlaylistPage } from './pages/playlist-page';
import { PopupPage } from './pages/popup-page';
import { axeViolations } from './support/axe';
import { FakeReccoBeats } from './support/fake-reccobeats';
import { expect, test } from './support/fixtures';
import { featureTable, syntheticTracks } from './support/tracks';

/**
 * axe-core (Deque's accessibility engine, through @axe-core/playwright) over what the extension
 * draws, in the light and the dark colour scheme: the WCAG 2.1 A and AA rules (names and labels,
 * roles and ARIA, contrast of text, keyboard focus order). On Spotify's page only the extension's
 * elements are checked (badges, tooltip, occasion panel), not the fake app around them. Rules axe
 * cannot decide on its own (e.g. contrast over a gradient) are reported as "incomplete" and not
 * counted; a violation fails the test with each rule, its help text and the elements concerned.
 */

/** The colour schemes every page is checked in (`prefers-color-scheme`, emulated). */
const SCHEMES = ['light', 'dark'] as const;

test('the badges, tooltip, occasion panel, popup and options page pass axe\'s WCAG 2.1 AA rules, in the light and the dark scheme', async ({ context, extensionId }) => {
  const tracks = syntheticTracks(30, 'e2e-a11y');
  await new FakeReccoBeats(featureTable(tracks)).install(context);
  const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX7777777777779', 'Accessible', tracks);
  const rows = await playlist.settledRows();
  const panel = new OccasionPanel(playlist.spotify);
  await panel.open();
  // A badge's tooltip, opened by keyboard focus.
  await playlist.page.locator(`playlist-predictor-badge .badge[data-track-id="${rows[0]?.trackId ?? ''}"]`).focus();
  for (const colorScheme of SCHEMES) {
    await playlist.page.emulateMedia({ colorScheme });
    expect((await panel.tooltip()).open, 'the tooltip is still open').toBe(true);
    expect(await axeViolations(playlist.page, ['playlist-predictor-badge', 'playlist-predictor-tooltip', 'playlist-predictor-panel']), `on Spotify's page (${colorScheme})`).toEqual([]);
  }

  const options = await OptionsPage.open(context, extensionId);
  await options.cacheSummary().waitFor();
  const popup = await PopupPage.open(context, extensionId);
  await popup.search('Track');
  expect((await popup.results()).length, 'search results to check').toBeGreaterThan(0);
  for (const colorScheme of SCHEMES) {
    for (const page of [options.page, popup.page]) await page.emulateMedia({ colorScheme });
    expect(await axeViolations(options.page), `options page (${colorScheme})`).toEqual([]);
    expect(await axeViolations(popup.page), `popup with search results (${colorScheme})`).toEqual([]);
  }

  // Over the Spotify tab: the popup shows that tab's list too.
  await playlist.page.bringToFront();
  await expect.poll(() => popup.reloadedTabCoverage(), { timeout: 20_000 }).not.toBeNull();
  for (const colorScheme of SCHEMES) {
    await popup.page.emulateMedia({ colorScheme });
    expect(await axeViolations(popup.page), `popup with the tab's list (${colorScheme})`).toEqual([]);
  }
});
