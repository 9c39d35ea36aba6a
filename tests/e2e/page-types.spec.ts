import type { BrowserContext, Page } from '@playwright/test';
import { SpotifyPage } from './pages/spotify-page';
import { badgeFor, checkWholeList, expectDocumentBadges, expectRowsMatch, pageFixture } from './support/badge-checks';
import { FakeReccoBeats } from './support/fake-reccobeats';
import { pageUrl, SEARCH_SONGS_ROWS, type PageSpec } from './support/fake-spotify';
import { expect, test } from './support/fixtures';
import { classifyWithCli, featureTable, type CliRow, type FixtureTrack } from './support/tracks';

/**
 * Theme badges on every page type of open.spotify.com (issue 8, point 1), one `describe` per page
 * type, on the fake Spotify app (support/fake-spotify.ts) with the built extension: every track
 * row badged exactly once with the theme `npm run classify` gives (`unknown` for tracks the
 * provider does not know), explicit tracks included; virtualized lists walked to the end, every
 * list position drawn and checked; badges only on the page's own rows and the now-playing
 * widget, never on track-row-shaped markup in the sidebar or the now-playing bar.
 */

const playlistTracks = pageFixture(90, 'pt-playlist', [4, 61]);
const likedTracks = pageFixture(70, 'pt-liked', [9]);
const albumTracks = pageFixture(60, 'pt-album', [2, 40]);
const searchListTracks = pageFixture(80, 'pt-search-tracks', [3, 77]);
const searchTracks = pageFixture(10, 'pt-search', [1]);
const artistTracks = pageFixture(10, 'pt-artist', [6]);
const queueTracks = pageFixture(12, 'pt-queue', [5]);
/** Playing in the bar (in no list), then the track the bar changes to, and a track only decoy rows show. */
const [playing, playingNext, decoy] = pageFixture(3, 'pt-bar') as [FixtureTrack, FixtureTrack, FixtureTrack];
const allTracks = [...playlistTracks, ...likedTracks, ...albumTracks, ...searchListTracks, ...searchTracks, ...artistTracks, ...queueTracks, playing, playingNext, decoy];

let expected: Map<string, CliRow>;
test.beforeAll(() => {
  // One run of the real CLI for every track of this file.
  expected = classifyWithCli(allTracks);
});

/** Installs ReccoBeats knowing every fixture track with features. */
async function installProvider(context: BrowserContext): Promise<FakeReccoBeats> {
  const reccobeats = new FakeReccoBeats(featureTable(allTracks));
  await reccobeats.install(context);
  return reccobeats;
}

/**
 * Track-row-shaped markup (`[role=row]` > `div[data-testid="tracklist-row"]` with a track link)
 * where no list row is: in the left sidebar, in the now-playing bar beside the player controls,
 * and in any further `extraPlaces` (selectors). Marked `data-e2e-decoy` for removal.
 */
async function addDecoyRows(page: Page, trackId: string, extraPlaces: readonly string[] = []): Promise<void> {
  const added = await page.evaluate(
    ({ trackId, places }) =>
      places.map((selector) => {
        const host = document.querySelector(selector);
        if (!host) return selector;
        const link = document.createElement('a');
        link.setAttribute('data-testid', 'internal-track-link');
        link.href = '/track/' + trackId;
        link.textContent = 'Decoy track';
        const artist = document.createElement('a');
        artist.href = '/artist/0OdUWJ0sBjDrqHygGUXeCF';
        artist.textContent = 'Decoy artist';
        const cell = document.createElement('div');
        cell.setAttribute('role', 'gridcell');
        cell.setAttribute('aria-colindex', '2');
        cell.append(link, artist);
        const row = document.createElement('div');
        row.setAttribute('data-testid', 'tracklist-row');
        row.append(cell);
        const wrapper = document.createElement('div');
        wrapper.setAttribute('role', 'row');
        wrapper.setAttribute('aria-rowindex', '1');
        wrapper.setAttribute('data-e2e-decoy', '');
        wrapper.append(row);
        host.append(wrapper);
        return null;
      }),
    { trackId, places: ['nav [role="grid"]', '[data-testid="now-playing-bar"] [data-testid="player-controls"]', ...extraPlaces] },
  );
  expect(added.filter((missing) => missing !== null), 'places for decoy rows that the page lacks').toEqual([]);
}

