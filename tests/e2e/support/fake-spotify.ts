/**
 * A small fake of the Spotify web app (open.spotify.com), served at real
 * `https://open.spotify.com/…` URLs through Playwright routing, so that the extension can be
 * tested per page type. Every markup fact it shows comes from shared/notes/platform.md, section
 * "open.spotify.com page structure" (each one is cited where it is drawn):
 *
 * - an app shell: a left sidebar (`nav`, its own `[data-overlayscrollbars-viewport]`, library
 *   links to `/playlist/…` but no track rows), the main view whose scrolling element is the parent
 *   of `.main-view-container__scroll-node-child`, and the now-playing bar on every page;
 * - track rows `div[data-testid="tracklist-row"]` inside `[role="row"][aria-rowindex]` inside
 *   `div[role="presentation"]` wrappers, cells `[role="gridcell"][aria-colindex]`, the title link
 *   `a[data-testid="internal-track-link"][href="/track/<id>"]`, hashed class names only;
 * - virtualization like Spotify: a fixed pool of row elements reused while scrolling (links,
 *   titles, artists, explicit labels and durations rewritten in place), optionally
 *   `[data-testid="tracklist-row-placeholder"]` rows for a moment;
 * - page types playlist, album, Liked Songs, artist, search (both forms) and queue, and a home
 *   page `/` without track lists (reached only by in-app navigation, {@link FakeSpotifyApi.navigateHome});
 * - SPA navigation with `history.pushState`, no reload.
 *
 * The page itself is drawn in the page by {@link fakeSpotifyApp}, a self-contained function
 * serialized into the HTML (so it is type-checked and linted here); the stylesheet, with hashed
 * class names, is generated here. Everything is deterministic: no randomness, no clock except the
 * optional placeholder delay.
 */

/** A track listed on a fake page (and the shape the page-world hooks accept). */
export interface PageTrack {
  /** Spotify track ID (22 base62 characters for real IDs; any string is drawn as given). */
  readonly id: string;
  readonly title: string;
  /** Name of the first (main) artist. */
  readonly artist: string;
  /** Further artists after {@link PageTrack.artist}, each drawn as its own `/artist/` link. */
  readonly featuring?: readonly string[];
  /** Drawn with Spotify's explicit label ("E") when true. */
  readonly explicit?: boolean;
  /**
   * Duration in milliseconds, shown in the row's last cell like Spotify (`m:ss`, `h:mm:ss` from an
   * hour on, whole seconds rounded down); `null` = the row shows no duration (the cell is empty);
   * default a deterministic 2:00–5:59 derived from the ID.
   */
  readonly durationMs?: number | null;
  /** Album name; default the title. */
  readonly album?: string;
}

/** The page types the fake can draw (platform.md, "Page types with track rows"). */
export type PageKind = 'playlist' | 'album' | 'liked' | 'artist' | 'search' | 'search-tracks' | 'queue';

/**
 * One page of the fake app. `tracks` are the page's tracks in list order; what each page type
 * draws of them:
 * - `playlist` (`/playlist/<id>`), `liked` (`/collection/tracks`), `album` (`/album/<id>`) and
 *   `search-tracks` (`/search/<query>/tracks`): one virtualized list of all of them (1,000+ fine);
 * - `artist` (`/artist/<id>`): the "Popular" section, all of them (1 to {@link ARTIST_POPULAR_MAX});
 * - `search` (`/search/<query>`): the Songs section, the first {@link SEARCH_SONGS_ROWS};
 * - `queue` (`/queue`): the first is "Now playing", the rest "Next in queue".
 */
export type PageSpec =
  | { readonly kind: 'playlist'; readonly id: string; readonly name: string; readonly tracks: readonly PageTrack[] }
  | { readonly kind: 'album'; readonly id: string; readonly name: string; readonly tracks: readonly PageTrack[] }
  | { readonly kind: 'liked'; readonly tracks: readonly PageTrack[] }
  | { readonly kind: 'artist'; readonly id: string; readonly name: string; readonly tracks: readonly PageTrack[] }
  | { readonly kind: 'search'; readonly query: string; readonly tracks: readonly PageTrack[] }
  | { readonly kind: 'search-tracks'; readonly query: string; readonly tracks: readonly PageTrack[] }
  | { readonly kind: 'queue'; readonly tracks: readonly PageTrack[] };

/** How the now-playing bar's `a[data-testid="context-link"]` carries the track URI in its query. */
export type UriEncoding = 'encoded' | 'plain';

/** Behaviour switches of the fake app; every field is optional (defaults in brackets). */
export interface FakeSpotifyOptions {
  /** Track in the now-playing bar; `null` = nothing playing [`null`; the queue page: its first track]. */
  readonly nowPlaying?: PageTrack | null;
  /** `encoded`: `?uri=spotify%3Atrack%3A<id>`; `plain`: `?uri=spotify:track:<id>` [`encoded`]. */
  readonly nowPlayingUri?: UriEncoding;
  /** Where the now-playing title link points: the track's album page or `/track/<id>` [`album`]. */
  readonly nowPlayingTitleHref?: 'album' | 'track';
  /**
   * Which pool element draws which list position: `modulo` = position `i` is always drawn by pool
   * element `i % size` (elements moved in the DOM to stay in order); `window` = element `k` draws
   * the `k`-th rendered position, so every element changes track on every one-row scroll [`modulo`].
   */
  readonly rowReuse?: 'modulo' | 'window';
  /** Number of row elements of a virtualized list (more when the viewport needs them) [{@link ROW_POOL_SIZE}]. */
  readonly rowPoolSize?: number;
  /** A newly drawn list position shows `[data-testid="tracklist-row-placeholder"]` for this many ms first [0: never]. */
  readonly placeholderMs?: number;
  /** When a virtualized list redraws after a scroll: in the next animation frame, or in the scroll event [`animation-frame`]. */
  readonly renderOn?: 'animation-frame' | 'scroll';
  /**
   * In-app navigation keeps the row elements (with whatever was inserted into them) and reuses
   * them for the next page, as React may; otherwise old rows are removed with the old page [false].
   */
  readonly reuseRowsAcrossNavigation?: boolean;
  /**
   * The title grid's `badges` area: `explicit-only` = only explicit tracks have an element there
   * (the label itself); `always` = an always-present `span` in the area holds the label when
   * explicit (a variant seen in a public Spotify stand-in; see the layout comment) [`explicit-only`].
   */
  readonly badgeArea?: 'explicit-only' | 'always';
  /**
   * Where the cover images' `src` points: `data-svg` = an inline `data:image/svg+xml` URL per
   * album (no request); `https` = an `https://i.scdn.co/image/…` URL per album and size, of the
   * shape Spotify's page and Web API give: `ab67616d0000`, a size code (`4851` 64 px, `1e02` 300
   * px, `b273` 640 px JPEG; as listed in the public gist soulsoiledit/8c258233419a299f093b083eb4f427ca)
   * and a 24-hex image ID. `SpotifyPage.serve` (tests/e2e/pages/spotify-page.ts) answers those
   * with one PNG [`data-svg`].
   */
  readonly covers?: 'data-svg' | 'https';
  /** Salt of the hashed class names, to show nothing depends on them [`spotify`]. */
  readonly classSalt?: string;
  /** Further pages the app knows: clicking a link to one of their paths navigates in app. */
  readonly routes?: readonly PageSpec[];
}

/** Row height in px (Spotify's `--row-height`), and the default number of row elements of a list (about 20, like Spotify). */
export const ROW_HEIGHT = 56;
export const ROW_POOL_SIZE = 20;
/** `aria-rowindex` of list position 0 on a playlist page: ARIA row indices are 1-based and the header is row 1. */
export const FIRST_TRACK_ROW_INDEX = 2;
/** Height in px of a list's sticky header row. */
export const HEADER_ROW_HEIGHT = 36;
/** The artist page's Popular section shows at most this many tracks. */
export const ARTIST_POPULAR_MAX = 10;
/** The search page's Songs section shows this many rows. */
export const SEARCH_SONGS_ROWS = 4;
/** Origin of every fake page. */
export const SPOTIFY_ORIGIN = 'https://open.spotify.com';
/** Origin of Spotify's cover images (the `url` of the Web API's image objects, e.g. `https://i.scdn.co/image/ab67616d0000b273…`). */
export const COVER_ORIGIN = 'https://i.scdn.co';

/**
 * `aria-rowindex` of a page type's first track row (list position 0): 2 below a header row
 * (playlist, Liked Songs, album), 1 where there is none (search lists, per platform.md; the
 * artist's Popular rows; each of the queue's two lists).
 */
export function firstTrackRowIndex(kind: PageKind): number {
  return kind === 'playlist' || kind === 'liked' || kind === 'album' ? 2 : 1;
}

/** Path of a page, e.g. `/playlist/<id>`, `/search/<query, URL-encoded>/tracks`, `/queue`. */
export function pagePath(spec: PageSpec): string {
  switch (spec.kind) {
    case 'playlist':
      return '/playlist/' + spec.id;
    case 'album':
      return '/album/' + spec.id;
    case 'liked':
      return '/collection/tracks';
    case 'artist':
      return '/artist/' + spec.id;
    case 'search':
      return '/search/' + encodeURIComponent(spec.query);
    case 'search-tracks':
      return '/search/' + encodeURIComponent(spec.query) + '/tracks';
    case 'queue':
      return '/queue';
  }
}

/** Full URL of a page on {@link SPOTIFY_ORIGIN}. */
export function pageUrl(spec: PageSpec): string {
  return SPOTIFY_ORIGIN + pagePath(spec);
}

