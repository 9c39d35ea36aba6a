import * as z from 'zod/mini';

/**
 * A Spotify client ID as shown on the app's dashboard (developer.spotify.com/dashboard):
 * 32 hexadecimal characters, surrounding whitespace ignored. Shared: the settings (read by every
 * context), the options page and the background's token store validate it.
 */
export const SpotifyClientIdSchema = z
  .string()
  .check(z.trim(), z.regex(/^[0-9a-fA-F]{32}$/, 'a Spotify client ID is 32 hexadecimal characters (developer.spotify.com/dashboard, your app, Settings)'));

/** A validated Spotify client ID. */
export type SpotifyClientId = z.infer<typeof SpotifyClientIdSchema>;
