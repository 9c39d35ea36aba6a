import { z } from 'zod';

/**
 * A Spotify client ID as shown on the app's dashboard (developer.spotify.com/dashboard):
 * 32 hexadecimal characters. Its own module so the settings (read by the content script) can
 * validate it without pulling in the token store.
 */
export const SpotifyClientIdSchema = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F]{32}$/, 'a Spotify client ID is 32 hexadecimal characters (developer.spotify.com/dashboard, your app, Settings)');

/** A validated Spotify client ID. */
export type SpotifyClientId = z.infer<typeof SpotifyClientIdSchema>;