/** The document title Spotify gives a page. */
export function pageTitle(spec: PageSpec): string {
  switch (spec.kind) {
    case 'playlist':
      return spec.name + ' | Spotify Playlist';
    case 'album':
      return spec.name + ' | Spotify';
    case 'liked':
      return 'Spotify – Liked Songs';
    case 'artist':
      return spec.name + ' | Spotify';
    case 'search':
    case 'search-tracks':
      return 'Spotify – Search';
    case 'queue':
      return 'Spotify – Play Queue';
  }
}

/** A track reduced to the fields the page draws (fixtures may carry more, such as audio features). */
export function pageTrackData(track: PageTrack): PageTrack {
  const { id, title, artist, featuring, explicit, durationMs, album } = track;
  return { id, title, artist, featuring, explicit, durationMs, album };
}

/** A page spec with its tracks reduced by {@link pageTrackData} and checked (artist: 1 to 10 tracks). */
export function pageSpecData(spec: PageSpec): PageSpec {
  if (spec.kind === 'artist' && (spec.tracks.length < 1 || spec.tracks.length > ARTIST_POPULAR_MAX)) {
    throw new Error(`an artist page shows 1 to ${ARTIST_POPULAR_MAX} popular tracks, not ${spec.tracks.length}`);
  }
  return { ...spec, tracks: spec.tracks.map(pageTrackData) };
}

/** Where a track row is: its list position (0-based, over the page's tracks) and the section it is in. */
export interface RowPlace {
  readonly position: number;
  /** `tracklist` (the virtualized list), `popular` (artist), `songs` (search), `now-playing` or `next-in-queue` (queue). */
  readonly section: string;
}

/**
 * The hooks the fake installs in the page as `window.fakeSpotify` (also `window.fakeSpotifyNavigate`
 * and `window.fakeSpotifySetNowPlaying`). For page objects, through `page.evaluate`.
 */
export interface FakeSpotifyApi {
  /** Switches to another page in app: `history.pushState`, old page unmounted, new one drawn, no reload. */
  navigate(spec: PageSpec): void;
  /**
   * Switches in app to the home page `/`, a page without track lists (shelves of cards only):
   * `history.pushState`, old page unmounted, no reload. Back navigation returns to the list page.
   */
  navigateHome(): void;
  /** Changes the now-playing bar's track the way React would (links and texts rewritten in place), or empties it. */
  setNowPlaying(track: PageTrack | null, uri?: UriEncoding): void;
  /** The main view's scrolling element (the parent of `.main-view-container__scroll-node-child`). */
  scroller(): HTMLElement;
  /** Scrolls so that list position `position` is at the top of the viewport (below a sticky header). */
  scrollToPosition(position: number): void;
  /** Whether list position `position` is drawn: its row exists, is no placeholder, and links to its track. */
  isDrawn(position: number): boolean;
  /** List position and section of a track row (any element inside its `[role="row"]`), or null. */
  positionOf(element: Element): RowPlace | null;
  /** Track ID at list position `position` of the current page, or null. */
  trackIdAt(position: number): string | null;
  /** Number of list positions of the current page. */
  listLength(): number;
  /** Whether a redraw or a placeholder is still pending. */
  busy(): boolean;
  /** Calls `listener` after every redraw the fake performs (after the microtasks queued so far); returns an unsubscribe function. */
  onRender(listener: () => void): () => void;
  /** Number of redraws so far. */
  renderCount(): number;
}

/** The page's `window` as seen by page objects. */
export interface FakeSpotifyWindow {
  readonly fakeSpotify: FakeSpotifyApi;
  readonly fakeSpotifyNavigate: (spec: PageSpec) => void;
  readonly fakeSpotifySetNowPlaying: (track: PageTrack | null, uri?: UriEncoding) => void;
}

type ClassKey = (typeof CLASS_KEYS)[number];
type ClassMap = Readonly<Record<ClassKey, string>>;

/** Options with every default filled in, as the page receives them. */
interface ResolvedOptions {
  readonly nowPlaying: PageTrack | null;
  readonly nowPlayingUri: UriEncoding;
  readonly nowPlayingTitleHref: 'album' | 'track';
  readonly rowReuse: 'modulo' | 'window';
  readonly rowPoolSize: number;
  readonly placeholderMs: number;
  readonly renderOn: 'animation-frame' | 'scroll';
  readonly reuseRowsAcrossNavigation: boolean;
  readonly badgeArea: 'explicit-only' | 'always';
  readonly covers: 'data-svg' | 'https';
}

/** What {@link fakeSpotifyApp} is started with. */
interface AppConfig {
  readonly spec: PageSpec;
  readonly routes: readonly PageSpec[];
  readonly options: ResolvedOptions;
  readonly cls: ClassMap;
  readonly rowHeight: number;
  readonly headerHeight: number;
  /** {@link COVER_ORIGIN}, for the `https` covers (the page script cannot import it). */
  readonly coverOrigin: string;
}

const CLASS_KEYS = [
  'root', 'topBar', 'homeButton', 'searchForm', 'searchInput', 'avatar',
  'nav', 'libHeader', 'chips', 'chip', 'chipActive', 'libScroll', 'libList', 'libItem', 'libCover', 'libText', 'libName', 'libMeta',
  'mainView', 'mainScroll', 'main', 'hero', 'heroCover', 'heroRound', 'heroText', 'heroType', 'heroTitle', 'heroMeta', 'actionBar', 'playButton', 'content',
  'grid', 'headerSticky', 'headerRow', 'columnHeader', 'listBody', 'rowsBlock', 'rowWrap', 'row', 'cols3', 'cols4', 'cols5',
  'cell', 'indexCell', 'titleCell', 'endCell', 'subdued', 'cover', 'titleGrid', 'titleLink', 'titleText', 'explicit', 'badgesSlot', 'subtitle',
  'rowButton', 'duration', 'placeholder', 'skeleton',
  'section', 'sectionTitle', 'shelf', 'card', 'cardCover', 'cardRound', 'cardTitle', 'cardMeta', 'searchTop', 'topResult', 'seeMore',
  'nowBar', 'nowLeft', 'nowCenter', 'nowRight', 'widget', 'widgetCover', 'widgetGrid', 'widgetTitle', 'widgetSubtitle', 'controls', 'controlButton', 'playPause', 'progress', 'progressTime', 'progressBar',
] as const;

/** A Spotify-like hashed class name (20 characters) for `name`, stable for a salt. */
function hashedClassName(name: string, salt: string): string {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const alphabet = letters + '0123456789_';
  let h = 2166136261;
  for (const ch of `${salt}:${name}`) h = Math.imul(h ^ (ch.codePointAt(0) ?? 0), 16777619) >>> 0;
  let out = letters.charAt(h % letters.length);
  for (let i = 1; i < 20; i++) {
    h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 3266489909) >>> 0;
    h = (h ^ (h >>> 16) ^ i) >>> 0;
    out += alphabet.charAt(h % alphabet.length);
  }
  return out;
}

