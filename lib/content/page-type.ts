import { readTrackRow, TRACK_ROW_SELECTOR, type TrackRow } from './spotify-dom';

/**
 * Page types of open.spotify.com that list tracks (shared/notes/platform.md, "Page types with
 * track rows"). Each lives in its own module under `pages/`; page features declare which types
 * they run on (see `features.ts`). The now-playing bar is on every page and is not a page type.
 */

/** Identifier of a page type. */
export type PageTypeId = 'playlist' | 'album' | 'liked-songs' | 'artist' | 'search' | 'queue';

/** One page type: which paths it is, and where its track rows are. */
export interface PageType {
  readonly id: PageTypeId;
  /** Whether `path` (a pathname without its locale prefix, see {@link pagePath}) is this page type. */
  matches(path: string): boolean;
  /** The track rows the page lists, in document order (never rows of the now-playing bar or the sidebars). */
  trackRows(doc: ParentNode): TrackRow[];
  /**
   * For pages that are one list of tracks (playlist, album, Liked Songs): the list's grid element,
   * which carries `aria-rowcount` (header row counted) and above which the occasion panel goes;
   * `undefined` while it is not drawn.
   */
  trackList?(doc: ParentNode): HTMLElement | undefined;
}

/** The first element matching one of `lists` (selectors, most specific first) outside the sidebars and the now-playing bar. */
export function firstList(doc: ParentNode, lists: readonly string[]): HTMLElement | undefined {
  for (const selector of lists) {
    for (const list of doc.querySelectorAll<HTMLElement>(selector)) if (!list.closest(OUTSIDE_PAGE)) return list;
  }
  return undefined;
}

/**
 * The pathname without Spotify's locale prefix (`/intl-de/playlist/…` → `/playlist/…`), so
 * page types match every locale.
 */
export function pagePath(pathname: string): string {
  return pathname.replace(/^\/intl-[a-z]{2}(?:-[A-Za-z]{2,4})?(?=\/|$)/, '') || '/';
}

/** The page type of `pathname` among `types`, or `undefined` for pages without track lists (home, browse, …). */
export function pageTypeOf(pathname: string, types: readonly PageType[]): PageType | undefined {
  const path = pagePath(pathname);
  return types.find((t) => t.matches(path));
}

/** Parts of the app whose rows are not the page's list: the sidebars and the now-playing bar. */
const OUTSIDE_PAGE = 'nav, aside, [data-testid="now-playing-bar"]';

function readRows(rows: Iterable<HTMLElement>): TrackRow[] {
  const out: TrackRow[] = [];
  for (const row of rows) {
    if (row.closest(OUTSIDE_PAGE)) continue;
    const found = readTrackRow(row);
    if (found) out.push(found);
  }
  return out;
}

/**
 * The track rows inside the first of `lists` (selectors of list containers, most specific first)
 * that is on the page; when none is, every track row of the main view. Rows keep one shape on
 * every page type, so the fallback still finds them if Spotify renames a container.
 */
export function rowsInLists(doc: ParentNode, lists: readonly string[]): TrackRow[] {
  for (const selector of lists) {
    const containers = doc.querySelectorAll(selector);
    if (containers.length === 0) continue;
    const rows = new Set<HTMLElement>();
    for (const c of containers) for (const row of c.querySelectorAll<HTMLElement>(TRACK_ROW_SELECTOR)) rows.add(row);
    return readRows(rows);
  }
  return readRows(doc.querySelectorAll<HTMLElement>(TRACK_ROW_SELECTOR));
}

/**
 * The list a page shows, as Spotify's Web API names it (issue 12): a playlist or an album by the
 * ID in its path, or Liked Songs; `undefined` for other page types or a path without an ID.
 */
export function apiListOf(pageType: PageTypeId, pathname: string): { kind: 'playlist' | 'album'; id: string } | { kind: 'liked' } | undefined {
  const path = pagePath(pathname);
  if (pageType === 'liked-songs') return { kind: 'liked' };
  const match = /^\/(playlist|album)\/([0-9A-Za-z]+)\/?$/.exec(path);
  const kind = match?.[1];
  if ((kind !== 'playlist' && kind !== 'album') || kind !== pageType) return undefined;
  return { kind, id: match?.[2] ?? '' };
}
