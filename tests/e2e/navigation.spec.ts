import { SpotifyPage, type DocumentBadge } from './pages/spotify-page';
import { expectDocumentBadges, expectRowsMatch, pageFixture } from './support/badge-checks';
import { FakeReccoBeats } from './support/fake-reccobeats';
import { pageUrl, type PageSpec } from './support/fake-spotify';
import { expect, test } from './support/fixtures';
import { classifyWithCli, featureTable, type CliRow, type FixtureTrack } from './support/tracks';

/**
 * SPA navigation (issue 8, point 1): open.spotify.com switches pages with `history.pushState`,
 * without reloading the content script, and may keep React's row elements for the next page.
 * After every navigation (and back navigation) no badge anywhere in the document shows a track of
 * the page left, not even in the same task as the switch, and every new row is badged once with
 * its classify theme. Run with the old page's row elements removed and with them reused.
 */

const firstPlaylist = pageFixture(40, 'nav-playlist-a', [7]);
const secondPlaylist = pageFixture(40, 'nav-playlist-b', [12]);
/** The album shares two tracks with the first playlist (the same track may be on both pages). */
const albumOwn = pageFixture(18, 'nav-album', [3]);
const albumTracks: FixtureTrack[] = [...albumOwn.slice(0, 5), firstPlaylist[0], ...albumOwn.slice(5, 12), firstPlaylist[1], ...albumOwn.slice(12)].filter((t): t is FixtureTrack => t !== undefined);
const searchTracks = pageFixture(10, 'nav-search');
const allTracks = [...firstPlaylist, ...secondPlaylist, ...albumOwn, ...searchTracks];

const playlistA: PageSpec = { kind: 'playlist', id: '37i9dQZF1DX0XUsuxWHRQd', name: 'Navigation A', tracks: firstPlaylist };
const playlistB: PageSpec = { kind: 'playlist', id: '37i9dQZF1DX4JAvHpjipBk', name: 'Navigation B', tracks: secondPlaylist };
const album: PageSpec = { kind: 'album', id: '4aawyAB9vmqN3uQ7FjRGTy', name: 'Navigation Album', tracks: albumTracks };
const search: PageSpec = { kind: 'search', query: 'navigation', tracks: searchTracks };
/** Plays in the bar throughout: a track of the first playlist, so its badge in the bar stays legitimately. */
const playing = firstPlaylist[3];

let expected: Map<string, CliRow>;
test.beforeAll(() => {
  expected = classifyWithCli(allTracks);
});

/** IDs of `from`'s tracks that `to` does not show (and that are not playing in the bar). */
function leftBehind(from: PageSpec, to: PageSpec): Set<string> {
  const kept = new Set([...to.tracks.map((t) => t.id), playing?.id]);
  return new Set(from.tracks.map((t) => t.id).filter((id) => !kept.has(id)));
}

/** No badge anywhere shows a track of the page left; every badge shows its container's current track. */
function expectNothingLeftBehind(badges: readonly DocumentBadge[], old: ReadonlySet<string>, when: string): void {
  const stale = badges.filter((b) => b.trackId !== null && old.has(b.trackId));
  expect(stale.map((b) => `${b.where} ${b.section ?? ''} ${b.position ?? ''}: ${b.trackId} (shows ${b.shownTrackId})`), `badges of the old page's tracks ${when}`).toEqual([]);
  expectDocumentBadges(badges, expected, { settled: false });
}

/** The page shown now: every row badged once with its classify theme, the document clean, the bar badged. */
async function expectPageSettled(spotify: SpotifyPage, old: ReadonlySet<string>, when: string): Promise<void> {
  const rows = await spotify.settledRows();
  expectRowsMatch(rows, expected);
  const shown = new Set(spotify.spec.tracks.map((t) => t.id));
  for (const r of rows) expect(shown.has(r.trackId), `${when}: row ${r.position} shows a track of ${spotify.spec.kind}`).toBe(true);
  const badges = await spotify.allBadges();
  expectNothingLeftBehind(badges, old, `${when}, settled`);
  expectDocumentBadges(badges, expected);
  expect(badges.filter((b) => b.where === 'row')).toHaveLength(rows.length);
  expect(badges.filter((b) => b.where === 'now-playing').map((b) => b.trackId)).toEqual([playing?.id]);
}

