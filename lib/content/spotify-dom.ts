import { trackIdFromUri, trackIdFromUrl, type TrackId } from '@/lib/shared/track-id';
import { SEEN_MAX_ARTISTS, SEEN_NAME_MAX_LENGTH } from '@/lib/shared/messaging';
import { normalizeDurationMs } from '@/model/duration';

/**
 * Everything the extension knows about open.spotify.com's markup, in one place
 * (shared/notes/platform.md, "open.spotify.com page structure"). Only `data-testid`, ARIA roles,
 * link shapes and computed grid areas are used: class names are hashed and change with every
 * Spotify release.
 */

/** A track row of any track list (playlist, album, Liked Songs, artist, search, queue). */
export const TRACK_ROW_SELECTOR = 'div[data-testid="tracklist-row"]';
/** What a list shows in place of a row it has not drawn yet (shared/notes/platform.md). */
export const ROW_PLACEHOLDER_SELECTOR = '[data-testid="tracklist-row-placeholder"]';
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
/**
 * The playing track's duration in the now-playing bar (`m:ss`), outside the widget. Unverified:
 * the test id is the one public stand-ins and scrobbler connectors use, not one checked on the
 * live site (shared/notes/platform.md); when it is absent the duration is simply unknown.
 */
export const NOW_PLAYING_DURATION_SELECTOR = '[data-testid="now-playing-bar"] [data-testid="playback-duration"]';
/** A grid cell of a track row; the duration is in the row's last one (shared/notes/platform.md). */
export const GRID_CELL_SELECTOR = '[role="gridcell"]';

/**
 * The strict shapes of a shown duration: `h:mm:ss` (hours 1-2 digits, minutes and seconds
 * 00-59) or `m:ss` (minutes 1-3 digits, may exceed 59 since there is no hour part; seconds
 * 00-59). ASCII digits only, nothing around them.
 */
const HMS_RE = /^([0-9]{1,2}):([0-5][0-9]):([0-5][0-9])$/;
const MS_RE = /^([0-9]{1,3}):([0-5][0-9])$/;
/** Bidirectional marks and isolates that a localized page may put around a number. */
const BIDI_MARKS_RE = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Longest text still looked at as a duration (longer text is never one; keeps hostile cells cheap). */
const MAX_DURATION_TEXT = 16;
/** Most descendants of a duration cell searched for the duration's own element. */
const MAX_CELL_DESCENDANTS = 24;

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
  /**
   * The duration the page shows for the track, in ms (whole seconds, clamped to 1 s - 2 h, see
   * {@link parseDurationText}), or `undefined` when none is shown or it is not in a shape that
   * function accepts.
   */
  readonly durationMs?: number;
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
 * A duration as Spotify shows it, in ms: `"3:07"` → 187000, `"1:02:03"` → 3723000. Accepted:
 * `m:ss` (minutes 0-999, which may exceed 59 because there is no hour part: `"75:00"` is 75
 * minutes) and `h:mm:ss` (hours 0-99, minutes and seconds 00-59); ASCII digits only, surrounding
 * white space and bidirectional marks ignored. The result is clamped to 1 s - 2 h like the
 * model reads it (`normalizeDurationMs`, model/duration.ts).
 *
 * @returns `undefined` for anything else (`"-:--"`, `"3:7"`, `"1:60:00"`, `"3:07 min"`, `"٣:٠٧"`,
 *   empty text) and for `"0:00"`, which players show before they know the length; never throws.
 */
export function parseDurationText(text: string): number | undefined {
  if (text.length > MAX_DURATION_TEXT * 4) return undefined;
  const clean = text.replace(BIDI_MARKS_RE, '').trim();
  if (clean.length > MAX_DURATION_TEXT) return undefined;
  let seconds: number;
  const hms = HMS_RE.exec(clean);
  const ms = hms ? undefined : MS_RE.exec(clean);
  if (hms) seconds = Number(hms[1]) * 3600 + Number(hms[2]) * 60 + Number(hms[3]);
  else if (ms) seconds = Number(ms[1]) * 60 + Number(ms[2]);
  else return undefined;
  if (seconds === 0) return undefined;
  return normalizeDurationMs(seconds * 1000) ?? undefined;
}

/** Whether `el`'s closest track row is `row` (a cell of a row nested in `row` belongs to that row). */
function ownCell(row: Element, el: Element): boolean {
  return !row.matches(TRACK_ROW_SELECTOR) || el.closest(TRACK_ROW_SELECTOR) === row;
}

