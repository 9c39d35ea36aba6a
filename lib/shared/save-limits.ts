/**
 * Most tracks one save may carry, and most entries of one list report: Spotify's limit of items
 * per playlist (10,000; developer.spotify.com/documentation/web-api/reference/add-tracks-to-playlist).
 * Its own module, so the occasion panel's chunk can use it without the messaging schemas.
 */
export const MAX_SAVE_TRACKS = 10_000;

/**
 * Most characters of a new playlist's name: what the extension proposes (`playlistName` shortens
 * the list's name to fit) and what the confirmation window lets the user type. Our own cap, about
 * what Spotify shows of a name; Spotify's Web API reference gives none.
 */
export const MAX_PLAYLIST_NAME_LENGTH = 100;
