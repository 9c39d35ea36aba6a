import ky, { HTTPError, TimeoutError } from 'ky';
import { z } from 'zod';
import { AudioFeaturesSchema, type AudioFeatures } from '@/model/features';
import { trackIdFromUrl, type TrackId } from '@/lib/shared/track-id';
import { PROVIDER_BATCH_SIZES } from '@/lib/shared/providers';
import { DeadlineError, PROVIDER_REQUEST_DEADLINE_MS, withDeadline } from '@/lib/background/deadline';
import { RETRY_WAIT_MAX_MS, boundedRetry } from '@/lib/background/retry-after';
import { ProviderError, type AudioFeatureProvider, type ProviderBatch, type ProviderBatchListener, type ProviderResult } from '@/lib/background/providers/types';
import { errorMessage } from '@/lib/shared/error-message';

/** ReccoBeats API root (reccobeats.com/docs); the only host besides Spotify the extension calls. */
export const RECCOBEATS_API = 'https://api.reccobeats.com/v1/';

/** Most IDs per `GET /v1/audio-features?ids=` request (40, see {@link PROVIDER_BATCH_SIZES}). */
export const RECCOBEATS_BATCH_SIZE = PROVIDER_BATCH_SIZES.reccobeats;

/** Options of {@link createReccoBeatsProvider}; all defaulted, tests swap `fetch`, the clock and the deadline. */
export interface ReccoBeatsOptions {
  readonly fetch?: typeof globalThis.fetch;
  readonly baseUrl?: string;
  /** Retries after the first attempt on 408, 429, 5xx and network errors (default 3). */
  readonly retries?: number;
  /**
   * Longest `Retry-After` honoured, in ms (default `RETRY_WAIT_MAX_MS`, 10 s); a longer one fails
   * the request at once instead of waiting. Unparseable values count as absent (backoff).
   */
  readonly maxRetryAfterMs?: number;
  /** Per-attempt timeout up to the response headers, in ms (ky's `timeout`; default 15 s). */
  readonly timeoutMs?: number;
  /**
   * Deadline of one batch request, in ms: all attempts, waits and the body included (default
   * {@link PROVIDER_REQUEST_DEADLINE_MS}, 20 s).
   */
  readonly deadlineMs?: number;
  /** Clock for `Retry-After` HTTP-dates, ms since the epoch. */
  readonly now?: () => number;
}

/** The response envelope; items are validated one by one so one bad item spoils nothing else. */
const ResponseSchema = z.object({ content: z.array(z.unknown()) });
const ItemSchema = z.object({ href: z.string() });

/** What the ReccoBeats messages call the service (e.g. "ReccoBeats did not answer within 20 s"). */
const NAME = 'ReccoBeats';

/**
 * Audio features from ReccoBeats `GET /v1/audio-features?ids=<id>,...` (no key). Requests go in
 * batches of {@link RECCOBEATS_BATCH_SIZE}, one after the other, each handed to `onBatch` as soon
 * as it is answered; results are mapped back to track IDs by the last path segment of each item's
 * `href` (unknown IDs are silently absent, so position means nothing).
 *
 * - 429 and 503 wait `Retry-After` (RFC 9110 §10.2.3, read by `parseRetryAfter`: an unparseable
 *   or huge value counts as absent) and retry; a wait longer than `maxRetryAfterMs` fails the
 *   batch at once. 408, 5xx and network errors retry with ky's exponential backoff.
 * - Each batch has one deadline (`deadlineMs`, 20 s) covering every attempt, wait and the body:
 *   the signal given to ky aborts the request and the reading of its body. Past it the batch
 *   fails with "ReccoBeats did not answer within 20 s".
 * - A batch that fails puts a {@link ProviderError} message (`reccobeats: ...`) on each of its
 *   IDs in `errors`; other batches' results are kept.
 */
export function createReccoBeatsProvider(options: ReccoBeatsOptions = {}): AudioFeatureProvider {
  const maxWaitMs = options.maxRetryAfterMs ?? RETRY_WAIT_MAX_MS;
  const deadlineMs = options.deadlineMs ?? PROVIDER_REQUEST_DEADLINE_MS;
  const limit = options.retries ?? 3;
  const now = options.now ?? Date.now;
  const api = ky.create({
    prefixUrl: options.baseUrl ?? RECCOBEATS_API,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    timeout: options.timeoutMs ?? 15_000,
  });

  /** The batch's parsed JSON body, within the deadline. */
  async function request(ids: readonly TrackId[]): Promise<unknown> {
    try {
      return await withDeadline(deadlineMs, NAME, (signal) =>
        api
          .get('audio-features', {
            searchParams: { ids: ids.join(',') },
            signal,
            // A new object per request: it keeps this request's Retry-After.
            retry: boundedRetry({ limit, statusCodes: [408, 429, 500, 502, 503, 504], maxWaitMs, now }),
          })
          .json(),
      );
    } catch (error) {
      if (error instanceof DeadlineError) throw new ProviderError('reccobeats', error.message, { cause: error });
      if (error instanceof HTTPError) throw new ProviderError('reccobeats', `HTTP ${error.response.status} for audio features`, { cause: error });
      if (error instanceof TimeoutError) throw new ProviderError('reccobeats', 'request timed out', { cause: error });
      if (error instanceof SyntaxError) throw new ProviderError('reccobeats', 'response is not JSON', { cause: error });
      throw new ProviderError('reccobeats', `network error (${errorMessage(error)})`, { cause: error });
    }
  }

  async function fetchBatch(ids: readonly TrackId[]): Promise<ProviderBatch> {
    const batch = { trackIds: ids, features: new Map<TrackId, AudioFeatures>(), errors: new Map<TrackId, string>() };
    let body: unknown;
    try {
      body = await request(ids);
      const envelope = ResponseSchema.safeParse(body);
      if (!envelope.success) throw new ProviderError('reccobeats', `malformed response: ${z.prettifyError(envelope.error)}`);
      const wanted = new Set(ids);
      for (const item of envelope.data.content) {
        const href = ItemSchema.safeParse(item);
        const trackId = href.success ? trackIdFromUrl(href.data.href) : undefined;
        if (!trackId || !wanted.has(trackId)) continue;
        const features = AudioFeaturesSchema.safeParse(item);
        if (features.success) batch.features.set(trackId, features.data);
        else batch.errors.set(trackId, `reccobeats: invalid audio features: ${z.prettifyError(features.error)}`);
      }
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      batch.features.clear();
      for (const id of ids) batch.errors.set(id, error.message);
    }
    return batch;
  }

  return {
    id: 'reccobeats',
    async getAudioFeatures(trackIds, onBatch?: ProviderBatchListener) {
      const result: ProviderResult = { features: new Map(), errors: new Map() };
      const unique = [...new Set(trackIds)];
      for (let i = 0; i < unique.length; i += RECCOBEATS_BATCH_SIZE) {
        const batch = await fetchBatch(unique.slice(i, i + RECCOBEATS_BATCH_SIZE));
        for (const [id, f] of batch.features) result.features.set(id, f);
        for (const [id, e] of batch.errors) result.errors.set(id, e);
        onBatch?.(batch);
      }
      return result;
    },
  };
}
