import { cpus, loadavg } from 'node:os';
import { expect, test } from '@playwright/test';
import { z } from 'zod';
import { OccasionPanel } from '../e2e/pages/occasion-panel';
import { SpotifyPlaylistPage } from '../e2e/pages/playlist-page';
import { FakeReccoBeats } from '../e2e/support/fake-reccobeats';
import type { FakeSpotifyOptions } from '../e2e/support/fake-spotify';
import { EXTENSION_DIR, launchWithExtension } from '../e2e/support/fixtures';
import { featureTable, syntheticTracks } from '../e2e/support/tracks';
import { distribution } from './stats';

/**
 * The whole-list analysis benchmark (`npm run bench:analysis`, not part of `npm test`): how long
 * the occasion panel's "Analyse whole list" takes to read a 1,000-track playlist, with the
 * production build (`.output/chrome-mv3`) in Debian's headless Chromium.
 *
 * Setup: the fake open.spotify.com playlist page (tests/e2e/support/fake-spotify.ts) in a
 * 1000 × 700 viewport, as the end-to-end tests open it, listing 1,000 synthetic tracks; the fake
 * ReccoBeats knows every track. Each run is a fresh Chromium profile: the page is opened, its
 * first screen's badges settle, the panel is opened, and "Analyse whole list" is pressed from the
 * top of the list. Variants of the fake page: its default (20 reused row elements, `modulo`
 * reuse, redraw in the next animation frame, no placeholders); redraw in the scroll event;
 * `window` reuse (every element changes track on every scroll); placeholders shown for 150 ms
 * for every newly drawn position.
 *
 * Method: wall time from the click on "Analyse whole list" until the button is enabled again
 * (the walk has ended and the scroll position is restored), measured in this process around
 * Playwright's calls. Each run also checks what the walk must deliver: "Read all 1000 tracks.",
 * coverage 1000 of 1000, and the scroll position the user had. Wall-clock times on this machine:
 * other load inflates them, so the run prints the CPU count and load average.
 */

const TRACK_COUNT = 1000;
/** Runs per kind of page (`BENCH_RUNS`, a whole number from 1; anything else is refused). */
const runsError = (): string => `BENCH_RUNS must be a whole number from 1, not ${JSON.stringify(process.env.BENCH_RUNS)}`;
const RUNS = z.coerce.number({ error: runsError }).int({ error: runsError }).min(1, { error: runsError }).default(3).parse(process.env.BENCH_RUNS || undefined);
const VARIANTS: readonly { readonly name: string; readonly options: FakeSpotifyOptions }[] = [
  { name: 'default (redraw in the next frame)', options: {} },
  { name: 'redraw in the scroll event', options: { renderOn: 'scroll' } },
  { name: 'window reuse', options: { rowReuse: 'window' } },
  { name: 'placeholders for 150 ms', options: { placeholderMs: 150 } },
];

test('"Analyse whole list" on a 1,000-track playlist', async () => {
  test.setTimeout(30 * 60_000);
  const tracks = syntheticTracks(TRACK_COUNT, 'analysis-bench');
  const lines: string[] = [];
  for (const variant of VARIANTS) {
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const context = await launchWithExtension(EXTENSION_DIR);
      try {
        await new FakeReccoBeats(featureTable(tracks)).install(context);
        const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DXAnalysisBnch', 'Analysis benchmark', tracks, variant.options);
        await playlist.settledRows();
        const panel = new OccasionPanel(playlist.spotify);
        await panel.open();
        const startedAt = performance.now();
        const analysis = await panel.analyseWholeList(10 * 60_000);
        times.push(performance.now() - startedAt);
        expect(analysis.text, variant.name).toBe(`Read all ${TRACK_COUNT} tracks.`);
        expect(await panel.scrollTop(), `${variant.name}: scroll position restored`).toBe(analysis.startedAt);
        await expect.poll(async () => (await panel.coverage()).analysed, { message: `${variant.name}: coverage`, timeout: 60_000 }).toBe(TRACK_COUNT);
      } finally {
        await context.close();
      }
    }
    const d = distribution(times);
    lines.push(`| ${variant.name} | ${d.n} | ${Math.round(d.p50 ?? NaN)} | ${Math.round(Math.min(...times))}–${Math.round(d.max ?? NaN)} |`);
  }
  console.log(`\n"Analyse whole list", ${TRACK_COUNT} tracks; ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('| fake page | runs | p50 ms | min–max ms |\n| --- | ---: | ---: | ---: |');
  for (const line of lines) console.log(line);
});
