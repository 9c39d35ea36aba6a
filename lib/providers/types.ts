import { z } from 'zod';
import type { AudioFeatures } from '@/model/features';
import type { TrackId } from '../track-id';

/** Identifiers of the audio-features providers, in their default order. */
export const PROVIDER_IDS = ['spotify', 'reccobeats'] as const;

/** zod schema of a {@link ProviderId}. */
export const ProviderIdSchema = z.enum(PROVIDER_IDS);

/** Identifier of an audio-features provider, stored with every cached record. */
export type ProviderId = (typeof PROVIDER_IDS)[number];

/** What a provider answered for a set of track IDs. */
export interface ProviderResult {
  /** Features of the tracks the provider knows. A requested ID absent from both maps is unknown. */
  readonly features: Map<TrackId, AudioFeatures>;
  /**
   * Tracks that could not be looked up now, with a message for the user: their batch failed
   * (HTTP error after retries, timeout, offline, malformed body) or their item was invalid.
   */
  readonly errors: Map<TrackId, string>;
}

/** A source of audio features by Spotify track ID. */
export interface AudioFeatureProvider {
  readonly id: ProviderId;
  /**
   * Looks up audio features for `trackIds` (any number; the provider batches). Failures are
   * reported per track in `errors`, never thrown, so one failed batch loses no other result.
   */
  getAudioFeatures(trackIds: readonly TrackId[]): Promise<ProviderResult>;
}

/** A provider failure that the user can be told about. */
export class ProviderError extends Error {
  constructor(
    readonly provider: ProviderId,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${provider}: ${message}`, options);
    this.name = 'ProviderError';
  }
}
