import { trackIdFromUri, trackIdFromUrl, type TrackId } from '@/lib/shared/track-id';
import { SEEN_MAX_ARTISTS, SEEN_NAME_MAX_LENGTH } from '@/lib/shared/messaging';

/**
 * Everything the extension knows about open.spotify.com's markup, in one place
 * (shared/notes/platform.md, "open.spotify.com page structure"). Only `data-testid`, ARIA roles,
 * link shapes and computed grid areas are used: class names are hashed and change with every
 * Spotify release.
 */

/** A track row of any track list (playlist, album, Liked Songs, artist, search, queue). */
export const TRACK_ROW_SELECTOR = 'div[data-testid="tracklist-row"]';
/** The row's link to its track; the fallback covers rows without the test id. */
export const TRACK_LINK_SELECTORS = ['a[data-testid="internal-track-link"]', 'a[href*="/track/"]'] as const;
/** Artist links inside a row or the now-playing widget. */
export const ARTIST_LINK_SELECTOR = 'a[href*="/artist/"]';

/** The now-playing bar at the bottom of every page, and the widget with the playing track. */
export const NOW_PLAYING_WIDGET_SELECTOR = '[data-testid="now-playing-bar"] [data-testid="now-playing-widget"]';
/** The playing track's title link in the now-playing widget. */
export const NOW_PLAYING_TITLE_SELECTOR = 'a[data-testid="context-item-link"]';
/** The link whose query names the playing track (`uri=spotify:track:<id>`, sometimes URL-encoded). */
export const NOW_PLAYING_CONTEXT_LINK_SELECTOR = 'a[data-testid="context-link"]';
/** The playing track's artists in the now-playing widget. */
export const NOW_PLAYING_ARTIST_SELECTOR = '[data-testid="context-item-info-artist"]';

/** Longest title and artist name reported to the background, and most artists per track (the message limits). */
const MAX_NAME = SEEN_NAME_MAX_LENGTH;
const MAX_ARTISTS = SEEN_MAX_ARTISTS;

/** A track shown somewhere on the page, with the elements a badge is placed by. */
export interface FoundTrack {
  /** The element that shows the track (a row, the now-playing widget); stays while Spotify reuses it. */
  readonly container: HTMLElement;
  /** The track's title link; the badge goes in its title block. */
  readonly link: HTMLAnchorElement;
  readonly trackId: TrackId;
  /** The title as the link shows it (empty when the link has no text), at most {@link SEEN_NAME_MAX_LENGTH} characters. */
  readonly name: string;
  /** Names of the artist links, in order, at most {@link SEEN_MAX_ARTISTS} of at most {@link SEEN_NAME_MAX_LENGTH} characters; may be empty. */
  readonly artists: string[];
}

/** A track row found on the page ({@link FoundTrack} whose container is the row). */
export interface TrackRow extends FoundTrack {
  readonly row: HTMLElement;
}

function artistNames(root: ParentNode): string[] {
  const names: string[] = [];
  for (const a of root.querySelectorAll(ARTIST_LINK_SELECTOR)) {
    const name = a.textContent.trim();
    if (name !== '') names.push(name.slice(0, MAX_NAME));
    if (names.length === MAX_ARTISTS) break;
  }
  return names;
}

function findTrackLink(row: Element): HTMLAnchorElement | undefined {
  for (const selector of TRACK_LINK_SELECTORS) {
    for (const a of row.querySelectorAll<HTMLAnchorElement>(selector)) {
      // A link inside a row nested in this one belongs to that row: two rows sharing one link
      // would each take the other's badge away, for ever (found by the fuzz suite).
      if (row.matches(TRACK_ROW_SELECTOR) && a.closest(TRACK_ROW_SELECTOR) !== row) continue;
      if (trackIdFromUrl(a.getAttribute('href') ?? '')) return a;
    }
  }
  return undefined;
}

/**
 * Reads one track row: its title link and the track ID in it, title and artists. `undefined`
 * for a row without a link to a valid `/track/<id>` (podcast episodes, local files, markup we do
 * not recognise), never a throw.
 */
export function readTrackRow(row: HTMLElement): TrackRow | undefined {
  const link = findTrackLink(row);
  const trackId = link ? trackIdFromUrl(link.getAttribute('href') ?? '') : undefined;
  if (!link || !trackId) return undefined;
  return { row, container: row, link, trackId, name: link.textContent.trim().slice(0, MAX_NAME), artists: artistNames(row) };
}

/**
 * Every readable track row under `root`, in document order (see {@link readTrackRow}). The same
 * element may carry a different track on the next call: Spotify's lists are virtualized and
 * reuse row elements, so callers key results by `trackId`, not by element.
 */
export function scanTrackRows(root: ParentNode): TrackRow[] {
  const rows: TrackRow[] = [];
  for (const row of root.querySelectorAll<HTMLElement>(TRACK_ROW_SELECTOR)) {
    const found = readTrackRow(row);
    if (found) rows.push(found);
  }
  return rows;
}

/**
 * The track ID in a now-playing link's href: the `spotify:track:<id>` in its query (`uri=` or
 * `highlight=`), plain or URL-encoded, else a `/track/<id>` path. `undefined` when there is none
 * (an episode, an ad) or the href cannot be decoded.
 */
export function trackIdFromNowPlayingHref(href: string): TrackId | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(href);
  } catch {
    return undefined;
  }
  const uri = /spotify:track:[0-9A-Za-z]+/.exec(decoded)?.[0];
  if (uri) return trackIdFromUri(uri);
  const base = 'https://open.spotify.com';
  return URL.canParse(decoded, base) ? trackIdFromUrl(new URL(decoded, base).pathname) : undefined;
}

/**
 * The track in the now-playing bar, or `undefined` when nothing (or no track: an episode, an ad)
 * is playing or the markup is not recognised.
 */
export function readNowPlaying(root: ParentNode): FoundTrack | undefined {
  const widget = root.querySelector<HTMLElement>(NOW_PLAYING_WIDGET_SELECTOR);
  const link = widget?.querySelector<HTMLAnchorElement>(NOW_PLAYING_TITLE_SELECTOR);
  if (!widget || !link) return undefined;
  const hrefs = [widget.querySelector(NOW_PLAYING_CONTEXT_LINK_SELECTOR)?.getAttribute('href'), link.getAttribute('href')];
  let trackId: TrackId | undefined;
  for (const href of hrefs) trackId ??= href ? trackIdFromNowPlayingHref(href) : undefined;
  if (!trackId) return undefined;
  const artists = widget.querySelector(NOW_PLAYING_ARTIST_SELECTOR);
  return { container: widget, link, trackId, name: link.textContent.trim().slice(0, MAX_NAME), artists: artists ? artistNames(artists) : [] };
}
