import type { Market } from '@spotify/web-api-ts-sdk';
import { z } from 'zod';
import type { SpotifyClient } from '@/lib/background/spotify-client';
import { TrackIdSchema, type TrackId } from '@/lib/shared/track-id';

/**
 * Most results one search may ask for. Since February 2026 Spotify answers `400 Invalid limit`
 * to `limit` 11 or more for development-mode apps
 * (developer.spotify.com/documentation/web-api/tutorials/february-2026-migration-guide).
 */
export const SPOTIFY_SEARCH_MAX_LIMIT = 10;

const SEARCH_LIMITS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
/** A valid search `limit`: 1 to {@link SPOTIFY_SEARCH_MAX_LIMIT}. */
export type SearchLimit = (typeof SEARCH_LIMITS)[number];
const isSearchLimit = (n: number): n is SearchLimit => SEARCH_LIMITS.some((l) => l === n);
/** Two capital letters (ISO 3166-1 alpha-2); Spotify answers 400 to a market it does not know. */
const isMarketCode = (s: string): s is Market => /^[A-Z]{2}$/.test(s);

/** Longest query sent, in characters (Spotify documents none; this keeps URLs reasonable). */
export const SPOTIFY_SEARCH_MAX_QUERY = 200;

/** One search result, as the popup shows it. */
export interface TrackSearchHit {
  readonly trackId: TrackId;
  readonly name: string;
  readonly artists: string[];
  readonly album?: string;
  /** The album's smallest cover image of at least 64 px, else its largest; absent when it has none. */
  readonly imageUrl?: string;
  /** The track's `duration_ms` as Spotify gives it (ms, not rounded or clamped); absent when the item has no valid one. */
  readonly durationMs?: number;
}

const ImageSchema = z.object({ url: z.url(), width: z.number().nullable().optional(), height: z.number().nullable().optional() });

/** A track object of the search response, reduced to what is used (developer.spotify.com/documentation/web-api/reference/search). */
const TrackItemSchema = z.object({
  id: TrackIdSchema,
  name: z.string(),
  artists: z.array(z.object({ name: z.string() })),
  album: z.object({ name: z.string(), images: z.array(ImageSchema).optional() }).optional(),
  // A missing or invalid duration does not spoil the hit: it is just unknown.
  duration_ms: z.number().nonnegative().optional().catch(undefined),
});

/** The envelope; items are validated one by one and invalid ones (or `null`) are left out. */
const SearchResponseSchema = z.object({ tracks: z.object({ items: z.array(z.unknown()) }) });

function pickImage(images: readonly z.infer<typeof ImageSchema>[] | undefined): string | undefined {
  if (!images || images.length === 0) return undefined;
  const sized = [...images].sort((a, b) => (a.width ?? 0) - (b.width ?? 0));
  return (sized.find((i) => (i.width ?? 0) >= 64) ?? sized[sized.length - 1])?.url;
}

/** Options of {@link SpotifySearch.searchTracks}. */
export interface SearchOptions {
  /** 1 to {@link SPOTIFY_SEARCH_MAX_LIMIT}; defaults to the maximum. */
  readonly limit?: number;
  /** ISO 3166-1 alpha-2 market; by default Spotify uses the user's country. */
  readonly market?: string;
}

/** Track search on Spotify for a connected user. */
export interface SpotifySearch {
  /**
   * Searches tracks (`GET /v1/search?type=track`, no scope needed) through the SDK's `search`.
   * An empty query gives `[]` without a request. Results in Spotify's order.
   * @throws RangeError when `limit` is not an integer from 1 to {@link SPOTIFY_SEARCH_MAX_LIMIT}
   *   or `market` is not two letters.
   * @throws SpotifyApiError / SpotifyAuthError as `SpotifyClient.call` (401 refreshed once,
   *   429 waited for, malformed body `malformed`).
   */
  searchTracks(query: string, options?: SearchOptions): Promise<TrackSearchHit[]>;
}

/** Creates {@link SpotifySearch} over a {@link SpotifyClient}. */
export function createSpotifySearch(client: SpotifyClient): SpotifySearch {
  return {
    async searchTracks(query, options = {}) {
      const limit = options.limit ?? SPOTIFY_SEARCH_MAX_LIMIT;
      if (!isSearchLimit(limit)) throw new RangeError(`search limit must be an integer from 1 to ${SPOTIFY_SEARCH_MAX_LIMIT}, got ${limit}`);
      const market = options.market;
      if (market !== undefined && !isMarketCode(market)) throw new RangeError(`market must be an ISO 3166-1 alpha-2 code, got ${JSON.stringify(market)}`);
      const q = query.trim().slice(0, SPOTIFY_SEARCH_MAX_QUERY);
      if (q === '') return [];
      const body = await client.call((api) => api.search(q, ['track'], market, limit), SearchResponseSchema);
      const hits: TrackSearchHit[] = [];
      for (const item of body.tracks.items) {
        const track = TrackItemSchema.safeParse(item);
        if (!track.success) continue;
        const { id, name, artists, album, duration_ms: durationMs } = track.data;
        const imageUrl = pickImage(album?.images);
        hits.push({
          trackId: id,
          name,
          artists: artists.map((a) => a.name),
          ...(album ? { album: album.name } : {}),
          ...(imageUrl ? { imageUrl } : {}),
          ...(durationMs === undefined ? {} : { durationMs }),
        });
      }
      return hits;
    },
  };
}