/**
 * Decoy rows are never badged nor looked up: adds them, then changes the playing track (so the
 * extension sends a request after the decoys appeared and any row it took from them would be
 * asked for by the time the bar settles), checks, and removes them again.
 */
async function expectDecoysIgnored(spotify: SpotifyPage, reccobeats: FakeReccoBeats, extraPlaces: readonly string[] = []): Promise<void> {
  await addDecoyRows(spotify.page, decoy.id, extraPlaces);
  await spotify.setNowPlaying(playingNext);
  const now = await spotify.settledNowPlaying();
  expect({ trackId: now.trackId, status: now.status, theme: now.theme }, 'now-playing badge after the track changed').toEqual({ trackId: playingNext.id, ...badgeFor(playingNext.id, expected) });
  const badges = await spotify.allBadges();
  expect(badges.filter((b) => b.trackId === decoy.id || b.region === 'sidebar'), 'badges on decoy rows (sidebar, now-playing bar, outside the list)').toEqual([]);
  expectDocumentBadges(badges, expected);
  expect(reccobeats.requests.flat(), 'the decoy track was never looked up').not.toContain(decoy.id);
  await spotify.page.evaluate(() => document.querySelectorAll('[data-e2e-decoy]').forEach((e) => e.remove()));
}

/** No track asked twice, no request over 40 IDs. */
function expectFrugalRequests(reccobeats: FakeReccoBeats): void {
  const asked = reccobeats.requests.flat();
  expect(new Set(asked).size, `ReccoBeats asked ${asked.length} IDs in ${reccobeats.requests.length} requests`).toBe(asked.length);
  for (const batch of reccobeats.requests) expect(batch.length).toBeLessThanOrEqual(40);
}

/** Virtualized lists: the whole list walked, every position checked, the document checked at every window. */
const virtualized: { readonly title: string; readonly spec: PageSpec }[] = [
  { title: 'playlist (/playlist/<id>)', spec: { kind: 'playlist', id: '37i9dQZF1DX4dyzvuaRJ0n', name: 'Page Types Playlist', tracks: playlistTracks } },
  { title: 'Liked Songs (/collection/tracks)', spec: { kind: 'liked', tracks: likedTracks } },
  { title: 'album (/album/<id>)', spec: { kind: 'album', id: '4aawyAB9vmqN3uQ7FjRGTy', name: 'Page Types Album', tracks: albumTracks } },
  { title: 'search Songs tab (/search/<q>/tracks)', spec: { kind: 'search-tracks', query: 'night drive', tracks: searchListTracks } },
];

for (const { title, spec } of virtualized) {
  test.describe(title, () => {
    test(`every one of ${spec.tracks.length} rows is badged once with the theme npm run classify gives, while the list is walked to the end`, async ({ context }) => {
      const reccobeats = await installProvider(context);
      const spotify = await SpotifyPage.open(context, spec, { nowPlaying: playing });
      expect(spotify.page.url()).toBe(pageUrl(spec));

      const walk = await checkWholeList(spotify, spec.tracks.length, expected, async (rows) => {
        const badges = expectDocumentBadges(await spotify.allBadges(), expected);
        expect(badges.filter((b) => b.where === 'row'), 'one badge per rendered row, no more').toHaveLength(rows.length);
        expect(badges.filter((b) => b.where === 'now-playing'), 'one badge in the now-playing widget').toHaveLength(1);
      });
      expect(walk.positions.size, 'list positions drawn and checked').toBe(spec.tracks.length);
      expect([...walk.trackIds].sort()).toEqual(spec.tracks.map((t) => t.id).sort());
      expect(walk.reusedElements, 'row elements reused for other tracks while scrolling').toBeGreaterThan(0);
      // Explicit tracks (every third) and unknown tracks were among the rows checked.
      expect(spec.tracks.filter((t) => t.explicit).length).toBeGreaterThan(10);
      expect(spec.tracks.filter((t) => !expected.has(t.id)).length).toBeGreaterThan(0);

      await expectDecoysIgnored(spotify, reccobeats);
      expectFrugalRequests(reccobeats);
    });
  });
}

