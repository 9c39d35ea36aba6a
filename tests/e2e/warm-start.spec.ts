import type { BrowserContext } from '@playwright/test';
import { OptionsPage } from './pages/options-page';
import { SpotifyPage } from './pages/spotify-page';
import { expectRowsMatch, pageFixture } from './support/badge-checks';
import { expectTabListReport } from './support/extension-messages';
import { FakeReccoBeats } from './support/fake-reccobeats';
import type { PageSpec } from './support/fake-spotify';
import { expect, test } from './support/fixtures';
import { classifyWithCli, featureTable, type CliRow } from './support/tracks';
import type { ListReport } from '../../lib/shared/messaging';

/**
 * The warm start of a list seen before (`warmList`): a playlist read to its end is reported to
 * the background (the list reporter, at most every 2 s); after a reload, the background answers
 * the new content script at once with the cached results of the list's tracks. Rows then drawn
 * while scrolling show their final badge in the first frame that paints them: the stale-badge
 * monitor, which looks at every row just before every paint, never sees a `loading` badge. Every
 * badge still shows the theme `npm run classify` gives, and ReccoBeats is not asked again. The
 * options page counts the remembered list, and its "Clear cache" forgets it.
 */

const tracks = pageFixture(60, 'warm-start', [13]);
const spec: PageSpec = { kind: 'playlist', id: '37i9dQZF1DX8Uebhn9wzrS', name: 'Warm Start', tracks };
/** Positions the list is scrolled to, one screen at a time, to its end. */
const STEPS = [20, 40, 59];

/** {@link expectTabListReport} asked from an options page opened for the purpose and closed after. */
async function untilReported(context: BrowserContext, extensionId: string, count: (report: ListReport) => number, want: number, what: string): Promise<void> {
  const helper = await OptionsPage.open(context, extensionId);
  await expectTabListReport(helper.page, count, want, what);
  await helper.page.close();
}

let expected: Map<string, CliRow>;
test.beforeAll(() => {
  expected = classifyWithCli(tracks);
});

test('a list seen before: after a reload, rows drawn while scrolling never paint a loading badge, and ReccoBeats is not asked again', async ({ context, extensionId }) => {
  const reccobeats = new FakeReccoBeats(featureTable(tracks), { delayMs: 150 });
  await reccobeats.install(context);
  const spotify = await SpotifyPage.open(context, spec);
  expectRowsMatch(await spotify.settledRows(), expected);
  for (const position of STEPS) {
    await spotify.scrollToPosition(position);
    expectRowsMatch(await spotify.settledRows(), expected);
  }
  // The list reporter sends the list at most REPORT_INTERVAL_MS after its last change: wait until
  // the background holds every position, not a fixed time (as in firefox.spec.ts, where a fixed
  // REPORT_INTERVAL_MS + 1 s once fell short on a loaded CI run).
  await untilReported(context, extensionId, (report) => report.items.length, tracks.length, 'positions in the tab\'s list report');
  const requestsBefore = reccobeats.requests.length;

  await spotify.page.reload();
  await spotify.page.waitForFunction(() => 'fakeSpotify' in window);
  expectRowsMatch(await spotify.settledRows(), expected);
  await spotify.startStaleBadgeMonitor();
  for (const position of STEPS) {
    await spotify.scrollToPosition(position);
    expectRowsMatch(await spotify.settledRows(), expected);
  }
  const report = await spotify.stopStaleBadgeMonitor();
  console.log(`warm start after a reload: ${report.frameObservations} frames, ${report.rowChecks} row checks, ${report.loadingInFrames} loading badges painted, ${report.stale} stale`);
  expect(report.frameObservations, 'frames observed while scrolling').toBeGreaterThanOrEqual(STEPS.length);
  // `loadingAt` names the frames and positions, so a failure tells a list remembered only in part
  // (the same positions every time, ReccoBeats asked) from a late warm answer (the first screen
  // scrolled to, for a frame or two; see createMessageHandlers).
  expect({ loadingInFrames: report.loadingInFrames, loadingAt: report.loadingAt, stale: report.stale }, 'rows painted with a loading or stale badge after the reload').toEqual({ loadingInFrames: 0, loadingAt: [], stale: 0 });
  expect(reccobeats.requests.slice(requestsBefore), 'ReccoBeats requests after the reload').toEqual([]);

  // The report of the scrolls above leaves up to REPORT_INTERVAL_MS later; one landing after
  // Clear cache would remember the open list again. Once the background holds every position in
  // its final state, the reporter has nothing new to send; closing the tab then sends only its
  // empty "page went" report, which the list memory ignores.
  await untilReported(context, extensionId, (report) => report.items.filter((item) => item.state.status !== 'loading').length, tracks.length, 'answered positions in the tab\'s list report after the reload');
  await spotify.page.close();
  const options = await OptionsPage.open(context, extensionId);
  await expect(options.cacheSummary()).toHaveText(new RegExp(`^${tracks.length} tracks \\(at most 100,000\\), about [\\d.]+ kB of audio features and titles; and the track order of 1 list you opened, so its badges show at once when you reopen it\\.$`));
  expect((await options.status()).cache.lists, 'lists remembered').toBe(1);
  await options.page.getByRole('button', { name: 'Clear cache' }).click();
  await expect(options.cacheSummary()).toHaveText('The cache is empty (it keeps at most 100,000 tracks).');
  expect((await options.status()).cache.lists, 'lists remembered after Clear cache').toBe(0);
});
