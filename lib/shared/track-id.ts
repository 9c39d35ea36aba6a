import * as z from 'zod/mini';

/**
 * A Spotify track ID: 22 characters of base62 (developer.spotify.com/documentation/web-api/concepts/spotify-uris-ids).
 */
export const TrackIdSchema = z.string().check(z.regex(/^[0-9A-Za-z]{22}$/, 'expected a 22-character base62 Spotify track ID'));

/** A validated Spotify track ID. */
export type TrackId = z.infer<typeof TrackIdSchema>;

/**
 * Extracts the track ID from a track URL or path such as `/track/<id>`,
 * `https://open.spotify.com/track/<id>?si=...` or `https://open.spotify.com/intl-de/track/<id>`.
 * Returns `undefined` when the last `track/<id>` segment is missing or not a valid ID.
 */
export function trackIdFromUrl(url: string): TrackId | undefined {
  const match = /(?:^|\/)track\/([^/?#]+)/.exec(url);
  const parsed = TrackIdSchema.safeParse(match?.[1]);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Extracts the track ID from a Spotify URI `spotify:track:<id>`
 * (developer.spotify.com/documentation/web-api/concepts/spotify-uris-ids).
 * Returns `undefined` for any other URI or an invalid ID.
 */
export function trackIdFromUri(uri: string): TrackId | undefined {
  const match = /^spotify:track:([^:?#\s]+)$/.exec(uri.trim());
  const parsed = TrackIdSchema.safeParse(match?.[1]);
  return parsed.success ? parsed.data : undefined;
}

/** Hosts of Spotify's web player whose `/track/<id>` links name a track (`play.spotify.com` is its old name, still in old links). */
const PLAYER_HOSTS: readonly string[] = ['open.spotify.com', 'play.spotify.com'];

/**
 * The different Spotify links in a pasted text, alone or in a message (`Listen to this
 * https://open.spotify.com/track/… !`), in order, without the punctuation or brackets around them
 * and each once. A link here is a word that begins with `spotify:` or with a web-player address
 * ({@link PLAYER_HOSTS}, with or without `http(s)://`); plain words (`daft punk`) and bare IDs are none.
 */
function linksIn(input: string): string[] {
  const words = input.split(/\s+/).map((word) => word.replace(/^[<("'[]+|[>)"'\].,;:!?]+$/g, ''));
  return [...new Set(words.filter(isLinkWord))];
}

/** The one Spotify link in `input` ({@link linksIn}); the text itself when it holds none or several. */
function pastedLink(input: string): string {
  const links = linksIn(input);
  return links.length === 1 && links[0] !== undefined ? links[0] : input;
}

/** Whether `word` is a `spotify:` URI or a web-player address ({@link PLAYER_HOSTS} and a path, with or without `http(s)://`). */
function isLinkWord(word: string): boolean {
  if (/^spotify:/i.test(word)) return true;
  const host = /^(?:https?:\/\/)?([^/]+)\//i.exec(word)?.[1];
  return host !== undefined && PLAYER_HOSTS.includes(host.toLowerCase());
}

/**
 * A web-player link pasted without its scheme (`open.spotify.com/track/<id>`, as some apps copy
 * it or a user types it) with `https://` put in front, so it is read as the link it is; any other
 * text as it is. Only {@link PLAYER_HOSTS} followed by `/` get a scheme: `daft.punk` stays words.
 */
function withPlayerScheme(input: string): string {
  const host = input.split('/', 1)[0]?.toLowerCase() ?? '';
  return input.includes('/') && PLAYER_HOSTS.includes(host) ? `https://${input}` : input;
}

/**
 * The track a pasted text points at: a web-player track URL (`https://open.spotify.com/track/<id>`,
 * any locale prefix or query; also `http:`, no scheme at all, and the old `play.spotify.com`, since
 * only the ID is read and the link is never opened), a `spotify:track:<id>` URI, or a bare
 * 22-character ID. Surrounding whitespace is ignored. Returns `undefined` for anything else
 * (albums, playlists, search words; {@link pastedLinkProblem} says why a link is refused).
 */
export function trackIdFromInput(text: string): TrackId | undefined {
  const input = withPlayerScheme(pastedLink(text.trim()));
  if (input.startsWith('spotify:')) return trackIdFromUri(input);
  const bare = TrackIdSchema.safeParse(input);
  if (bare.success) return bare.data;
  if (!URL.canParse(input)) return undefined;
  const url = new URL(input);
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !PLAYER_HOSTS.includes(url.hostname)) return undefined;
  return trackIdFromUrl(url.pathname);
}

/**
 * What the other kinds of Spotify links point at, by the path segment or URI part that names
 * them (developer.spotify.com/documentation/web-api/concepts/spotify-uris-ids; `collection` is
 * the web player's library, e.g. Liked Songs at `/collection/tracks`).
 */
const OTHER_LINK_KINDS: Readonly<Record<string, { readonly what: string; readonly is: 'list' | 'page' | 'not-music' }>> = {
  album: { what: 'an album', is: 'list' },
  playlist: { what: 'a playlist', is: 'list' },
  collection: { what: 'your library', is: 'list' },
  artist: { what: 'an artist', is: 'page' },
  user: { what: 'a profile', is: 'page' },
  show: { what: 'a podcast', is: 'not-music' },
  episode: { what: 'a podcast episode', is: 'not-music' },
  audiobook: { what: 'an audiobook', is: 'not-music' },
  chapter: { what: 'an audiobook chapter', is: 'not-music' },
};

const TRACK_LINK_FORMS = 'https://open.spotify.com/track/… or spotify:track:…';

/** The sentence for a Spotify link to `kind` (a key of {@link OTHER_LINK_KINDS}, or anything else). */
function otherLinkProblem(kind: string): string {
  const known = OTHER_LINK_KINDS[kind];
  if (!known) return `That Spotify link is not a track link: paste one such as ${TRACK_LINK_FORMS}.`;
  if (known.is === 'not-music') return `That is a link to ${known.what}: only music tracks have the audio features a theme comes from.`;
  const where =
    known.is === 'list'
      ? 'open it on open.spotify.com, where every track gets its badge and the occasion panel profiles the list'
      : 'open it on open.spotify.com, where its tracks get their badges';
  return `That is a link to ${known.what}. The popup classifies one track at a time: paste a track link, or ${where}.`;
}

/**
 * Why a pasted link cannot be classified, as a sentence for the user; `null` when `text` is a
 * track (see {@link trackIdFromInput}) or no link at all (words, searched as such). Covers a
 * Spotify URL or URI to another kind of item (album, playlist, artist, podcast, ...), a track link
 * whose ID is not a 22-character base62 ID, a `spotify.link` / `spotify.app.link` short link (it
 * only resolves over the network, to an open.spotify.com link), web links to other sites, and a
 * text with several Spotify links (which one is meant is not known).
 */
export function pastedLinkProblem(text: string): string | null {
  const trimmed = text.trim();
  const [link, ...others] = linksIn(trimmed);
  if (others.length > 0) return `That text holds ${others.length + 1} Spotify links: paste one of them.`;
  const input = withPlayerScheme(link ?? trimmed);
  if (trackIdFromInput(input) !== undefined) return null;
  if (/^spotify:/i.test(input)) {
    // Older URIs name a playlist under its owner: spotify:user:<user>:playlist:<id>.
    const parts = input.toLowerCase().split(':');
    const kind = (parts[1] === 'user' && parts[3] !== undefined ? parts[3] : parts[1]) ?? '';
    return kind === 'track' ? 'That Spotify URI has no valid track ID: after spotify:track: come 22 letters and digits.' : otherLinkProblem(kind);
  }
  if (!/^https?:\/\//i.test(input) || !URL.canParse(input)) return null;
  const url = new URL(input);
  const host = url.hostname.toLowerCase();
  if (host === 'spotify.link' || host === 'spotify.app.link') {
    return 'Short links cannot be followed here: open it in a browser tab and paste the open.spotify.com/track/… address it leads to.';
  }
  if (!PLAYER_HOSTS.includes(host)) return `Only Spotify track links can be classified (${TRACK_LINK_FORMS}).`;
  // Locale prefixes such as /intl-de/ come before the kind.
  const kind = url.pathname.split('/').filter((segment) => segment !== '' && !/^intl-[a-z]{2}(-[a-z]{2})?$/i.test(segment))[0]?.toLowerCase() ?? '';
  if (kind === 'track') return 'That track link has no valid track ID: after /track/ come 22 letters and digits.';
  return otherLinkProblem(kind);
}
