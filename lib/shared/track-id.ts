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

/**
 * The track a pasted text points at: an `https://open.spotify.com/track/<id>` URL (any locale
 * prefix or query), a `spotify:track:<id>` URI, or a bare 22-character ID. Surrounding
 * whitespace is ignored. Returns `undefined` for anything else (albums, playlists, search words).
 */
export function trackIdFromInput(text: string): TrackId | undefined {
  const input = text.trim();
  if (input.startsWith('spotify:')) return trackIdFromUri(input);
  const bare = TrackIdSchema.safeParse(input);
  if (bare.success) return bare.data;
  if (!URL.canParse(input)) return undefined;
  const url = new URL(input);
  if (url.protocol !== 'https:' || url.hostname !== 'open.spotify.com') return undefined;
  return trackIdFromUrl(url.pathname);
}
