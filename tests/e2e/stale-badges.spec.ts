import { SpotifyPage, type StaleBadgeReport } from './pages/spotify-page';
import { expectRowsMatch, pageFixture } from './support/badge-checks';
import { FakeReccoBeats } from './support/fake-reccobeats';
import type { PageSpec } from './support/fake-spotify';
import { expect, test } from './support/fixtures';
import { classifyWithCli, featureTable, type CliRow } from './support/tracks';

/**
 * A row never shows another track's badge (issue 8, point 3): a fling through a 1,000-track
 * playlist whose row elements are reused for other tracks at every step (`window`: every element
 * changes track on every step; `modulo`: Spotify-like, an element per list position modulo the
 * pool), with ReccoBeats answering after 150 ms, watched by the page object's stale-badge monitor
 * (every animation frame just before paint, and right after every redraw of the list). Then the
 * same back up, and once more over rows whose answers are all known. Zero stale observations and
 * zero rows with several badges every time; the counts are printed.
 */

const TRACKS = 1000;
const tracks = pageFixture(TRACKS, 'stale', [17, 333, 640, 999]);
const playing = pageFixture(1, 'stale-bar')[0];
const ROWS_PER_STEP = 5;

let expected: Map<string, CliRow>;
test.beforeAll(() => {
  expected = classifyWithCli(playing ? [...tracks, playing] : tracks);
});

/** The monitor's counts in one line. */
function summary(report: StaleBadgeReport): string {
  return (
    `${report.observations} observations (${report.frameObservations} frames, ${report.renderObservations} after redraws), ${report.rowChecks} row checks: ` +
    `${report.stale} stale (${report.staleInFrames} in frames, ${report.staleAfterRenders} after redraws), ${report.rowsWithSeveralBadges} rows with several badges, ` +
    `${report.rowsWithoutBadge} rows without badge, ${report.emptyBadges} empty badges; now playing ${report.nowPlayingChecks} checks, ${report.nowPlayingStale} stale`
  );
}

/** Zero stale observations anywhere, zero rows with several badges, and the monitor really watched. */
function expectNoStaleBadges(report: StaleBadgeReport, what: string, minSteps: number): void {
  expect(
    { stale: report.stale, staleInFrames: report.staleInFrames, staleAfterRenders: report.staleAfterRenders, nowPlayingStale: report.nowPlayingStale, rowsWithSeveralBadges: report.rowsWithSeveralBadges, examples: report.examples },
    `${what}: stale badges`,
  ).toEqual({ stale: 0, staleInFrames: 0, staleAfterRenders: 0, nowPlayingStale: 0, rowsWithSeveralBadges: 0, examples: [] });
  expect(report.frameObservations, `${what}: frames observed`).toBeGreaterThanOrEqual(minSteps / 2);
  expect(report.renderObservations, `${what}: redraws observed`).toBeGreaterThanOrEqual(minSteps / 2);
  expect(report.nowPlayingChecks, `${what}: now-playing checks`).toBeGreaterThan(0);
}

for (const rowReuse of ['window', 'modulo'] as const) {
  test.describe(`stale badges, row elements reused (${rowReuse})`, () => {
    test(`a fling through ${TRACKS.toLocaleString('en-US')} rows and back: no row ever shows another track's badge`, async ({ context }) => {
      const reccobeats = new FakeReccoBeats(featureTable(tracks), { delayMs: 150 });
      await reccobeats.install(context);
      const spec: PageSpec = { kind: 'playlist', id: '37i9dQZF1DWXRqgorJj26U', name: 'Stale Badges', tracks };
      const spotify = await SpotifyPage.open(context, spec, { rowReuse, nowPlaying: playing });
      expectRowsMatch(await spotify.settledRows(), expected);

      // Down through the whole list.
      await spotify.startStaleBadgeMonitor();
      let started = Date.now();
      const down = await spotify.fling({ rowsPerStep: ROWS_PER_STEP });
      const downMs = Date.now() - started;
      const downReport = await spotify.stopStaleBadgeMonitor();
      console.log(`fling down (${rowReuse}, ${down.steps} steps of ${ROWS_PER_STEP} rows, ${downMs} ms): ${summary(downReport)}`);
      expect(down.lastPosition).toBe(TRACKS - 1);
      expectNoStaleBadges(downReport, 'fling down', down.steps);
      expectRowsMatch(await spotify.settledRows(), expected);

      // Back up: rows reused for tracks seen on the way down, some answered, some not.
      await spotify.startStaleBadgeMonitor();
      started = Date.now();
      const up = await spotify.fling({ rowsPerStep: ROWS_PER_STEP, from: TRACKS - 1, to: 0 });
      const upMs = Date.now() - started;
      const upReport = await spotify.stopStaleBadgeMonitor();
      console.log(`fling up (${rowReuse}, ${up.steps} steps, ${upMs} ms): ${summary(upReport)}`);
      expect(up.lastPosition).toBe(0);
      expectNoStaleBadges(upReport, 'fling up', up.steps);
      expectRowsMatch(await spotify.settledRows(), expected);

      // Rows whose answers are all known: the first 100 positions, settled window by window, then
      // flung through down and up two rows per frame.
      for (const position of [20, 40, 60, 80, 0]) {
        await spotify.scrollToPosition(position);
        expectRowsMatch(await spotify.settledRows(), expected);
      }
      const requestsBefore = reccobeats.requests.length;
      await spotify.startStaleBadgeMonitor();
      const knownDown = await spotify.fling({ rowsPerStep: 2, to: 80 });
      const knownUp = await spotify.fling({ rowsPerStep: 2, from: 80, to: 0 });
      const knownReport = await spotify.stopStaleBadgeMonitor();
      console.log(`known answers (${rowReuse}, ${knownDown.steps + knownUp.steps} steps): ${summary(knownReport)}`);
      expectNoStaleBadges(knownReport, 'fling over known answers', knownDown.steps + knownUp.steps);
      expect(reccobeats.requests.length, 'no request while only known tracks were shown').toBe(requestsBefore);

      // Fewer requests: no ID asked twice, batches of at most 40, one request in flight at a time.
      const asked = reccobeats.requests.flat();
      console.log(`ReccoBeats (${rowReuse}): ${reccobeats.requests.length} requests, ${asked.length} IDs, at most ${reccobeats.maxInFlight} in flight`);
      expect(new Set(asked).size, 'no track asked twice').toBe(asked.length);
      for (const batch of reccobeats.requests) expect(batch.length).toBeLessThanOrEqual(40);
      expect(reccobeats.maxInFlight, 'requests in flight at once from one tab').toBe(1);
    });
  });
}
