import ky, { HTTPError, TimeoutError } from 'ky';
import { z } from 'zod';
import { AudioFeaturesSchema, type AudioFeatures } from '@/model/features';
import { trackIdFromUrl, type TrackId } from '@/lib/shared/track-id';
import { PROVIDER_BATCH_SIZES } from '@/lib/shared/providers';
import { ProviderError, type AudioFeatureProvider, type ProviderResult } from '@/lib/background/providers/types';

/** ReccoBeats API root (reccobeats.com/docs); the only host besides Spotify the extension calls. */
export const RECCOBEATS_API = 'https://api.reccobeats.com/v1/';

/** Most IDs per `GET /v1/audio-features?ids=` request (40, see {@link PROVIDER_BATCH_SIZES}). */
export const RECCOBEATS_BATCH_SIZE = PROVIDER_BATCH_SIZES.reccobeats;

/** Options of {@link createReccoBeatsProvider}; all defaulted, tests swap `fetch`. */
export interface ReccoBeatsOptions {
  readonly fetch?: typeof globalThis.fetch;
  readonly baseUrl?: string;
  /** Retries after the first attempt on 429, 5xx and network errors. */
  readonly retries?: number;
  /** Longest `Retry-After` honoured, in ms; a longer one fails the request instead of waiting. */
  readonly maxRetryAfterMs?: number;
  /** Per-attempt timeout in ms. */
  readonly timeoutMs?: number;
}

/**
 * The wait a `Retry-After` header asks for, in ms: delay-seconds or an HTTP-date
 * (RFC 9110 §10.2.3). `undefined` when absent or unparseable.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The response envelope; items are validated one by one so one bad item spoils nothing else. */
const ResponseSchema = z.object({ content: z.array(z.unknown()) });
const ItemSchema = z.object({ href: z.string() });

/**
 * Audio features from ReccoBeats `GET /v1/audio-features?ids=<id>,...` (no key). Requests go in
 * batches of {@link RECCOBEATS_BATCH_SIZE}; results are mapped back to track IDs by the last
 * path segment of each item's `href` (unknown IDs are silently absent, so position means
 * nothing). 429 waits `Retry-After` and retries, as do 5xx and network errors (ky's retry with
 * exponential backoff). A batch that still fails puts a {@link ProviderError} message on each of
 * its IDs in `errors`; other batches' results are kept.
 */
export function createReccoBeatsProvider(options: ReccoBeatsOptions = {}): AudioFeatureProvider {
  const maxRetryAfter = options.maxRetryAfterMs ?? 60_000;
  const api = ky.create({
    prefixUrl: options.baseUrl ?? RECCOBEATS_API,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    timeout: options.timeoutMs ?? 15_000,
    retry: {
      limit: options.retries ?? 3,
      methods: ['get'],
      statusCodes: [408, 429, 500, 502, 503, 504],
      afterStatusCodes: [429, 503],
      maxRetryAfter,
      // ky caps a longer Retry-After at maxRetryAfter and retries anyway; asking again before
      // the server allows it only earns another 429, so give up at once and show the error.
      shouldRetry: ({ error }) => {
        if (!(error instanceof HTTPError) || ![429, 503].includes(error.response.status)) return undefined;
        const wait = retryAfterMs(error.response.headers.get('Retry-After'));
        return wait !== undefined && wait > maxRetryAfter ? false : undefined;
      },
    },
  });

  async function fetchBatch(ids: readonly TrackId[], result: ProviderResult): Promise<void> {
    let body: unknown;
    try {
      body = await api.get('audio-features', { searchParams: { ids: ids.join(',') } }).json();
    } catch (error) {
      if (error instanceof HTTPError) throw new ProviderError('reccobeats', `HTTP ${error.response.status} for audio features`, { cause: error });
      if (error instanceof TimeoutError) throw new ProviderError('reccobeats', 'request timed out', { cause: error });
      if (error instanceof SyntaxError) throw new ProviderError('reccobeats', 'response is not JSON', { cause: error });
      throw new ProviderError('reccobeats', `network error (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
    const envelope = ResponseSchema.safeParse(body);
    if (!envelope.success) throw new ProviderError('reccobeats', `malformed response: ${z.prettifyError(envelope.error)}`);
    const wanted = new Set(ids);
    for (const item of envelope.data.content) {
      const href = ItemSchema.safeParse(item);
      const trackId = href.success ? trackIdFromUrl(href.data.href) : undefined;
      if (!trackId || !wanted.has(trackId)) continue;
      const features = AudioFeaturesSchema.safeParse(item);
      if (features.success) result.features.set(trackId, features.data satisfies AudioFeatures);
      else result.errors.set(trackId, `reccobeats: invalid audio features: ${z.prettifyError(features.error)}`);
    }
  }

  return {
    id: 'reccobeats',
    async getAudioFeatures(trackIds) {
      const result: ProviderResult = { features: new Map(), errors: new Map() };
      const unique = [...new Set(trackIds)];
      for (let i = 0; i < unique.length; i += RECCOBEATS_BATCH_SIZE) {
        const batch = unique.slice(i, i + RECCOBEATS_BATCH_SIZE);
        try {
          await fetchBatch(batch, result);
        } catch (error) {
          if (!(error instanceof ProviderError)) throw error;
          for (const id of batch) result.errors.set(id, error.message);
        }
      }
      return result;
    },
  };
}