/** Navigates in app from the current page to `to`, checking the badges right after the switch and once settled. */
async function navigateAndCheck(spotify: SpotifyPage, to: PageSpec): Promise<void> {
  const from = spotify.spec;
  const old = leftBehind(from, to);
  const right = await spotify.navigateAndReadBadges(to);
  expect(spotify.page.url()).toBe(pageUrl(to));
  expectNothingLeftBehind(right, old, `right after navigating ${from.kind} → ${to.kind}`);
  await expectPageSettled(spotify, old, `after navigating ${from.kind} → ${to.kind}`);
}

/** Goes back in the app's history, checking the badges right after the switch and once settled. */
async function goBackAndCheck(spotify: SpotifyPage, to: PageSpec): Promise<void> {
  const from = spotify.spec;
  const old = leftBehind(from, to);
  const right = await spotify.goBack();
  expect(spotify.page.url()).toBe(pageUrl(to));
  expect(spotify.spec).toBe(to);
  expectNothingLeftBehind(right, old, `right after going back ${from.kind} → ${to.kind}`);
  await expectPageSettled(spotify, old, `after going back ${from.kind} → ${to.kind}`);
}

for (const reuseRowsAcrossNavigation of [false, true]) {
  const rows = reuseRowsAcrossNavigation ? 'row elements reused by the next page' : 'row elements removed with the page';
  test.describe(`SPA navigation, ${rows}`, () => {
    test('playlist → playlist and back: no badge of the old list anywhere, every new row badged once', async ({ context }) => {
      const reccobeats = new FakeReccoBeats(featureTable(allTracks));
      await reccobeats.install(context);
      const spotify = await SpotifyPage.open(context, playlistA, { nowPlaying: playing, reuseRowsAcrossNavigation });
      // Scrolled into the list first, so the rows left behind are not the first ones.
      await spotify.scrollToPosition(15);
      await expectPageSettled(spotify, new Set(), 'on the first playlist');
      await spotify.startStaleBadgeMonitor();

      await navigateAndCheck(spotify, playlistB);
      await goBackAndCheck(spotify, playlistA);

      const report = await spotify.stopStaleBadgeMonitor();
      expect({ stale: report.stale, rowsWithSeveralBadges: report.rowsWithSeveralBadges, examples: report.examples }, 'stale-badge monitor over both navigations').toEqual({ stale: 0, rowsWithSeveralBadges: 0, examples: [] });
      expect(report.renderObservations).toBeGreaterThan(0);
      const asked = reccobeats.requests.flat();
      expect(new Set(asked).size, 'no track asked twice').toBe(asked.length);
    });

    test('playlist → album → search overview, then back twice', async ({ context }) => {
      await new FakeReccoBeats(featureTable(allTracks)).install(context);
      const spotify = await SpotifyPage.open(context, playlistA, { nowPlaying: playing, reuseRowsAcrossNavigation });
      await expectPageSettled(spotify, new Set(), 'on the playlist');
      await spotify.startStaleBadgeMonitor();

      await navigateAndCheck(spotify, album);
      await navigateAndCheck(spotify, search);
      await goBackAndCheck(spotify, album);
      await goBackAndCheck(spotify, playlistA);

      const report = await spotify.stopStaleBadgeMonitor();
      expect({ stale: report.stale, rowsWithSeveralBadges: report.rowsWithSeveralBadges, examples: report.examples }, 'stale-badge monitor over the navigations').toEqual({ stale: 0, rowsWithSeveralBadges: 0, examples: [] });
    });
  });
}