test.describe('artist (/artist/<id>): the Popular rows', () => {
  test('each of the 10 Popular rows is badged once with the classify theme; nothing else on the page is', async ({ context }) => {
    const reccobeats = await installProvider(context);
    const spec: PageSpec = { kind: 'artist', id: '0OdUWJ0sBjDrqHygGUXeCF', name: 'Page Types Artist', tracks: artistTracks };
    const spotify = await SpotifyPage.open(context, spec, { nowPlaying: playing });
    const rows = await spotify.settledRows();
    expectRowsMatch(rows, expected);
    expect(rows.map((r) => [r.section, r.trackId])).toEqual(artistTracks.map((t) => ['popular', t.id]));
    const badges = expectDocumentBadges(await spotify.allBadges(), expected);
    expect(badges.map((b) => b.where).sort()).toEqual([...Array<string>(10).fill('row'), 'now-playing'].sort());
    await expectDecoysIgnored(spotify, reccobeats);
    expectFrugalRequests(reccobeats);
  });
});

test.describe('search overview (/search/<q>): the Songs section', () => {
  test(`the ${SEARCH_SONGS_ROWS} rows of the Songs section are badged, nothing else of the overview`, async ({ context }) => {
    const reccobeats = await installProvider(context);
    const spec: PageSpec = { kind: 'search', query: 'page types', tracks: searchTracks };
    const spotify = await SpotifyPage.open(context, spec, { nowPlaying: playing });
    const rows = await spotify.settledRows();
    expectRowsMatch(rows, expected);
    expect(rows.map((r) => [r.section, r.trackId])).toEqual(searchTracks.slice(0, SEARCH_SONGS_ROWS).map((t) => ['songs', t.id]));
    const inSongs = await spotify.page.evaluate(() => document.querySelectorAll('section[data-testid="search-tracks-result"] [data-testid="tracklist-row"] playlist-predictor-badge').length);
    expect(inSongs).toBe(SEARCH_SONGS_ROWS);
    const badges = expectDocumentBadges(await spotify.allBadges(), expected);
    expect(badges).toHaveLength(SEARCH_SONGS_ROWS + 1);
    // The tracks beyond the Songs section's rows appear only as album and artist cards: never looked up.
    const notShown = new Set(searchTracks.slice(SEARCH_SONGS_ROWS).map((t) => t.id));
    expect(reccobeats.requests.flat().filter((id) => notShown.has(id))).toEqual([]);
    // A track row outside the Songs section (here in the Top result card) is not one of its rows.
    await expectDecoysIgnored(spotify, reccobeats, ['[data-testid="top-result-card"]']);
    expectFrugalRequests(reccobeats);
  });
});

test.describe('queue (/queue): Now playing and Next in queue', () => {
  test('both sections are badged, every row once, with the classify theme; the bar too', async ({ context }) => {
    const reccobeats = await installProvider(context);
    const spec: PageSpec = { kind: 'queue', tracks: queueTracks };
    // The queue page plays its first track (the fake's default).
    const spotify = await SpotifyPage.open(context, spec);
    const rows = await spotify.settledRows();
    expectRowsMatch(rows, expected);
    expect(rows.map((r) => [r.section, r.trackId])).toEqual(queueTracks.map((t, i) => [i === 0 ? 'now-playing' : 'next-in-queue', t.id]));
    const now = await spotify.settledNowPlaying();
    expect({ trackId: now.trackId, status: now.status, theme: now.theme }).toEqual({ trackId: queueTracks[0]?.id, ...badgeFor(queueTracks[0]?.id ?? '', expected) });
    const badges = expectDocumentBadges(await spotify.allBadges(), expected);
    expect(badges).toHaveLength(queueTracks.length + 1);
    await expectDecoysIgnored(spotify, reccobeats);
    expectFrugalRequests(reccobeats);
  });
});
