import { z } from 'zod';
import { AudioFeaturesSchema, type AudioFeatures } from '@/model/features';
import { SpotifyAuthError } from '@/lib/background/auth/spotify-auth';
import type { StoredConnection, TokenStore } from '@/lib/background/auth/token-store';
import { SpotifyApiError, type SpotifyClient } from '@/lib/background/spotify-client';
import { TrackIdSchema, type TrackId } from '@/lib/shared/track-id';
import { PROVIDER_BATCH_SIZES } from '@/lib/shared/providers';
import type { AudioFeatureProvider, ProviderBatch, ProviderBatchListener, ProviderResult, ProviderSkip } from '@/lib/background/providers/types';
import { errorMessage } from '@/lib/shared/error-message';

/** Most IDs per `GET /v1/audio-features?ids=` request (see {@link PROVIDER_BATCH_SIZES}). */
export const SPOTIFY_BATCH_SIZE = PROVIDER_BATCH_SIZES.spotify;

/**
 * The response envelope; items are validated one by one. An item is `null` for an ID Spotify
 * does not know, otherwise an object with the track's `id`, its features and `duration_ms`
 * (developer.spotify.com/documentation/web-api/reference/get-several-audio-features); other
 * fields such as `uri`, `time_signature` are stripped by {@link AudioFeaturesSchema}.
 */
const ResponseSchema = z.object({ audio_features: z.array(z.unknown()) });
const ItemIdSchema = z.object({ id: TrackIdSchema });
/** An item's `duration_ms`: a finite number of ms, at least 0; anything else counts as absent (the features still count). */
const ItemDurationSchema = z.object({ duration_ms: z.number().nonnegative() });

/** Dependencies of {@link createSpotifyProvider}. */
export interface SpotifyProviderDeps {
  readonly client: SpotifyClient;
  /** Where the connection and the per-client-ID audio-features availability are read and written. */
  readonly store: Pick<TokenStore, 'load' | 'getAvailability' | 'setAvailability'>;
  readonly now?: () => number;
}

/**
 * Audio features from Spotify's `GET /v1/audio-features?ids=` for a connected user, in batches of
 * {@link SPOTIFY_BATCH_SIZE}, mapped back by each item's `id`.
 *
 * - Not connected, or the client ID marked unavailable: no request, every track unknown
 *   (`skipReason()` says why, for the chain and the UI).
 * - `403`: apps without extended quota are refused audio features
 *   (developer.spotify.com/blog/2024-11-27-changes-to-the-web-api). The client ID is marked
 *   `unavailable` with the reason (persisted), the remaining batches are not asked, and the
 *   tracks count as unknown to Spotify so the chain goes on to the next provider.
 * - `401`: the client refreshes the token once and retries; `429` waits `Retry-After` (bounded)
 *   and retries; 5xx, timeouts and network errors are retried with backoff; each batch has one
 *   deadline, 20 s, body included (see `createSpotifyClient`). What still fails puts a message on
 *   each ID of its batch in `errors`.
 * - A malformed body errors its batch; a malformed item errors its ID only. An item's
 *   `duration_ms` goes to `durations` (issue 10: Spotify's value wins over the page's); an
 *   invalid or missing one is left out without spoiling the features.
 * - Batches are asked one after the other; each is handed to `onBatch` as soon as it is answered.
 */
export function createSpotifyProvider(deps: SpotifyProviderDeps): AudioFeatureProvider {
  const now = deps.now ?? Date.now;

  async function skipFor(connection: StoredConnection | undefined): Promise<ProviderSkip | undefined> {
    if (!connection) return { reason: 'not-connected', message: 'Spotify is not connected' };
    const availability = await deps.store.getAvailability(connection.clientId);
    if (availability.state === 'unavailable') {
      return { reason: 'unavailable', message: `audio features are not available to this Spotify app (${availability.reason})` };
    }
    return undefined;
  }

  /** One batch's answer; rejects as `SpotifyClient.call`. */
  async function fetchBatch(ids: readonly TrackId[]): Promise<ProviderBatch> {
    const batch = { trackIds: ids, features: new Map<TrackId, AudioFeatures>(), durations: new Map<TrackId, number>(), errors: new Map<TrackId, string>() };
    const body = await deps.client.call((api) => api.makeRequest('GET', `audio-features?ids=${ids.join(',')}`), ResponseSchema);
    const wanted = new Set(ids);
    for (const item of body.audio_features) {
      if (item === null) continue;
      const id = ItemIdSchema.safeParse(item);
      if (!id.success || !wanted.has(id.data.id)) continue;
      const features = AudioFeaturesSchema.safeParse(item);
      if (features.success) {
        batch.features.set(id.data.id, features.data);
        const duration = ItemDurationSchema.safeParse(item);
        if (duration.success) batch.durations.set(id.data.id, duration.data.duration_ms);
      } else batch.errors.set(id.data.id, `spotify: invalid audio features: ${z.prettifyError(features.error)}`);
    }
    return batch;
  }

  return {
    id: 'spotify',
    async skipReason() {
      return skipFor(await deps.store.load());
    },
    async getAudioFeatures(trackIds, onBatch?: ProviderBatchListener) {
      const result = { features: new Map<TrackId, AudioFeatures>(), durations: new Map<TrackId, number>(), errors: new Map<TrackId, string>() } satisfies ProviderResult;
      const connection = await deps.store.load();
      if (await skipFor(connection)) return result;
      const clientId = connection?.clientId ?? '';
      let availabilityKnown = false;
      const unique = [...new Set(trackIds)];
      for (let i = 0; i < unique.length; i += SPOTIFY_BATCH_SIZE) {
        const ids = unique.slice(i, i + SPOTIFY_BATCH_SIZE);
        let batch: ProviderBatch;
        let answered = false;
        try {
          batch = await fetchBatch(ids);
          answered = true;
        } catch (error) {
          if (error instanceof SpotifyApiError && error.status === 403) {
            const reason = `HTTP 403 from GET /v1/audio-features${error.details.apiMessage ? `: ${error.details.apiMessage}` : ''}`;
            await deps.store.setAvailability(clientId, { state: 'unavailable', reason, checkedAt: now() });
            // Unknown to Spotify: the chain asks the next provider for every remaining track.
            return result;
          }
          if (error instanceof SpotifyAuthError && error.code === 'not-connected') return result;
          const message =
            error instanceof SpotifyApiError
              ? error.kind === 'http'
                ? `${error.message} for audio features`
                : error.message
              : error instanceof SpotifyAuthError
                ? error.message
                : `unexpected failure (${errorMessage(error)})`;
          batch = { trackIds: ids, features: new Map(), errors: new Map(ids.map((id) => [id, `spotify: ${message}`])) };
        }
        for (const [id, f] of batch.features) result.features.set(id, f);
        for (const [id, d] of batch.durations ?? []) result.durations.set(id, d);
        for (const [id, e] of batch.errors) result.errors.set(id, e);
        // Handed on before the availability write below, so nothing delays storing the features.
        onBatch?.(batch);
        if (answered && !availabilityKnown) {
          availabilityKnown = true;
          if ((await deps.store.getAvailability(clientId)).state !== 'available') {
            await deps.store.setAvailability(clientId, { state: 'available', checkedAt: now() });
          }
        }
      }
      return result;
    },
  };
}