/**
 * The duration a track row shows, in ms, or `undefined`. Where it is (an assumption, see
 * shared/notes/platform.md): the row's last `[role="gridcell"]` (no test id is known), whose text
 * is the duration, possibly next to icon-only buttons. Read as: the last grid cell of the row
 * itself (not of a row nested in it); a cell holding a link with text is no duration cell (an
 * album named "4:44" is a link); its whole text if {@link parseDurationText} accepts it, else the
 * one element among its first {@link MAX_CELL_DESCENDANTS} descendants without child elements
 * whose text it accepts (none, or two different ones: `undefined`).
 */
export function readRowDuration(row: Element): number | undefined {
  let last: Element | undefined;
  for (const cell of row.querySelectorAll(GRID_CELL_SELECTOR)) if (ownCell(row, cell)) last = cell;
  if (!last) return undefined;
  for (const a of last.querySelectorAll('a')) if (a.textContent.trim() !== '') return undefined;
  const whole = parseDurationText(last.textContent);
  if (whole !== undefined) return whole;
  let found: number | undefined;
  let seen = 0;
  for (const el of last.querySelectorAll('*')) {
    if (++seen > MAX_CELL_DESCENDANTS) break;
    if (el.childElementCount > 0 || !ownCell(row, el)) continue;
    const value = parseDurationText(el.textContent);
    if (value === undefined) continue;
    if (found !== undefined && found !== value) return undefined;
    found = value;
  }
  return found;
}

/**
 * Reads one track row: its title link and the track ID in it, title, artists and duration
 * ({@link readRowDuration}). `undefined` for a row without a link to a valid `/track/<id>`
 * (podcast episodes, local files, markup we do not recognise), never a throw.
 */
export function readTrackRow(row: HTMLElement): TrackRow | undefined {
  const link = findTrackLink(row);
  const trackId = link ? trackIdFromUrl(link.getAttribute('href') ?? '') : undefined;
  if (!link || !trackId) return undefined;
  const durationMs = readRowDuration(row);
  return {
    row,
    container: row,
    link,
    trackId,
    name: link.textContent.trim().slice(0, MAX_NAME),
    artists: artistNames(row),
    ...(durationMs === undefined ? {} : { durationMs }),
  };
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
 * is playing or the markup is not recognised. Its duration is read from
 * {@link NOW_PLAYING_DURATION_SELECTOR} (unverified; absent or unparseable: no duration).
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
  const durationText = root.querySelector(NOW_PLAYING_DURATION_SELECTOR)?.textContent;
  const durationMs = durationText === undefined ? undefined : parseDurationText(durationText);
  return {
    container: widget,
    link,
    trackId,
    name: link.textContent.trim().slice(0, MAX_NAME),
    artists: artists ? artistNames(artists) : [],
    ...(durationMs === undefined ? {} : { durationMs }),
  };
}

/** The main view's scroll content; the element that scrolls is its parent (shared/notes/platform.md). */
export const MAIN_SCROLL_CHILD_SELECTOR = '.main-view-container__scroll-node-child';

/**
 * The element that scrolls the main view, where `list` is: the parent of
 * {@link MAIN_SCROLL_CHILD_SELECTOR} when it holds the list, else the nearest ancestor of `list`
 * that can scroll (its content is taller than it and its `overflow-y` is `auto` or `scroll`).
 * `undefined` when there is none.
 */
export function listScroller(list: HTMLElement): HTMLElement | undefined {
  const documented = list.closest(MAIN_SCROLL_CHILD_SELECTOR)?.parentElement;
  if (documented) return documented;
  const view = list.ownerDocument.defaultView;
  for (let el = list.parentElement; el; el = el.parentElement) {
    const overflow = view?.getComputedStyle(el).overflowY ?? '';
    if ((overflow === 'auto' || overflow === 'scroll') && el.scrollHeight > el.clientHeight) return el;
  }
  return undefined;
}

/**
 * The name of the list the page shows (its `entityTitle` heading), or the document's title; at
 * most `SEEN_NAME_MAX_LENGTH` (200) characters, the limit of every message that carries it.
 */
export function listName(doc: Document): string {
  const heading = doc.querySelector('[data-testid="entityTitle"]')?.textContent.trim();
  return (heading && heading !== '' ? heading : doc.title).slice(0, MAX_NAME);
}
