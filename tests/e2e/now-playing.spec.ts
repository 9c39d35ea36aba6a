import { SpotifyPage, type DocumentBadge } from './pages/spotify-page';
import { badgeFor, expectDocumentBadges, expectRowsMatch, pageFixture } from './support/badge-checks';
import { FakeReccoBeats } from './support/fake-reccobeats';
import type { PageSpec, PageTrack, UriEncoding } from './support/fake-spotify';
import { expect, test } from './support/fixtures';
import { classifyWithCli, featureTable, type CliRow, type FixtureTrack } from './support/tracks';

/**
 * The now-playing bar's badge (issue 8, point 1), on every page: it shows the theme
 * `npm run classify` gives for the playing track, follows the track when Spotify rewrites the bar
 * in place (URI plain or URL-encoded, explicit or not, unknown to the provider), disappears when
 * nothing plays, stays exactly one, and stays on a page without track lists.
 */

const listTracks = pageFixture(8, 'np-list');
/** Tracks played in the bar, in none of the lists: plain, explicit (index 1), unknown to the provider (index 3). */
const barTracks = pageFixture(6, 'np-bar', [3]);
const allTracks: FixtureTrack[] = [...listTracks, ...barTracks];
const bar = (i: number): FixtureTrack => {
  const t = barTracks[i];
  if (!t) throw new Error(`no bar track ${i}`);
  return t;
};
const playlist: PageSpec = { kind: 'playlist', id: '37i9dQZF1DWZeKCadgRdKQ', name: 'Now Playing Tests', tracks: listTracks };

let expected: Map<string, CliRow>;
test.beforeAll(() => {
  expected = classifyWithCli(allTracks);
});

/** Badges inside the now-playing bar (widget or not). */
const inBar = (badges: readonly DocumentBadge[]): DocumentBadge[] => badges.filter((b) => b.region === 'now-playing-bar');

/**
 * Changes the playing track and reads the bar's badges in the same task, once the microtasks the
 * change queued (the extension's `MutationObserver` callback) have run: the badge must already be
 * for the new track (or gone), never the previous one.
 */
async function setNowPlayingAndRead(spotify: SpotifyPage, track: PageTrack | null, uri?: UriEncoding): Promise<DocumentBadge[]> {
  await spotify.allBadges(); // installs the reader
  return spotify.page.evaluate(
    ({ track, uri }) =>
      new Promise<DocumentBadge[]>((resolve) => {
        const w = window as unknown as { fakeSpotifySetNowPlaying(t: PageTrack | null, u?: UriEncoding): void; __ppReadBadges(): DocumentBadge[] };
        w.fakeSpotifySetNowPlaying(track, uri);
        queueMicrotask(() => resolve(w.__ppReadBadges().filter((b) => b.region === 'now-playing-bar')));
      }),
    { track: track && { id: track.id, title: track.title, artist: track.artist, explicit: track.explicit, featuring: track.featuring, durationMs: track.durationMs }, uri },
  );
}

/** The bar settles to `track`'s classify badge, with exactly one badge in the whole bar. */
async function expectBarShows(spotify: SpotifyPage, track: FixtureTrack): Promise<void> {
  const now = await spotify.settledNowPlaying();
  expect({ trackId: now.trackId, badgeCount: now.badgeCount, status: now.status, theme: now.theme }, `now playing ${track.title}`).toEqual({
    trackId: track.id,
    badgeCount: 1,
    ...badgeFor(track.id, expected),
  });
  const badges = await spotify.allBadges();
  expect(inBar(badges).map((b) => b.where), 'badges in the now-playing bar').toEqual(['now-playing']);
  expectDocumentBadges(badges, expected);
}

