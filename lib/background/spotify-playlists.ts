import { z } from 'zod';
import type { SpotifyClient } from '@/lib/background/spotify-client';
import { MAX_SAVE_TRACKS } from '@/lib/shared/save-limits';

/**
 * The Spotify Web API calls that create a private playlist and fill it (issue 12), with the
 * endpoints of February 2026 for development-mode apps (shared/notes/platform.md, "Playlists for a
 * development-mode app"): `POST /v1/me/playlists`, `POST /v1/playlists/{id}/items` (at most 100
 * URIs) and `GET /v1/playlists/{id}/items` (items carry `item`, formerly `track`). The SDK has no
 * methods for these paths, so they go through its `makeRequest`, inside {@link SpotifyClient.call}
 * (token, 401 refresh, deadline, validation). POSTs are never retried by the client (its retries
 * are for GET only): a POST whose answer is lost may have been applied, which only the caller can
 * find out (`playlist-saver.ts` reads the playlist back).
 */

/** Most URIs one add request may carry (Spotify Web API reference, "Add Items to Playlist"). */
export const MAX_URIS_PER_ADD = 100;
/** Items per page when reading a playlist back (the endpoint's maximum `limit`). */
export const ITEMS_PAGE_LIMIT = 50;
/** Most pages read back (MAX_SAVE_TRACKS, Spotify's playlist size limit): a bound, never reached by a valid playlist. */
const MAX_PAGES = MAX_SAVE_TRACKS / ITEMS_PAGE_LIMIT;

/** A Spotify track URI, `spotify:track:<22 base62 characters>`. */
export const TrackUriSchema = z.string().regex(/^spotify:track:[0-9A-Za-z]{22}$/);

/** The created playlist: its ID and its open.spotify.com link. */
export interface CreatedPlaylist {
  readonly id: string;
  readonly url: string;
}

const CreatedSchema = z.object({ id: z.string().regex(/^[0-9A-Za-z]{1,64}$/), external_urls: z.object({ spotify: z.url() }) });
const AddedSchema = z.object({ snapshot_id: z.string() });
/** One page of items; an entry's `item` (or, before February 2026, `track`) may be `null` (a removed track) or an episode. */
const ItemsPageSchema = z.object({
  items: z.array(z.object({ item: z.object({ uri: z.string() }).nullable().optional(), track: z.object({ uri: z.string() }).nullable().optional() })),
  next: z.string().nullable(),
  total: z.number().int().nonnegative(),
});

/** What the saver needs of the Web API. */
export interface PlaylistsApi {
  /**
   * Creates a private playlist in the user's account (`public: false`).
   * @throws SpotifyApiError / SpotifyAuthError as {@link SpotifyClient.call}.
   */
  createPrivatePlaylist(name: string, description: string): Promise<CreatedPlaylist>;
  /** Appends `uris` (at most {@link MAX_URIS_PER_ADD}) at the end of the playlist, in order. */
  addItems(playlistId: string, uris: readonly string[]): Promise<void>;
  /** Every item URI of the playlist, in order (episodes and removed tracks as they are, `''` for `null`). */
  itemUris(playlistId: string): Promise<string[]>;
}

/** Creates the {@link PlaylistsApi} over `client`. */
export function createPlaylistsApi(client: SpotifyClient): PlaylistsApi {
  return {
    async createPrivatePlaylist(name, description) {
      const created = await client.call((api) => api.makeRequest('POST', 'me/playlists', { name, public: false, description }), CreatedSchema);
      return { id: created.id, url: created.external_urls.spotify };
    },
    async addItems(playlistId, uris) {
      if (uris.length === 0) return;
      if (uris.length > MAX_URIS_PER_ADD) throw new RangeError(`at most ${MAX_URIS_PER_ADD} URIs per add, got ${uris.length}`);
      await client.call((api) => api.makeRequest('POST', `playlists/${encodeURIComponent(playlistId)}/items`, { uris: [...uris] }), AddedSchema);
    },
    async itemUris(playlistId) {
      const uris: string[] = [];
      for (let page = 0; page < MAX_PAGES; page++) {
        const offset = page * ITEMS_PAGE_LIMIT;
        const body = await client.call((api) => api.makeRequest('GET', `playlists/${encodeURIComponent(playlistId)}/items?limit=${ITEMS_PAGE_LIMIT}&offset=${offset}`), ItemsPageSchema);
        for (const entry of body.items) uris.push((entry.item ?? entry.track)?.uri ?? '');
        if (body.next === null || uris.length >= body.total || body.items.length === 0) break;
      }
      return uris;
    },
  };
}