function classMap(salt: string): ClassMap {
  const entries = CLASS_KEYS.map((key) => [key, hashedClassName(key, salt)] as const);
  return Object.fromEntries(entries) as Record<ClassKey, string>;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON for inside a `<script>`: no `<` (so no `</script>`), no line separators. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The app's stylesheet: Spotify's dark layout, every rule on a hashed class name. */
function stylesheet(c: ClassMap): string {
  const h = ROW_HEIGHT;
  return `
:root { color-scheme: dark; }
html, body { margin: 0; height: 100%; background: #000; color: #fff; overflow: hidden;
  font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", sans-serif; font-size: 16px; }
a { color: inherit; text-decoration: none; }
a:hover { text-decoration: underline; }
button { font: inherit; color: inherit; background: none; border: 0; padding: 0; cursor: pointer; }
.${c.root} { display: grid; height: 100vh; box-sizing: border-box; padding: 0 8px; gap: 8px;
  grid-template-areas: "top top" "nav main" "now now"; grid-template-columns: 240px minmax(0, 1fr); grid-template-rows: 56px minmax(0, 1fr) 72px; }
.${c.topBar} { grid-area: top; display: flex; align-items: center; gap: 8px; justify-content: center; position: relative; }
.${c.homeButton} { width: 48px; height: 48px; border-radius: 50%; background: #1f1f1f; display: grid; place-items: center; }
.${c.searchForm} { width: min(474px, 50%); }
.${c.searchInput} { box-sizing: border-box; width: 100%; height: 48px; border-radius: 24px; border: 0; background: #1f1f1f; color: #fff; padding: 0 20px; font: inherit; font-size: 16px; }
.${c.avatar} { position: absolute; right: 8px; width: 32px; height: 32px; border-radius: 50%; background: #f573a0; color: #000; font-weight: 700; font-size: 14px; }
.${c.nav} { grid-area: nav; background: #121212; border-radius: 8px; display: flex; flex-direction: column; min-height: 0; overflow: hidden; }
.${c.libHeader} { padding: 16px 16px 8px; font-weight: 700; font-size: 16px; margin: 0; }
.${c.chips} { display: flex; gap: 8px; padding: 8px 16px; }
.${c.chip} { background: #2a2a2a; border-radius: 16px; padding: 4px 12px; font-size: 14px; line-height: 24px; white-space: nowrap; }
.${c.chipActive} { background: #fff; color: #000; }
.${c.libScroll} { flex: 1; min-height: 0; overflow-y: auto; padding: 0 8px 8px; }
.${c.libList} { display: flex; flex-direction: column; }
.${c.libItem} { display: flex; gap: 12px; align-items: center; padding: 8px; border-radius: 6px; }
.${c.libItem}:hover { background: #1a1a1a; text-decoration: none; }
.${c.libCover} { width: 48px; height: 48px; border-radius: 4px; flex: none; }
.${c.libText} { display: flex; flex-direction: column; min-width: 0; }
.${c.libName} { font-size: 16px; line-height: 24px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.${c.libMeta} { font-size: 14px; line-height: 20px; color: #b3b3b3; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.${c.mainView} { grid-area: main; background: #121212; border-radius: 8px; overflow: hidden; min-height: 0; position: relative; }
.main-view-container, .main-view-container__scroll-node { height: 100%; }
.${c.mainScroll} { height: 100%; overflow-y: auto; overflow-x: hidden; }
.${c.main} { display: block; min-height: 100%; padding-bottom: 48px; }
.${c.hero} { display: flex; align-items: flex-end; gap: 24px; padding: 24px; min-height: 200px; box-sizing: border-box; }
.${c.heroCover} { width: 192px; height: 192px; border-radius: 4px; box-shadow: 0 4px 60px rgba(0,0,0,.5); flex: none; }
.${c.heroRound} { border-radius: 50%; }
.${c.heroText} { display: flex; flex-direction: column; gap: 8px; min-width: 0; }
.${c.heroType} { font-size: 14px; font-weight: 700; }
.${c.heroTitle} { margin: 0; font-size: 56px; line-height: 1.1; font-weight: 900; letter-spacing: -0.04em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.${c.heroMeta} { font-size: 14px; color: #e0e0e0; }
.${c.actionBar} { display: flex; align-items: center; gap: 24px; padding: 24px; }
.${c.playButton} { width: 56px; height: 56px; border-radius: 50%; background: #1ed760; color: #000; display: grid; place-items: center; }
.${c.content} { padding: 0 24px; }
.${c.grid} { position: relative; }
.${c.headerSticky} { position: sticky; top: 0; z-index: 2; background: #121212; margin: 0 -24px 8px; padding: 0 24px; border-bottom: 1px solid rgba(255,255,255,.1); }
.${c.headerRow} { display: grid; height: ${HEADER_ROW_HEIGHT - 1}px; align-items: center; padding: 0 16px; column-gap: 16px; color: #b3b3b3; font-size: 14px; }
.${c.columnHeader} { min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.${c.listBody} { position: relative; }
.${c.rowWrap} { display: block; }
.${c.row} { display: grid; height: ${h}px; box-sizing: border-box; padding: 0 16px; column-gap: 16px; align-items: center; border-radius: 4px; }
.${c.row}:hover { background: rgba(255,255,255,.1); }
.${c.cols5} { grid-template-columns: [index] 16px [first] minmax(120px, 6fr) [var1] minmax(120px, 4fr) [var2] minmax(120px, 3fr) [last] minmax(120px, 1fr); }
.${c.cols4} { grid-template-columns: [index] 16px [first] minmax(120px, 6fr) [var1] minmax(120px, 4fr) [last] minmax(120px, 1fr); }
.${c.cols3} { grid-template-columns: [index] 16px [first] minmax(120px, 4fr) [last] minmax(120px, 1fr); }
.${c.cell} { display: flex; align-items: center; min-width: 0; font-size: 14px; line-height: 20px; color: #b3b3b3; }
.${c.indexCell} { justify-content: flex-end; font-size: 16px; }
.${c.indexCell} button { display: none; }
.${c.row}:hover .${c.indexCell} span { display: none; }
.${c.row}:hover .${c.indexCell} button { display: block; }
.${c.titleCell} { gap: 12px; }
.${c.endCell} { justify-content: flex-end; gap: 16px; }
.${c.subdued} { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; color: #b3b3b3; }
.${c.cover} { width: 40px; height: 40px; border-radius: 4px; flex: none; }
/*
 * The title cell's grid. An assumption from public sources (Spotify clones and Spicetify add-ons,
 * shared/notes/platform.md, "Title cell layout"), not from a captured Spotify stylesheet: to
 * re-check against any real capture. Areas "title title" / "badges subtitle": the title link
 * spans the first line, Spotify's own labels (the explicit "E") sit before the artists on the
 * second. An element added to the grid without a grid area is auto-placed: into the empty
 * "badges" cell when the track has no label there, else into a new implicit third row, which
 * makes the block taller than the row (title 24 px + artists 20 px = 44 px in a 56 px row).
 */
.${c.titleGrid} { display: grid; grid-template: "title title" "badges subtitle" / auto 1fr; column-gap: 8px; align-items: center;
  flex: 1 1 auto; min-width: 0; padding-inline-end: 8px; }
.${c.titleLink} { grid-area: title; justify-self: start; max-width: 100%; min-width: 0; overflow: hidden; color: #fff; font-size: 16px; line-height: 24px; }
.${c.titleText} { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.${c.explicit} { grid-area: badges; justify-self: start; display: inline-flex; align-items: center; justify-content: center; box-sizing: border-box;
  height: 16px; min-width: 16px; padding: 0 3px; border-radius: 2px; background: #b3b3b3; color: #121212;
  font-size: 10.5px; line-height: 16px; font-weight: 700; text-transform: uppercase; user-select: none; }
.${c.badgesSlot} { grid-area: badges; display: inline-flex; align-items: center; }
.${c.badgesSlot} .${c.explicit} { grid-area: auto; }
.${c.subtitle} { grid-area: subtitle; min-width: 0; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; color: #b3b3b3; font-size: 14px; line-height: 20px; }
.${c.rowButton} { width: 16px; height: 16px; color: #b3b3b3; visibility: hidden; }
.${c.row}:hover .${c.rowButton} { visibility: visible; }
.${c.duration} { font-variant-numeric: tabular-nums; min-width: 40px; text-align: right; }
.${c.placeholder} { display: grid; height: ${h}px; box-sizing: border-box; padding: 0 16px; column-gap: 16px; align-items: center; grid-template-columns: 16px 40px 1fr 1fr; }
.${c.skeleton} { height: 12px; border-radius: 6px; background: #2a2a2a; }
.${c.skeleton}:nth-child(2) { height: 40px; border-radius: 4px; }
.${c.section} { padding: 0 24px 24px; }
.${c.sectionTitle} { font-size: 24px; font-weight: 700; margin: 0 0 16px; }
.${c.shelf} { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); grid-auto-rows: min-content; gap: 12px; }
.${c.card} { display: flex; flex-direction: column; gap: 8px; padding: 12px; border-radius: 6px; background: #181818; min-width: 0; }
.${c.cardCover} { width: 100%; aspect-ratio: 1; border-radius: 6px; }
.${c.cardRound} { border-radius: 50%; }
.${c.cardTitle} { font-size: 16px; line-height: 24px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.${c.cardMeta} { font-size: 14px; line-height: 20px; color: #b3b3b3; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.${c.searchTop} { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); gap: 24px; padding: 0 24px 24px; }
.${c.topResult} { display: flex; flex-direction: column; gap: 20px; padding: 20px; border-radius: 8px; background: #181818; }
.${c.seeMore} { color: #b3b3b3; font-size: 14px; font-weight: 700; padding: 16px; }
.${c.nowBar} { grid-area: now; display: grid; grid-template-columns: minmax(180px, 30%) minmax(0, 40%) minmax(180px, 30%); align-items: center; min-width: 0; }
.${c.nowLeft} { min-width: 0; }
.${c.widget} { display: flex; align-items: center; gap: 12px; min-width: 0; padding-left: 8px; }
.${c.widgetCover} { width: 56px; height: 56px; border-radius: 4px; display: block; }
.${c.widgetGrid} { font-size: 14px; }
.${c.widgetTitle} { grid-area: title; min-width: 0; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; font-size: 14px; line-height: 22px; }
.${c.widgetSubtitle} { grid-area: subtitle; min-width: 0; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; color: #b3b3b3; font-size: 12px; line-height: 18px; }
.${c.nowCenter} { display: flex; flex-direction: column; align-items: center; gap: 8px; }
.${c.controls} { display: flex; gap: 16px; align-items: center; }
.${c.controlButton} { width: 32px; height: 32px; color: #b3b3b3; display: grid; place-items: center; }
.${c.playPause} { width: 32px; height: 32px; border-radius: 50%; background: #fff; color: #000; display: grid; place-items: center; }
.${c.progress} { display: flex; gap: 8px; align-items: center; width: 100%; }
.${c.progressTime} { font-size: 12px; color: #b3b3b3; min-width: 40px; text-align: center; }
.${c.progressBar} { flex: 1; height: 4px; border-radius: 2px; background: #4d4d4d; }
.${c.nowRight} { display: flex; justify-content: flex-end; padding-right: 8px; color: #b3b3b3; }
`;
}

/**
 * HTML of a page of the fake app (see {@link PageSpec} and {@link FakeSpotifyOptions}). Serve it
 * at {@link pageUrl}(spec); the page draws itself with the script it carries.
 */
export function spotifyPageHtml(spec: PageSpec, options: FakeSpotifyOptions = {}): string {
  const data = pageSpecData(spec);
  const cls = classMap(options.classSalt ?? 'spotify');
  const resolved: ResolvedOptions = {
    nowPlaying: options.nowPlaying !== undefined ? options.nowPlaying && pageTrackData(options.nowPlaying) : data.kind === 'queue' ? (data.tracks[0] ?? null) : null,
    nowPlayingUri: options.nowPlayingUri ?? 'encoded',
    nowPlayingTitleHref: options.nowPlayingTitleHref ?? 'album',
    rowReuse: options.rowReuse ?? 'modulo',
    rowPoolSize: options.rowPoolSize ?? ROW_POOL_SIZE,
    placeholderMs: options.placeholderMs ?? 0,
    renderOn: options.renderOn ?? 'animation-frame',
    reuseRowsAcrossNavigation: options.reuseRowsAcrossNavigation ?? false,
    badgeArea: options.badgeArea ?? 'explicit-only',
    covers: options.covers ?? 'data-svg',
  };
  const config: AppConfig = { spec: data, routes: (options.routes ?? []).map(pageSpecData), options: resolved, cls, rowHeight: ROW_HEIGHT, headerHeight: HEADER_ROW_HEIGHT, coverOrigin: COVER_ORIGIN };
  return `<!doctype html>
<html lang="en" dir="ltr"><head><meta charset="utf-8"><title>${escapeHtml(pageTitle(spec))}</title>
<style>${stylesheet(cls)}</style></head>
<body><div id="main"></div>
<script>
${pagePath.toString()}
${firstTrackRowIndex.toString()}
${pageTitle.toString()}
(${fakeSpotifyApp.toString()})(${scriptJson(config)});
</script>
</body></html>`;
}

/** HTML of a virtualized playlist page listing `tracks` (a {@link spotifyPageHtml} playlist page). */
export function playlistPageHtml(name: string, tracks: readonly PageTrack[], id = '37i9dQZF1DXcBWIGoYBM5M', options: FakeSpotifyOptions = {}): string {
  return spotifyPageHtml({ kind: 'playlist', id, name, tracks }, options);
}

// ---------------------------------------------------------------------------------------------
// The page-world app. Runs in the page, serialized with Function.prototype.toString: it must not
// use anything from this module's scope at run time except `pagePath`, `firstTrackRowIndex` and
// `pageTitle`, which are serialized next to it. Types are erased, so using them is fine.
// ---------------------------------------------------------------------------------------------

/** A track as drawn: derived IDs and texts filled in. */
interface TrackView {
  readonly id: string;
  readonly title: string;
  readonly artists: readonly { readonly id: string; readonly name: string }[];
  readonly explicit: boolean;
  readonly duration: string;
  readonly album: { readonly id: string; readonly name: string };
  readonly plays: string;
  readonly cover: string;
  /** "Title by Artist, Artist" for accessible names. */
  readonly label: string;
}

type Column = 'index' | 'title' | 'album' | 'added' | 'plays' | 'duration';

/** The elements of one row, kept so a redraw rewrites them in place. */
interface RowRefs {
  readonly rowEl: HTMLElement;
  readonly trackRow: HTMLElement;
  readonly titleCell: HTMLElement;
  readonly grid: HTMLElement;
  readonly link: HTMLAnchorElement;
  readonly titleText: HTMLElement;
  readonly subtitle: HTMLElement;
  readonly slot: HTMLElement | null;
  cover: HTMLImageElement | null;
  explicit: HTMLElement | null;
  layout: string;
  cells: { readonly index: HTMLElement; readonly play: HTMLElement; readonly album: HTMLAnchorElement | null; readonly text: HTMLElement | null; readonly duration: HTMLElement; readonly buttons: HTMLElement[] } | null;
  placeholder: HTMLElement | null;
  trackId: string | null;
  position: number;
  kind: PageKind | null;
}

/** A mounted virtualized list. */
interface VirtualList {
  readonly kind: PageKind;
  readonly tracks: readonly TrackView[];
  readonly body: HTMLElement;
  readonly block: HTMLElement;
  readonly header: boolean;
  readonly pool: RowRefs[];
  size: number;
}

/** The page currently drawn. */
interface Mounted {
  readonly spec: PageSpec;
  readonly section: HTMLElement;
  readonly tracks: readonly TrackView[];
  readonly list: VirtualList | null;
  /** Rows of the non-virtualized sections, by list position. */
  readonly staticRows: Map<number, RowRefs>;
}

function fakeSpotifyApp(config: AppConfig): void {
  const { cls: c, options, rowHeight, headerHeight, coverOrigin } = config;
  const OVERSCAN = 4;
  const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

  // ---- helpers ----------------------------------------------------------------------------
  const hash = (text: string): number => {
    let h = 2166136261;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
    return h;
  };
  /** A 22-character base62 ID derived from `seed` (artists, albums, library items). */
  const fakeId = (seed: string): string => {
    let x = hash(seed);
    let out = '';
    for (let i = 0; i < 22; i++) {
      x = (Math.imul(x ^ (x >>> 13), 1274126177) + i) >>> 0;
      out += BASE62.charAt(x % 62);
    }
    return out;
  };
  const coverSrc = (seed: string, size: number): string => {
    if (options.covers === 'https') {
      // The CDN's JPEG size codes for 64, 300 and 640 px (see FakeSpotifyOptions.covers).
      const prefix = size <= 64 ? 'ab67616d00004851' : size <= 300 ? 'ab67616d00001e02' : 'ab67616d0000b273';
      let id = '';
      for (let i = 0; id.length < 24; i++) id += hash(`cover:${i}:${seed}`).toString(16).padStart(8, '0');
      return `${coverOrigin}/image/${prefix}${id}`;
    }
    const hue = hash(seed) % 360;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 10 10"><rect width="10" height="10" fill="hsl(${hue} 45% 38%)"/><circle cx="7" cy="3" r="2" fill="hsl(${(hue + 40) % 360} 60% 60%)"/></svg>`;
    return 'data:image/svg+xml,' + encodeURIComponent(svg);
  };
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] => {
    const e = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) e.setAttribute(name, value);
    e.append(...children);
    return e;
  };
  /** Sets an attribute only when it changes, as React does. */
  const setAttr = (e: Element, name: string, value: string): void => {
    if (e.getAttribute(name) !== value) e.setAttribute(name, value);
  };
  /** Sets an element's text only when it changes; a lone text node is rewritten in place, as React does. */
  const setText = (e: Element, text: string): void => {
    const only = e.firstChild;
    if (only && only === e.lastChild && only.nodeType === Node.TEXT_NODE) {
      if ((only as Text).data !== text) (only as Text).data = text;
    } else if (e.textContent !== text) {
      e.textContent = text;
    }
  };
  const icon = (path: string, size = 16): SVGSVGElement => {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('viewBox', '0 0 16 16');
    svg.setAttribute('width', String(size));
    svg.setAttribute('height', String(size));
    svg.setAttribute('data-encore-id', 'icon');
    const p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    p.setAttribute('d', path);
    p.setAttribute('fill', 'currentColor');
    svg.append(p);
    return svg;
  };
  const PLAY_PATH = 'M3 1.7v12.6a.7.7 0 0 0 1.05.6l10.9-6.3a.7.7 0 0 0 0-1.2L4.05 1.1A.7.7 0 0 0 3 1.7z';
  const PAUSE_PATH = 'M2.7 1a.7.7 0 0 0-.7.7v12.6a.7.7 0 0 0 .7.7h2.6a.7.7 0 0 0 .7-.7V1.7a.7.7 0 0 0-.7-.7H2.7zm8 0a.7.7 0 0 0-.7.7v12.6a.7.7 0 0 0 .7.7h2.6a.7.7 0 0 0 .7-.7V1.7a.7.7 0 0 0-.7-.7h-2.6z';
  const HEART_PATH = 'M8 14.5 1.9 8.4a3.9 3.9 0 0 1 5.5-5.5L8 3.5l.6-.6a3.9 3.9 0 0 1 5.5 5.5z';
  const DOTS_PATH = 'M3 8a1.5 1.5 0 1 1-3 0 1.5 1.5 0 0 1 3 0zm6.5 0a1.5 1.5 0 1 1-3 0 1.5 1.5 0 0 1 3 0zM16 8a1.5 1.5 0 1 1-3 0 1.5 1.5 0 0 1 3 0z';
  const CLOCK_PATH = 'M8 1.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13zM0 8a8 8 0 1 1 16 0A8 8 0 0 1 0 8zm8-4.25a.75.75 0 0 1 .75.75v3.19l1.78 1.78a.75.75 0 1 1-1.06 1.06L7.25 8.31V4.5A.75.75 0 0 1 8 3.75z';

  const view = (t: PageTrack): TrackView => {
    const names = [t.artist, ...(t.featuring ?? [])];
    const artists = names.map((name) => ({ id: fakeId('artist:' + name), name }));
    const ms = t.durationMs === null ? null : (t.durationMs ?? 120_000 + (hash('duration:' + t.id) % 240_000));
    const seconds = ms === null ? 0 : Math.floor(ms / 1000);
    const two = (n: number): string => String(n).padStart(2, '0');
    const albumName = t.album ?? t.title;
    const albumId = fakeId('album:' + albumName + ':' + t.artist);
    return {
      id: t.id,
      title: t.title,
      artists,
      explicit: t.explicit === true,
      duration:
        ms === null
          ? ''
          : seconds >= 3600
            ? `${Math.floor(seconds / 3600)}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`
            : `${Math.floor(seconds / 60)}:${two(seconds % 60)}`,
      album: { id: albumId, name: albumName },
      plays: (100_000 + (hash('plays:' + t.id) % 900_000_000)).toLocaleString('en-US'),
      cover: coverSrc(albumId, 40),
      label: `${t.title} by ${names.join(', ')}`,
    };
  };

  // ---- app shell ----------------------------------------------------------------------------
  const root = document.getElementById('main') ?? document.body;
  const searchInput = el('input', { 'data-testid': 'search-input', class: c.searchInput, placeholder: 'What do you want to play?', 'aria-label': 'What do you want to play?', type: 'search' });
  const topBar = el(
    'div',
    { class: c.topBar, 'data-testid': 'top-bar' },
    el('a', { href: '/', 'aria-label': 'Home', class: c.homeButton }, icon('M12.5 15V8.8L8 5.4 3.5 8.8V15H6v-4h4v4z', 20)),
    el('form', { role: 'search', class: c.searchForm }, searchInput),
    el('button', { 'data-testid': 'user-widget-link', 'aria-label': 'Profile', class: c.avatar }, 'P'),
  );

  // Left sidebar: its own overlay-scrollbars viewport (platform.md: a bare
  // `[data-overlayscrollbars-viewport]` query returns this one), library links, no track rows.
  const library: { href: string; name: string; meta: string; round?: boolean }[] = [
    { href: '/collection/tracks', name: 'Liked Songs', meta: 'Playlist • 312 songs' },
    { href: '/playlist/' + fakeId('lib:1'), name: 'Discover Weekly', meta: 'Playlist • Spotify' },
    { href: '/playlist/' + fakeId('lib:2'), name: 'Release Radar', meta: 'Playlist • Spotify' },
    { href: '/playlist/' + fakeId('lib:3'), name: 'Evening Run', meta: 'Playlist • You' },
    { href: '/album/' + fakeId('lib:4'), name: 'A Saved Album', meta: 'Album • Someone' },
    { href: '/artist/' + fakeId('lib:5'), name: 'A Followed Artist', meta: 'Artist', round: true },
  ];
  const libraryGrid = el('div', { role: 'grid', 'aria-label': 'Your Library', 'aria-rowcount': String(library.length), 'aria-colcount': '1', class: c.libList });
  library.forEach((item, i) => {
    libraryGrid.append(
      el(
        'div',
        { role: 'row', 'aria-rowindex': String(i + 1), 'aria-selected': 'false' },
        el(
          'div',
          { role: 'gridcell', 'aria-colindex': '1' },
          el(
            'a',
            { href: item.href, class: c.libItem, draggable: 'false' },
            el('img', { src: coverSrc(item.href, 48), alt: '', class: item.round ? `${c.libCover} ${c.cardRound}` : c.libCover, width: '48', height: '48' }),
            el('div', { class: c.libText }, el('span', { class: c.libName }, item.name), el('span', { class: c.libMeta }, item.meta)),
          ),
        ),
      ),
    );
  });
  const nav = el(
    'nav',
    { 'aria-label': 'Main', class: c.nav, id: 'Desktop_LeftSidebar_Id' },
    el('h2', { class: c.libHeader }, 'Your Library'),
    el('div', { class: c.chips, role: 'group' }, el('button', { class: c.chip, role: 'checkbox', 'aria-checked': 'false' }, 'Playlists'), el('button', { class: c.chip, role: 'checkbox', 'aria-checked': 'false' }, 'Artists')),
    el('div', { 'data-overlayscrollbars-initialize': '', style: 'flex: 1; min-height: 0; display: flex; flex-direction: column' }, el('div', { 'data-overlayscrollbars-viewport': 'scrollbarHidden overflowXHidden overflowYScroll', tabindex: '-1', class: c.libScroll }, libraryGrid)),
  );

  // Main view: the scrolling element is the parent of `.main-view-container__scroll-node-child`
  // (platform.md), an overlay-scrollbars viewport like the sidebar's.
  const mainEl = el('main', { class: c.main, tabindex: '-1' });
  const scrollChild = el('div', { class: 'main-view-container__scroll-node-child' }, mainEl);
  const scroller = el('div', { 'data-overlayscrollbars-viewport': 'scrollbarHidden overflowXHidden overflowYScroll', tabindex: '-1', class: c.mainScroll }, scrollChild);
  const mainView = el(
    'div',
    { class: `Root__main-view ${c.mainView}`, id: 'main-view' },
    el('div', { class: 'main-view-container' }, el('div', { class: 'main-view-container__scroll-node', 'data-overlayscrollbars-initialize': '' }, scroller)),
  );

  // Now-playing bar (platform.md): [data-testid="now-playing-bar"] > [data-testid="now-playing-widget"].
  const nowLeft = el('div', { class: c.nowLeft });
  const playPause = el('button', { 'data-testid': 'control-button-playpause', 'aria-label': 'Play', class: c.playPause }, icon(PLAY_PATH));
  const position = el('div', { 'data-testid': 'playback-position', class: c.progressTime }, '0:00');
  const durationEl = el('div', { 'data-testid': 'playback-duration', class: c.progressTime }, '-:--');
  const nowBar = el(
    'aside',
    { 'data-testid': 'now-playing-bar', 'aria-label': 'Now playing bar', class: c.nowBar },
    nowLeft,
    el(
      'div',
      { class: c.nowCenter, 'data-testid': 'player-controls' },
      el(
        'div',
        { class: c.controls },
        el('button', { 'data-testid': 'control-button-shuffle', 'aria-label': 'Enable shuffle', class: c.controlButton }, icon('M2 4h3l6 8h3M2 12h3l6-8h3')),
        el('button', { 'data-testid': 'control-button-skip-back', 'aria-label': 'Previous', class: c.controlButton }, icon('M3 2v12h2V2zm11 0L6 8l8 6z')),
        playPause,
        el('button', { 'data-testid': 'control-button-skip-forward', 'aria-label': 'Next', class: c.controlButton }, icon('M13 2v12h-2V2zM2 2l8 6-8 6z')),
        el('button', { 'data-testid': 'control-button-repeat', 'aria-label': 'Enable repeat', class: c.controlButton }, icon('M3 5h9v3l3-4-3-4v3H2v5h1zm10 6H4V8l-3 4 3 4v-3h10V8h-1z')),
      ),
      el('div', { class: c.progress }, position, el('div', { 'data-testid': 'playback-progressbar', class: c.progressBar }, el('input', { type: 'range', min: '0', max: '0', value: '0', step: '5', 'aria-label': 'Change progress', style: 'display:none' })), durationEl),
    ),
    el('div', { class: c.nowRight }, el('button', { 'aria-label': 'Queue', 'data-testid': 'control-button-queue', class: c.controlButton }, icon('M1 3h14v1.5H1zm0 4h14v1.5H1zm0 4h8v1.5H1z')), el('div', { 'data-testid': 'volume-bar', class: c.progressBar, style: 'width: 93px; flex: none' })),
  );
  root.className = `Root ${c.root}`;
  root.replaceChildren(topBar, nav, mainView, nowBar);

  // ---- explicit label, artists ------------------------------------------------------------------
  const explicitLabel = (): HTMLElement => el('span', { 'aria-label': 'Explicit', title: 'Explicit', role: 'img', 'data-encore-id': 'tagIcon', class: c.explicit }, 'E');
  /** Rewrites a list of artist links in place (same count: attributes and texts only), as React would. */
  const setArtists = (holder: HTMLElement, artists: TrackView['artists'], extra: Record<string, string>): void => {
    const anchors = [...holder.children].filter((e): e is HTMLAnchorElement => e instanceof HTMLAnchorElement);
    if (anchors.length === artists.length && holder.childNodes.length === Math.max(0, artists.length * 2 - 1)) {
      artists.forEach((artist, i) => {
        const a = anchors[i];
        if (!a) return;
        setAttr(a, 'href', '/artist/' + artist.id);
        setText(a, artist.name);
      });
      return;
    }
    const nodes: Node[] = [];
    artists.forEach((artist, i) => {
      if (i > 0) nodes.push(document.createTextNode(', '));
      const a = anchors[i] ?? el('a', { draggable: 'true', dir: 'auto', tabindex: '-1', ...extra });
      setAttr(a, 'href', '/artist/' + artist.id);
      setText(a, artist.name);
      nodes.push(a);
    });
    holder.replaceChildren(...nodes);
  };

  // ---- now playing ---------------------------------------------------------------------------
  let uriEncoding = options.nowPlayingUri;
  interface Widget {
    readonly root: HTMLElement;
    readonly contextLink: HTMLAnchorElement;
    readonly cover: HTMLImageElement;
    readonly grid: HTMLElement;
    readonly titleLink: HTMLAnchorElement;
    readonly subtitles: HTMLElement;
    readonly artists: HTMLElement;
    explicit: HTMLElement | null;
  }
  let widget: Widget | null = null;
  const setNowPlaying = (track: PageTrack | null, uri?: UriEncoding): void => {
    if (uri) uriEncoding = uri;
    if (!track) {
      widget?.root.remove();
      widget = null;
      setAttr(playPause, 'aria-label', 'Play');
      setText(durationEl, '-:--');
      return;
    }
    const t = view(track);
    if (!widget) {
      const contextLink = el('a', { 'data-testid': 'context-link', draggable: 'false' });
      const cover = el('img', { 'data-testid': 'cover-art-image', alt: '', class: c.widgetCover, width: '56', height: '56' });
      contextLink.append(cover);
      const titleLink = el('a', { 'data-testid': 'context-item-link', draggable: 'false' });
      const artists = el('span', { dir: 'auto' });
      const subtitles = el('div', { 'data-testid': 'context-item-info-subtitles', class: c.widgetSubtitle }, artists);
      const grid = el('div', { class: `${c.titleGrid} ${c.widgetGrid}` }, el('div', { 'data-testid': 'context-item-info-title', class: c.widgetTitle, dir: 'auto' }, titleLink), subtitles);
      const w = el(
        'div',
        { 'data-testid': 'now-playing-widget', role: 'group', class: c.widget },
        el('div', { 'data-testid': 'CoverSlotCollapsed__container' }, contextLink),
        grid,
        el('button', { 'data-testid': 'add-button', 'aria-label': 'Add to Liked Songs', class: c.controlButton }, icon(HEART_PATH)),
      );
      widget = { root: w, contextLink, cover, grid, titleLink, subtitles, artists, explicit: null };
      nowLeft.append(w);
    }
    const uriValue = uriEncoding === 'plain' ? 'spotify:track:' + t.id : encodeURIComponent('spotify:track:' + t.id);
    setAttr(widget.root, 'aria-label', 'Now playing: ' + t.label);
    setAttr(widget.contextLink, 'href', `/album/${t.album.id}?uri=${uriValue}`);
    setAttr(widget.contextLink, 'aria-label', 'Now playing: ' + t.label);
    setAttr(widget.cover, 'src', coverSrc(t.album.id, 56));
    setAttr(widget.titleLink, 'href', options.nowPlayingTitleHref === 'track' ? '/track/' + t.id : '/album/' + t.album.id);
    setText(widget.titleLink, t.title);
    if (t.explicit && !widget.explicit) {
      widget.explicit = explicitLabel();
      widget.grid.insertBefore(widget.explicit, widget.subtitles);
    } else if (!t.explicit && widget.explicit) {
      widget.explicit.remove();
      widget.explicit = null;
    }
    setArtists(widget.artists, t.artists, { 'data-testid': 'context-item-info-artist' });
    setAttr(playPause, 'aria-label', 'Pause');
    playPause.replaceChildren(icon(PAUSE_PATH));
    setText(durationEl, t.duration === '' ? '-:--' : t.duration);
  };

  // ---- rows -----------------------------------------------------------------------------------
  const COLUMNS: Record<PageKind, readonly Column[]> = {
    playlist: ['index', 'title', 'album', 'added', 'duration'],
    liked: ['index', 'title', 'album', 'added', 'duration'],
    album: ['index', 'title', 'duration'],
    'search-tracks': ['index', 'title', 'album', 'duration'],
    search: ['index', 'title', 'duration'],
    artist: ['index', 'title', 'plays', 'duration'],
    queue: ['index', 'title', 'album', 'duration'],
  };
  const colsClass = (n: number): string => (n >= 5 ? c.cols5 : n === 4 ? c.cols4 : c.cols3);
  /** Where each track row is (list position, section), by its `[role="row"]` element. */
  const rowPlaces = new WeakMap<Element, RowPlace>();
  /** Row elements kept from the previous page (option reuseRowsAcrossNavigation). */
  let spare: RowRefs[] = [];

  const createRow = (): RowRefs => {
    const titleText = el('div', { dir: 'auto', 'data-encore-id': 'text', class: c.titleText });
    const link = el('a', { 'data-testid': 'internal-track-link', draggable: 'false', tabindex: '-1', class: c.titleLink }, titleText);
    const subtitle = el('span', { 'data-encore-id': 'text', class: c.subtitle });
    const slot = options.badgeArea === 'always' ? el('span', { class: c.badgesSlot, 'data-encore-id': 'text' }) : null;
    const grid = el('div', { class: c.titleGrid }, link, ...(slot ? [slot] : []), subtitle);
    const titleCell = el('div', { role: 'gridcell', 'aria-colindex': '2', tabindex: '-1', class: `${c.cell} ${c.titleCell}` }, grid);
    const trackRow = el('div', { 'data-testid': 'tracklist-row', draggable: 'true', role: 'presentation', class: c.row }, titleCell);
    const rowEl = el('div', { role: 'row', 'aria-selected': 'false', class: c.rowWrap }, trackRow);
    return { rowEl, trackRow, titleCell, grid, link, titleText, subtitle, slot, cover: null, explicit: null, layout: '', cells: null, placeholder: null, trackId: null, position: -1, kind: null };
  };
  const takeRow = (): RowRefs => spare.shift() ?? createRow();

  /** Builds the cells other than the title cell for a page type's columns (kept while the columns stay the same). */
  const setLayout = (refs: RowRefs, kind: PageKind): void => {
    const columns = COLUMNS[kind];
    const key = columns.join(',');
    if (refs.layout === key) return;
    refs.layout = key;
    for (const cell of [...refs.trackRow.children]) if (cell !== refs.titleCell) cell.remove();
    refs.trackRow.className = `${c.row} ${colsClass(columns.length)}`;
    const indexText = el('span', { 'data-encore-id': 'text' });
    const play = el('button', { tabindex: '-1', 'aria-label': 'Play', class: c.rowButton }, icon(PLAY_PATH));
    refs.trackRow.insertBefore(el('div', { role: 'gridcell', 'aria-colindex': '1', tabindex: '-1', class: `${c.cell} ${c.indexCell}` }, el('div', {}, indexText, play)), refs.titleCell);
    let album: HTMLAnchorElement | null = null;
    let text: HTMLElement | null = null;
    const duration = el('div', { 'data-encore-id': 'text', class: `${c.subdued} ${c.duration}` });
    const buttons = [
      el('button', { type: 'button', role: 'switch', 'aria-checked': 'false', 'aria-label': 'Add to Liked Songs', 'data-testid': 'add-button', tabindex: '-1', class: c.rowButton }, icon(HEART_PATH)),
      el('button', { type: 'button', 'aria-haspopup': 'menu', 'aria-label': 'More options', 'data-testid': 'more-button', tabindex: '-1', class: c.rowButton }, icon(DOTS_PATH)),
    ];
    columns.forEach((column, i) => {
      const colindex = String(i + 1);
      if (column === 'album') {
        album = el('a', { draggable: 'true', dir: 'auto', tabindex: '-1', class: c.subdued });
        refs.trackRow.append(el('div', { role: 'gridcell', 'aria-colindex': colindex, tabindex: '-1', class: c.cell }, el('span', { 'data-encore-id': 'text', class: c.subdued }, album)));
      } else if (column === 'added' || column === 'plays') {
        text = el('span', { 'data-encore-id': 'text', class: c.subdued });
        refs.trackRow.append(el('div', { role: 'gridcell', 'aria-colindex': colindex, tabindex: '-1', class: c.cell }, text));
      } else if (column === 'duration') {
        const [add, more] = buttons;
        refs.trackRow.append(el('div', { role: 'gridcell', 'aria-colindex': colindex, tabindex: '-1', class: `${c.cell} ${c.endCell}` }, ...(add ? [add] : []), duration, ...(more ? [more] : [])));
      }
    });
    refs.cells = { index: indexText, play, album, text, duration, buttons };
  };

  /** Draws `t` into a row: everything rewritten in place, the explicit label and cover added or removed as React would. */
  const drawRow = (refs: RowRefs, t: TrackView, kind: PageKind, place: RowPlace, rowIndex: number, shownIndex: number): void => {
    setLayout(refs, kind);
    setAttr(refs.rowEl, 'aria-rowindex', String(rowIndex));
    rowPlaces.set(refs.rowEl, place);
    const withCover = kind !== 'album';
    if (withCover && !refs.cover) {
      refs.cover = el('img', { 'aria-hidden': 'false', draggable: 'false', loading: 'eager', alt: '', width: '40', height: '40', class: c.cover });
      refs.titleCell.insertBefore(refs.cover, refs.grid);
    } else if (!withCover && refs.cover) {
      refs.cover.remove();
      refs.cover = null;
    }
    if (refs.cover) setAttr(refs.cover, 'src', t.cover);
    setAttr(refs.link, 'href', '/track/' + t.id);
    setText(refs.titleText, t.title);
    if (t.explicit && !refs.explicit) {
      refs.explicit = explicitLabel();
      if (refs.slot) refs.slot.append(refs.explicit);
      else refs.grid.insertBefore(refs.explicit, refs.subtitle);
    } else if (!t.explicit && refs.explicit) {
      refs.explicit.remove();
      refs.explicit = null;
    }
    setArtists(refs.subtitle, t.artists, {});
    const cells = refs.cells;
    if (cells) {
      setText(cells.index, String(shownIndex));
      setAttr(cells.play, 'aria-label', 'Play ' + t.label);
      if (cells.album) {
        setAttr(cells.album, 'href', '/album/' + t.album.id);
        setText(cells.album, t.album.name);
      }
      if (cells.text) setText(cells.text, kind === 'artist' ? t.plays : place.position % 27 === 0 ? '1 day ago' : `${(place.position % 27) + 1} days ago`);
      setText(cells.duration, t.duration);
      const more = cells.buttons[1];
      if (more) setAttr(more, 'aria-label', 'More options for ' + t.label);
    }
    refs.trackId = t.id;
    refs.position = place.position;
    refs.kind = kind;
  };

  const showPlaceholder = (refs: RowRefs): void => {
    if (refs.placeholder) return;
    const placeholder = el('div', { 'data-testid': 'tracklist-row-placeholder', class: c.placeholder }, el('div', { class: c.skeleton }), el('div', { class: c.skeleton }), el('div', { class: c.skeleton }), el('div', { class: c.skeleton }));
    refs.rowEl.replaceChild(placeholder, refs.trackRow);
    refs.placeholder = placeholder;
  };
  const hidePlaceholder = (refs: RowRefs): void => {
    if (!refs.placeholder) return;
    refs.rowEl.replaceChild(refs.trackRow, refs.placeholder);
    refs.placeholder = null;
  };

  // ---- render bookkeeping -------------------------------------------------------------------
  const listeners = new Set<() => void>();
  let renders = 0;
  let frame = 0;
  let pendingPlaceholders = 0;
  const rendered = (): void => {
    renders++;
    queueMicrotask(() => {
      for (const listener of [...listeners]) listener();
    });
  };

  let current: Mounted | null = null;

  /** Draws the rows of the virtualized list near the viewport, reusing the pool's elements. */
  const render = (): void => {
    const list = current?.list;
    if (!current || !list) return;
    const n = list.tracks.length;
    const scrollTop = scroller.scrollTop;
    const listTop = list.body.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scrollTop;
    const visible = Math.ceil(scroller.clientHeight / rowHeight) + 1;
    const size = Math.min(n, Math.max(options.rowPoolSize, visible + OVERSCAN));
    if (size !== list.size) {
      // Pool size changed (viewport resized): drop the extra elements, re-map the rest.
      for (const refs of list.pool.splice(size)) refs.rowEl.remove();
      for (const refs of list.pool) refs.position = -1;
      list.size = size;
    }
    const firstVisible = Math.floor((scrollTop - listTop) / rowHeight);
    const first = Math.max(0, Math.min(n - size, firstVisible - OVERSCAN));
    const transform = `translateY(${first * rowHeight}px)`;
    if (list.block.style.transform !== transform) list.block.style.transform = transform;
    const wanted: RowRefs[] = [];
    const firstIndex = firstTrackRowIndex(list.kind);
    for (let k = 0; k < size; k++) {
      const pos = first + k;
      const t = list.tracks[pos];
      if (!t) break;
      const slot = options.rowReuse === 'window' ? k : pos % size;
      let refs = list.pool[slot];
      if (!refs) {
        refs = takeRow();
        list.pool[slot] = refs;
      }
      wanted.push(refs);
      const place: RowPlace = { position: pos, section: 'tracklist' };
      rowPlaces.set(refs.rowEl, place);
      if (refs.position === pos && ((refs.trackId === t.id && refs.kind === list.kind) || refs.placeholder)) continue;
      if (options.placeholderMs > 0) {
        refs.position = pos;
        setAttr(refs.rowEl, 'aria-rowindex', String(pos + firstIndex));
        showPlaceholder(refs);
        pendingPlaceholders++;
        const target = refs;
        const drawnList = list;
        setTimeout(() => {
          pendingPlaceholders--;
          if (current?.list !== drawnList || target.position !== pos) return;
          drawRow(target, t, drawnList.kind, place, pos + firstIndex, pos + 1);
          hidePlaceholder(target);
          rendered();
        }, options.placeholderMs);
      } else {
        drawRow(refs, t, list.kind, place, pos + firstIndex, pos + 1);
      }
    }
    // Keep the DOM in list order (modulo reuse moves elements, as React does with keyed children).
    let prev: Element | null = null;
    for (const refs of wanted) {
      const expected: Element | null = prev ? prev.nextElementSibling : list.block.firstElementChild;
      if (expected !== refs.rowEl) list.block.insertBefore(refs.rowEl, expected);
      prev = refs.rowEl;
    }
    rendered();
  };
  const scheduleRender = (): void => {
    if (options.renderOn === 'scroll') {
      render();
      return;
    }
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      render();
    });
  };
  scroller.addEventListener('scroll', scheduleRender, { passive: true });
  window.addEventListener('resize', scheduleRender);

  // ---- page parts -----------------------------------------------------------------------------
  const hero = (type: string, title: string, meta: string, seed: string, round = false): HTMLElement => {
    const hue = hash(seed) % 360;
    return el(
      'div',
      { class: c.hero, 'data-testid': 'entity-header', style: `background: linear-gradient(hsl(${hue} 40% 32%), hsl(${hue} 40% 14%))` },
      el('img', { src: coverSrc(seed, 192), alt: '', class: round ? `${c.heroCover} ${c.heroRound}` : c.heroCover, width: '192', height: '192' }),
      el('div', { class: c.heroText }, el('span', { class: c.heroType }, type), el('span', { 'data-testid': 'entityTitle' }, el('h1', { class: c.heroTitle, dir: 'auto' }, title)), el('span', { class: c.heroMeta }, meta)),
    );
  };
  const actionBar = (): HTMLElement =>
    el(
      'div',
      { 'data-testid': 'action-bar-row', class: c.actionBar },
      el('button', { 'data-testid': 'play-button', 'aria-label': 'Play', class: c.playButton }, icon(PLAY_PATH, 24)),
      el('button', { 'data-testid': 'more-button', 'aria-label': 'More options', 'aria-haspopup': 'menu', class: c.controlButton }, icon(DOTS_PATH, 24)),
    );
  const HEADER_LABELS: Record<Column, string> = { index: '#', title: 'Title', album: 'Album', added: 'Date added', plays: 'Plays', duration: '' };
  const headerRow = (kind: PageKind): HTMLElement => {
    const columns = COLUMNS[kind];
    const row = el('div', { role: 'row', 'aria-rowindex': '1', class: `${c.headerRow} ${colsClass(columns.length)}` });
    columns.forEach((column, i) => {
      const cell = el('div', { role: 'columnheader', 'aria-colindex': String(i + 1), 'aria-sort': 'none', tabindex: '-1', class: c.columnHeader });
      if (column === 'duration') cell.append(el('div', { 'aria-label': 'Duration', style: 'display:flex; justify-content:flex-end' }, icon(CLOCK_PATH)));
      else cell.append(el('div', { 'data-testid': 'column-header-context-menu' }, HEADER_LABELS[column]));
      if (column === 'index') cell.style.textAlign = 'right';
      row.append(cell);
    });
    return row;
  };
  /** A virtualized list: `[role=grid]` with `aria-rowcount` (header counted), rows in a translateY wrapper. */
  const virtualList = (kind: PageKind, tracks: readonly TrackView[], testId: string, label: string, header: boolean): { grid: HTMLElement; list: VirtualList } => {
    const columns = COLUMNS[kind];
    const grid = el('div', { role: 'grid', 'aria-rowcount': String(tracks.length + (header ? 1 : 0)), 'aria-colcount': String(columns.length), 'aria-label': label, tabindex: '0', 'data-testid': testId, class: c.grid });
    grid.style.setProperty('--row-height', `${rowHeight}px`);
    if (header) grid.append(el('div', { role: 'presentation', class: c.headerSticky }, headerRow(kind)));
    const block = el('div', { role: 'presentation', class: c.rowsBlock });
    block.style.transform = 'translateY(0px)';
    const body = el('div', { role: 'presentation', class: c.listBody }, block);
    body.style.height = `${tracks.length * rowHeight}px`;
    grid.append(body);
    return { grid, list: { kind, tracks, body, block, header, pool: [], size: 0 } };
  };
  /** Rows drawn once (not virtualized), each in the same `[role=row]` > tracklist-row shape. */
  const staticRows = (kind: PageKind, tracks: readonly TrackView[], offset: number, section: string, into: Map<number, RowRefs>): HTMLElement => {
    const block = el('div', { role: 'presentation' });
    tracks.forEach((t, i) => {
      const refs = takeRow();
      drawRow(refs, t, kind, { position: offset + i, section }, i + 1, i + 1);
      into.set(offset + i, refs);
      block.append(refs.rowEl);
    });
    return block;
  };
  const sectionTitle = (text: string): HTMLElement => el('h2', { class: c.sectionTitle, 'data-encore-id': 'text' }, text);
  const cards = (label: string, items: { href: string; name: string; meta: string; round?: boolean }[]): HTMLElement =>
    el(
      'section',
      { 'aria-label': label, 'data-testid': 'component-shelf', class: c.section },
      sectionTitle(label),
      el(
        'div',
        { class: c.shelf, role: 'list' },
        ...items.map((item) =>
          el(
            'div',
            { class: c.card, role: 'listitem', 'data-encore-id': 'card' },
            el('img', { src: coverSrc(item.href, 150), alt: '', class: item.round ? `${c.cardCover} ${c.cardRound}` : c.cardCover }),
            el('a', { href: item.href, draggable: 'false', class: c.cardTitle }, item.name),
            el('div', { class: c.cardMeta }, item.meta),
          ),
        ),
      ),
    );
  const uniqueArtists = (tracks: readonly TrackView[]): TrackView['artists'][number][] => {
    const seen = new Map<string, TrackView['artists'][number]>();
    for (const t of tracks) for (const a of t.artists) if (!seen.has(a.id)) seen.set(a.id, a);
    return [...seen.values()];
  };
  const searchChips = (query: string, active: string): HTMLElement => {
    const base = '/search/' + encodeURIComponent(query);
    const chips: [string, string][] = [['All', base], ['Songs', base + '/tracks'], ['Artists', base + '/artists'], ['Albums', base + '/albums'], ['Playlists', base + '/playlists']];
    return el('div', { class: c.chips, role: 'list', style: 'padding: 16px 24px' }, ...chips.map(([name, href]) => el('a', { href, role: 'listitem', class: name === active ? `${c.chip} ${c.chipActive}` : c.chip }, name)));
  };

  // ---- pages ----------------------------------------------------------------------------------
  const mount = (spec: PageSpec): void => {
    const tracks = spec.tracks.map(view);
    const rows = new Map<number, RowRefs>();
    let list: VirtualList | null = null;
    let section: HTMLElement;
    searchInput.value = spec.kind === 'search' || spec.kind === 'search-tracks' ? spec.query : '';
    switch (spec.kind) {
      case 'playlist':
      case 'liked': {
        const name = spec.kind === 'liked' ? 'Liked Songs' : spec.name;
        const seed = spec.kind === 'liked' ? 'liked' : spec.id;
        const made = virtualList(spec.kind, tracks, 'playlist-tracklist', name, true);
        list = made.list;
        section = el(
          'section',
          { role: 'presentation', 'data-testid': 'playlist-page', 'data-test-uri': spec.kind === 'liked' ? 'spotify:collection:tracks' : 'spotify:playlist:' + spec.id },
          hero(spec.kind === 'liked' ? 'Playlist' : 'Public Playlist', name, `${tracks.length.toLocaleString('en-US')} songs`, seed),
          actionBar(),
          el('div', { class: c.content }, made.grid),
        );
        break;
      }
      case 'album': {
        const made = virtualList('album', tracks, 'track-list', spec.name, true);
        list = made.list;
        const artist = tracks[0]?.artists[0]?.name ?? 'Various Artists';
        section = el('section', { role: 'presentation', 'data-test-uri': 'spotify:album:' + spec.id }, hero('Album', spec.name, `${artist} • 2024 • ${tracks.length} songs`, spec.id), actionBar(), el('div', { class: c.content }, made.grid));
        break;
      }
      case 'search-tracks': {
        const made = virtualList('search-tracks', tracks, 'track-list', `Search results for ${spec.query}`, false);
        list = made.list;
        section = el('section', { role: 'presentation', 'aria-label': 'Search results' }, searchChips(spec.query, 'Songs'), el('div', { class: c.content }, made.grid));
        break;
      }
      case 'artist': {
        // "Popular": rows without a list container (platform.md), not virtualized.
        const popular = el('div', { class: c.section }, sectionTitle('Popular'), staticRows('artist', tracks, 0, 'popular', rows), el('button', { class: c.seeMore, 'aria-expanded': 'false' }, 'See more'));
        const albums = [...new Map(tracks.map((t) => [t.album.id, t.album])).values()];
        section = el(
          'section',
          { 'data-testid': 'artist-page', 'data-test-uri': 'spotify:artist:' + spec.id },
          hero('Verified Artist', spec.name, `${(hash(spec.id) % 50_000_000).toLocaleString('en-US')} monthly listeners`, spec.id, true),
          actionBar(),
          popular,
          cards('Discography', albums.map((a) => ({ href: '/album/' + a.id, name: a.name, meta: 'Album' }))),
          cards('Fans also like', [1, 2, 3, 4].map((i) => ({ href: '/artist/' + fakeId(`fan:${spec.id}:${i}`), name: `Similar Artist ${i}`, meta: 'Artist', round: true }))),
        );
        break;
      }
      case 'search': {
        const songs = tracks.slice(0, 4);
        const artists = uniqueArtists(tracks);
        const top = artists[0];
        const songsGrid = el('div', { role: 'grid', 'aria-rowcount': String(songs.length), 'aria-colcount': String(COLUMNS.search.length), 'aria-label': 'Songs', tabindex: '0', class: c.grid }, staticRows('search', songs, 0, 'songs', rows));
        section = el(
          'section',
          { role: 'presentation', 'aria-label': 'Search results' },
          searchChips(spec.query, 'All'),
          el(
            'div',
            { class: c.searchTop },
            el(
              'section',
              { 'aria-label': 'Top result', 'data-testid': 'top-result-card' },
              sectionTitle('Top result'),
              el(
                'div',
                { class: c.topResult },
                el('img', { src: coverSrc(top?.id ?? 'top', 92), alt: '', width: '92', height: '92', class: c.heroRound }),
                el('a', { href: '/artist/' + (top?.id ?? fakeId('top')), class: c.heroTitle, style: 'font-size: 32px' }, top?.name ?? spec.query),
                el('span', { class: c.cardMeta }, 'Artist'),
              ),
            ),
            el('section', { 'data-testid': 'search-tracks-result', 'aria-label': 'Songs' }, sectionTitle('Songs'), songsGrid),
          ),
          cards('Artists', artists.slice(0, 5).map((a) => ({ href: '/artist/' + a.id, name: a.name, meta: 'Artist', round: true }))),
          cards('Albums', [...new Map(tracks.map((t) => [t.album.id, t])).values()].slice(0, 5).map((t) => ({ href: '/album/' + t.album.id, name: t.album.name, meta: t.artists[0]?.name ?? '' }))),
          cards('Playlists', [1, 2, 3].map((i) => ({ href: '/playlist/' + fakeId(`search:${spec.query}:${i}`), name: `${spec.query} mix ${i}`, meta: 'By Spotify' }))),
        );
        break;
      }
      case 'queue': {
        const [playing, ...next] = tracks;
        section = el(
          'section',
          { role: 'presentation', 'aria-label': 'Queue', class: c.content },
          el('h1', { class: c.sectionTitle, style: 'padding-top: 24px' }, 'Queue'),
          sectionTitle('Now playing'),
          el('div', { role: 'grid', 'aria-rowcount': playing ? '1' : '0', 'aria-colcount': String(COLUMNS.queue.length), 'aria-label': 'Now playing', tabindex: '0', class: c.grid }, staticRows('queue', playing ? [playing] : [], 0, 'now-playing', rows)),
          el('div', { style: 'height: 24px' }),
          sectionTitle('Next in queue'),
          el('div', { role: 'grid', 'aria-rowcount': String(next.length), 'aria-colcount': String(COLUMNS.queue.length), 'aria-label': 'Next in queue', tabindex: '0', class: c.grid }, staticRows('queue', next, 1, 'next-in-queue', rows)),
        );
        break;
      }
    }
    mainEl.setAttribute('aria-label', document.title);
    mainEl.append(section);
    current = { spec, section, tracks, list, staticRows: rows };
    scroller.scrollTop = 0;
    if (list) render();
    else rendered();
    // Kept rows not taken by the new page are dropped, as React would.
    spare = [];
  };

  /** Unmounts the current page: its rows go with it, or (reuse option) are kept for the next page. */
  const unmount = (): void => {
    if (!current) return;
    if (options.reuseRowsAcrossNavigation) {
      const kept = [...(current.list?.pool ?? []), ...current.staticRows.values()];
      for (const refs of kept) {
        refs.rowEl.remove();
        hidePlaceholder(refs);
      }
      spare = kept;
    }
    current.section.remove();
    current = null;
  };

  // ---- navigation -----------------------------------------------------------------------------
  const history_: PageSpec[] = [];
  const routes = new Map<string, PageSpec>();
  for (const route of config.routes) routes.set(pagePath(route), route);
  /** The home page's section while it is shown (a page without track lists). */
  let home: HTMLElement | null = null;
  const show = (spec: PageSpec): void => {
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    home?.remove();
    home = null;
    unmount();
    document.title = pageTitle(spec);
    mount(spec);
  };
  const navigate = (spec: PageSpec): void => {
    const index = history_.push(spec) - 1;
    routes.set(pagePath(spec), spec);
    history.pushState({ fakeSpotifyPage: index }, '', pagePath(spec));
    show(spec);
  };
  /** Draws the home page: shelves of playlist, album and artist cards, no track rows. */
  const showHome = (): void => {
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    home?.remove();
    unmount();
    // Rows kept from the list page have nothing to show here: dropped, as React would.
    spare = [];
    document.title = 'Spotify – Web Player: Music for everyone';
    home = el(
      'section',
      { role: 'presentation', 'data-testid': 'home-page', 'aria-label': 'Home', style: 'padding-top: 24px' },
      cards('Recently played', [1, 2, 3, 4].map((i) => ({ href: '/playlist/' + fakeId(`home:${i}`), name: `Mix ${i}`, meta: 'Playlist' }))),
      cards('Popular artists', [1, 2, 3].map((i) => ({ href: '/artist/' + fakeId(`home-artist:${i}`), name: `Popular Artist ${i}`, meta: 'Artist', round: true }))),
    );
    mainEl.setAttribute('aria-label', document.title);
    mainEl.append(home);
    scroller.scrollTop = 0;
    rendered();
  };
  const navigateHome = (): void => {
    history.pushState({ fakeSpotifyHome: true }, '', '/');
    showHome();
  };
  window.addEventListener('popstate', (event: PopStateEvent) => {
    const state: unknown = event.state;
    if (typeof state === 'object' && state !== null && 'fakeSpotifyHome' in state) {
      showHome();
      return;
    }
    const index = typeof state === 'object' && state !== null && 'fakeSpotifyPage' in state ? Number(state.fakeSpotifyPage) : NaN;
    const spec = history_[index] ?? routes.get(location.pathname);
    if (spec) show(spec);
  });
  // In-app links: no document load, ever; pages the app knows are navigated to.
  document.addEventListener('click', (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const target = event.target instanceof Element ? event.target.closest('a[href]') : null;
    if (!target) return;
    const url = new URL(target.getAttribute('href') ?? '', location.href);
    if (url.origin !== location.origin) return;
    event.preventDefault();
    const spec = routes.get(url.pathname);
    if (spec) navigate(spec);
  });

  // ---- page-world API ---------------------------------------------------------------------------
  const rowOf = (position: number): RowRefs | undefined => {
    if (!current) return undefined;
    if (current.list) return current.list.pool.find((refs) => refs.position === position && refs.rowEl.isConnected);
    return current.staticRows.get(position);
  };
  const api: FakeSpotifyApi = {
    navigate,
    navigateHome,
    setNowPlaying,
    scroller: () => scroller,
    scrollToPosition(position) {
      if (!current) return;
      const list = current.list;
      if (list) {
        const listTop = list.body.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop;
        scroller.scrollTop = listTop + position * rowHeight - (list.header ? headerHeight : 0);
        return;
      }
      const refs = current.staticRows.get(position);
      if (refs) scroller.scrollTop += refs.rowEl.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 8;
    },
    isDrawn(position) {
      const refs = rowOf(position);
      const t = current?.tracks[position];
      return !!refs && !!t && !refs.placeholder && refs.trackRow.isConnected && refs.link.getAttribute('href') === '/track/' + t.id;
    },
    positionOf(element) {
      const row = element.closest('[role="row"]');
      return row ? (rowPlaces.get(row) ?? null) : null;
    },
    trackIdAt: (position) => current?.tracks[position]?.id ?? null,
    listLength: () => current?.tracks.length ?? 0,
    busy: () => frame !== 0 || pendingPlaceholders > 0,
    onRender(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    renderCount: () => renders,
  };
  Object.assign(window, { fakeSpotify: api, fakeSpotifyNavigate: api.navigate, fakeSpotifySetNowPlaying: api.setNowPlaying });

  history_.push(config.spec);
  history.scrollRestoration = 'manual';
  history.replaceState({ fakeSpotifyPage: 0 }, '', location.href);
  routes.set(pagePath(config.spec), config.spec);
  setNowPlaying(options.nowPlaying);
  show(config.spec);
}
