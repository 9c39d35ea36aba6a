import { trackIdFromUrl, type TrackId } from './track-id';

/**
 * Everything the extension knows about open.spotify.com's markup, in one place
 * (shared/notes/platform.md, "open.spotify.com page structure"). Only `data-testid`, ARIA roles
 * and link shapes are used: class names are hashed and change with every Spotify release.
 */

/** A track row of any track list (playlist, album, search results, queue). */
export const TRACK_ROW_SELECTOR = 'div[data-testid="tracklist-row"]';
/** The row's link to its track; the fallback covers rows without the test id. */
export const TRACK_LINK_SELECTORS = ['a[data-testid="internal-track-link"]', 'a[href*="/track/"]'] as const;

/** A track row found on the page. */
export interface TrackRow {
  readonly row: HTMLElement;
  /** The track link; the badge goes right after it, next to the title. */
  readonly link: HTMLAnchorElement;
  readonly trackId: TrackId;
  /** The title as the link shows it (empty when the link has no text). */
  readonly name: string;
  /** Names of the row's artist links (`a[href*="/artist/"]`), in order; may be empty. */
  readonly artists: string[];
}

/** Artist links inside a row. */
export const ARTIST_LINK_SELECTOR = 'a[href*="/artist/"]';

/**
 * Finds every track row under `root` that has a link to a valid `/track/<id>`. Rows without one
 * (podcast episodes, local files, markup we do not recognise) are skipped, never thrown on.
 * The same element may carry a different track on the next call: Spotify's lists are virtualized
 * and reuse row elements, so callers key by `trackId`, not by element.
 */
export function scanTrackRows(root: ParentNode): TrackRow[] {
  const rows: TrackRow[] = [];
  for (const row of root.querySelectorAll<HTMLElement>(TRACK_ROW_SELECTOR)) {
    const link = findTrackLink(row);
    const trackId = link ? trackIdFromUrl(link.getAttribute('href') ?? '') : undefined;
    if (link && trackId) {
      const artists = [...row.querySelectorAll(ARTIST_LINK_SELECTOR)].map((a) => a.textContent.trim()).filter((a) => a !== '');
      rows.push({ row, link, trackId, name: link.textContent.trim(), artists });
    }
  }
  return rows;
}

function findTrackLink(row: Element): HTMLAnchorElement | undefined {
  for (const selector of TRACK_LINK_SELECTORS) {
    for (const a of row.querySelectorAll<HTMLAnchorElement>(selector)) {
      if (trackIdFromUrl(a.getAttribute('href') ?? '')) return a;
    }
  }
  return undefined;
}