test.describe('now-playing bar badge', () => {
  test('shows the classify theme and follows the track: plain and encoded URIs, explicit, unknown, nothing playing', async ({ context }) => {
    const reccobeats = new FakeReccoBeats(featureTable(allTracks));
    await reccobeats.install(context);
    const spotify = await SpotifyPage.open(context, playlist, { nowPlaying: bar(0), nowPlayingUri: 'plain' });
    await expectBarShows(spotify, bar(0));
    expectRowsMatch(await spotify.settledRows(), expected);

    // Each change: already the new track's badge in the same task, then its classify theme.
    const changes: [FixtureTrack, UriEncoding][] = [
      [bar(1), 'encoded'], // explicit: Spotify's "E" joins the widget
      [bar(2), 'plain'],
      [bar(3), 'encoded'], // unknown to the provider
      [bar(0), 'plain'], // back to a track whose answer is known: no loading needed
    ];
    for (const [track, uri] of changes) {
      const right = await setNowPlayingAndRead(spotify, track, uri);
      expect(right.map((b) => [b.where, b.trackId]), `bar badges right after the change to ${track.title} (${uri} URI)`).toEqual([['now-playing', track.id]]);
      await expectBarShows(spotify, track);
    }

    // Nothing playing: no badge in the bar, none left anywhere but the rows.
    const emptied = await setNowPlayingAndRead(spotify, null);
    expect(emptied, 'bar badges right after playback stopped').toEqual([]);
    expect(await spotify.nowPlaying()).toBeNull();
    const badges = expectDocumentBadges(await spotify.allBadges(), expected);
    expect(badges.every((b) => b.where === 'row')).toBe(true);

    // Playing again: a new badge.
    const refilled = await setNowPlayingAndRead(spotify, bar(4), 'encoded');
    expect(refilled.map((b) => b.trackId)).toEqual([bar(4).id]);
    await expectBarShows(spotify, bar(4));
    // The bar's track was asked for once, like any other.
    const asked = reccobeats.requests.flat();
    expect(new Set(asked).size).toBe(asked.length);
  });

  test('on a page without track lists the bar is still badged and follows the track; back on the list, rows are badged again', async ({ context }) => {
    await new FakeReccoBeats(featureTable(allTracks)).install(context);
    const spotify = await SpotifyPage.open(context, playlist, { nowPlaying: bar(0), nowPlayingTitleHref: 'track' });
    await expectBarShows(spotify, bar(0));
    expectRowsMatch(await spotify.settledRows(), expected);

    await spotify.navigateHome();
    expect(spotify.page.url()).toBe('https://open.spotify.com/');
    const onHome = await spotify.allBadges();
    expect(onHome.map((b) => [b.where, b.trackId]), 'badges on the home page: the bar only').toEqual([['now-playing', bar(0).id]]);
    expect(await spotify.page.evaluate(() => document.querySelectorAll('[data-testid="tracklist-row"]').length)).toBe(0);
    await expectBarShows(spotify, bar(0));

    await spotify.setNowPlaying(bar(5));
    await expectBarShows(spotify, bar(5));

    const back = await spotify.goBack();
    expect(spotify.page.url()).toBe('https://open.spotify.com/playlist/' + '37i9dQZF1DWZeKCadgRdKQ');
    expectDocumentBadges(back, expected, { settled: false });
    expectRowsMatch(await spotify.settledRows(), expected);
    await expectBarShows(spotify, bar(5));
  });

  test('is there on every page type, exactly one', async ({ context }) => {
    await new FakeReccoBeats(featureTable(allTracks)).install(context);
    const pages: PageSpec[] = [
      { kind: 'album', id: '4aawyAB9vmqN3uQ7FjRGTy', name: 'Album', tracks: listTracks },
      { kind: 'liked', tracks: listTracks },
      { kind: 'artist', id: '0OdUWJ0sBjDrqHygGUXeCF', name: 'Artist', tracks: listTracks },
      { kind: 'search', query: 'now playing', tracks: listTracks },
      { kind: 'search-tracks', query: 'now playing', tracks: listTracks },
      { kind: 'queue', tracks: listTracks },
    ];
    const spotify = await SpotifyPage.open(context, playlist, { nowPlaying: bar(2) });
    await expectBarShows(spotify, bar(2));
    for (const spec of pages) {
      await spotify.navigate(spec);
      await spotify.settledRows();
      await expectBarShows(spotify, bar(2));
    }
  });
});
