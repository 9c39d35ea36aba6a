import { z } from 'zod';

/**
 * A Spotify track ID: 22 characters of base62 (developer.spotify.com/documentation/web-api/concepts/spotify-uris-ids).
 */
export const TrackIdSchema = z.string().regex(/^[0-9A-Za-z]{22}$/, 'expected a 22-character base62 Spotify track ID');

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
