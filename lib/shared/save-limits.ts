/**
 * Most tracks one save may carry, and most entries of one list report: Spotify's limit of items
 * per playlist (10,000; developer.spotify.com/documentation/web-api/reference/add-tracks-to-playlist).
 * Its own module, so the occasion panel's chunk can use it without the messaging schemas.
 */
export const MAX_SAVE_TRACKS = 10_000;
