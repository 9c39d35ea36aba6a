import type { AudioFeatures } from '@/model/features';
import type { ProviderId } from '@/lib/shared/providers';
import type { TrackId } from '@/lib/shared/track-id';

/** What a provider answered for a set of track IDs. */
export interface ProviderResult {
  /** Features of the tracks the provider knows. A requested ID absent from both maps is unknown. */
  readonly features: Map<TrackId, AudioFeatures>;
  /**
   * The track's duration in ms as the provider's answer gave it (Spotify's `duration_ms`), for
   * tracks in `features` whose answer carried a valid one; not yet rounded or clamped (the theme
   * service applies `normalizeDurationMs`). Absent or without an entry: the answer had none
   * (ReccoBeats never has one, shared/notes/platform.md).
   */
  readonly durations?: Map<TrackId, number>;
  /**
   * Tracks that could not be looked up now, with a message for the user: their batch failed
   * (HTTP error after retries, timeout, offline, malformed body) or their item was invalid.
   */
  readonly errors: Map<TrackId, string>;
}

/**
 * Why a provider is not asked right now: `not-connected` (Spotify without a connection),
 * `unavailable` (Spotify answered 403 to this client ID's audio-features requests), or
 * `disabled` (turned off in the settings; decided by the chain, not by providers).
 */
export type ProviderSkipReason = 'not-connected' | 'unavailable' | 'disabled';

/** A provider's answer to "why are you not asked?", with a message for the UI. */
export interface ProviderSkip {
  readonly reason: ProviderSkipReason;
  readonly message: string;
}

/**
 * One batch's answer, handed to a {@link ProviderBatchListener} as soon as it is known: the
 * features and per-track errors of `trackIds` only. An ID of `trackIds` in neither map is
 * unknown to the provider.
 */
export interface ProviderBatch extends ProviderResult {
  /** The IDs the batch asked for. */
  readonly trackIds: readonly TrackId[];
}

/**
 * Called once per batch, right after the batch's answer (or failure) arrived and before the next
 * batch is asked, so callers can store what has arrived when a later batch stalls or the
 * background is stopped. Must not throw.
 */
export type ProviderBatchListener = (batch: ProviderBatch) => void;

/** A source of audio features by Spotify track ID. */
export interface AudioFeatureProvider {
  readonly id: ProviderId;
  /**
   * Why this provider should not be asked now, or `undefined` when it can be. Optional: a
   * provider without it is always asked. Must not make network requests.
   */
  skipReason?(): Promise<ProviderSkip | undefined>;
  /**
   * Looks up audio features for `trackIds` (any number; the provider batches). Failures are
   * reported per track in `errors`, never thrown, so one failed batch loses no other result.
   * Each batch is also handed to `onBatch` as soon as it is answered (optional for providers:
   * callers treat the resolved result as complete and the batches as early news).
   */
  getAudioFeatures(trackIds: readonly TrackId[], onBatch?: ProviderBatchListener): Promise<ProviderResult>;
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
