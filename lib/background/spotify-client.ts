import { SpotifyApi, type AccessToken, type IAuthStrategy } from '@spotify/web-api-ts-sdk';
import ky, { HTTPError, TimeoutError } from 'ky';
import { z } from 'zod';
import { SpotifyAuthError, type SpotifyAuth } from '@/lib/background/auth/spotify-auth';
import { DeadlineError, PROVIDER_REQUEST_DEADLINE_MS, withDeadline } from '@/lib/background/deadline';
import { RETRY_WAIT_MAX_MS, boundedRetry, parseRetryAfter } from '@/lib/background/retry-after';
import { errorMessage } from '@/lib/shared/error-message';

/**
 * The Spotify Web API client: `@spotify/web-api-ts-sdk` with an auth strategy backed by the
 * extension's token store ({@link createTokenStoreAuthStrategy}), a response validator of our
 * own ({@link SpotifyResponseValidator}) and `fetch` through ky for timeouts and retries, every
 * call under one deadline.
 */

/** Statuses retried (with backoff, `Retry-After` honoured for 429 and 503): rate limit and server errors. */
const RETRIED_STATUSES = [429, 500, 502, 503, 504];

/** Why a Spotify Web API call failed. */
export type SpotifyApiErrorKind = 'http' | 'timeout' | 'network' | 'malformed';

/** A failed Spotify Web API call, with what the UI needs to explain it. */
export class SpotifyApiError extends Error {
  constructor(
    readonly kind: SpotifyApiErrorKind,
    message: string,
    readonly details: {
      /** HTTP status, for `kind: "http"`. */
      readonly status?: number;
      /** Spotify's `error.message`, when the body had one. */
      readonly apiMessage?: string;
      /** The wait `Retry-After` asked for, ms (429/503; read by `parseRetryAfter`, absent when unusable). */
      readonly retryAfterMs?: number;
      readonly cause?: unknown;
    } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = 'SpotifyApiError';
  }

  get status(): number | undefined {
    return this.details.status;
  }
}

/**
 * Spotify's error body (developer.spotify.com/documentation/web-api/concepts/api-calls,
 * "Response Status Codes"): `{"error": {"status": 403, "message": "..."}}`; the message may be
 * absent (a bare `{"error":{"status":403}}` from audio features, shared/notes/platform.md).
 */
const ErrorBodySchema = z.object({ error: z.object({ status: z.number().optional(), message: z.string().optional() }) });

/**
 * The {@link SpotifyApiError} for a non-2xx response: status, Spotify's message if any, and the
 * `Retry-After` wait. Reads the body (at most the first 500 characters are kept).
 */
export async function spotifyErrorFromResponse(response: Response, now: number = Date.now()): Promise<SpotifyApiError> {
  let text = '';
  try {
    text = (await response.text()).slice(0, 500);
  } catch {
    // A body that cannot be read still leaves the status to report.
  }
  let apiMessage: string | undefined;
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) apiMessage = parsed.data.error.message;
  } catch {
    // Not JSON: only the status is known.
  }
  const wait = parseRetryAfter(response.headers.get('Retry-After'), now);
  return new SpotifyApiError('http', `HTTP ${response.status}${apiMessage ? ` (${apiMessage})` : ''}`, {
    status: response.status,
    apiMessage,
    retryAfterMs: wait,
  });
}

/**
 * Replaces the SDK's `DefaultResponseValidator`, which reports every 403 as "Bad OAuth request"
 * and drops `Retry-After`: every non-2xx response becomes a {@link SpotifyApiError} carrying the
 * status, Spotify's message and the `Retry-After` wait.
 */
export class SpotifyResponseValidator {
  async validateResponse(response: Response): Promise<void> {
    if (!response.ok) throw await spotifyErrorFromResponse(response);
  }
}

/**
 * The SDK's `IAuthStrategy` over {@link SpotifyAuth}: every request asks the store for a fresh
 * token (refreshing and persisting rotated refresh tokens there), unlike `withAccessToken`, which
 * keeps rotated refresh tokens in memory only. Throws the auth's `SpotifyAuthError` when not
 * connected (the SDK re-throws it). The SDK never sees the refresh token (`refresh_token: ""`).
 */
export function createTokenStoreAuthStrategy(auth: Pick<SpotifyAuth, 'getAccessToken'>, now: () => number = Date.now): IAuthStrategy {
  const toSdk = async (): Promise<AccessToken> => {
    const token = await auth.getAccessToken();
    return {
      access_token: token.accessToken,
      token_type: 'Bearer',
      expires_in: Math.max(0, Math.floor((token.expiresAt - now()) / 1000)),
      refresh_token: '',
      expires: token.expiresAt,
    };
  };
  return {
    // Nothing to configure: tokens come from the auth, requests use the SDK's own fetch option.
    setConfiguration() {},
    getOrCreateAccessToken: toSdk,
    getAccessToken: toSdk,
    // Disconnecting is the auth's job (it also clears storage); the SDK's logOut is not used.
    removeAccessToken() {},
  };
}

/** Options of {@link createSpotifyClient}; all but `auth` defaulted. */
export interface SpotifyClientOptions {
  readonly auth: Pick<SpotifyAuth, 'getAccessToken' | 'refreshAfterUnauthorized'>;
  readonly fetch?: typeof globalThis.fetch;
  /** Retries after the first attempt on 429, 5xx, timeouts and network errors (ky's backoff; default 2). */
  readonly retries?: number;
  /**
   * Longest `Retry-After` waited for, ms (default `RETRY_WAIT_MAX_MS`, 10 s). A 429 asking for
   * longer fails at once: asking again sooner only earns another 429. Unparseable values count as
   * absent (backoff).
   */
  readonly maxRetryAfterMs?: number;
  /** Per-attempt timeout up to the response headers, ms (ky's `timeout`; default 15 s). */
  readonly timeoutMs?: number;
  /**
   * Deadline of one {@link SpotifyClient.call}, ms: token, attempts, waits, the 401 refresh and
   * the body included (default {@link PROVIDER_REQUEST_DEADLINE_MS}, 20 s).
   */
  readonly deadlineMs?: number;
  readonly now?: () => number;
}

/** A Spotify Web API client whose answers are validated and whose calls end. */
export interface SpotifyClient {
  /**
   * Runs `request` against the SDK (a fresh instance per call, whose requests carry the call's
   * deadline signal) and validates its result with `schema`. A 401 refreshes the token once
   * (`refreshAfterUnauthorized`) and retries; 429 and 503 (waiting `Retry-After` up to
   * `maxRetryAfterMs`), 5xx, timeouts and network errors are retried by ky with backoff. The
   * whole call ends within `deadlineMs` (20 s), body included.
   * @throws SpotifyApiError `http` (status, `Retry-After`), `timeout` (an attempt timed out, or
   *   the call's deadline passed: "Spotify did not answer within 20 s"), `network`, or
   *   `malformed` (body not JSON or failing `schema`).
   * @throws SpotifyAuthError when not connected or the token cannot be refreshed.
   */
  call<T>(request: (api: SpotifyApi) => Promise<unknown>, schema: z.ZodType<T>): Promise<T>;
}

/** What the deadline message calls the Web API ("Spotify did not answer within 20 s"). */
const NAME = 'Spotify';

/** Creates the {@link SpotifyClient}. */
export function createSpotifyClient(options: SpotifyClientOptions): SpotifyClient {
  const maxWaitMs = options.maxRetryAfterMs ?? RETRY_WAIT_MAX_MS;
  const deadlineMs = options.deadlineMs ?? PROVIDER_REQUEST_DEADLINE_MS;
  const limit = options.retries ?? 2;
  const now = options.now ?? Date.now;
  const http = ky.create({
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    timeout: options.timeoutMs ?? 15_000,
    // Only retried statuses throw inside ky (which is what triggers its retry); the others reach
    // the SDK, whose response validator (ours) turns them into SpotifyApiError.
    throwHttpErrors: (status) => RETRIED_STATUSES.includes(status),
  });
  const strategy = createTokenStoreAuthStrategy(options.auth, now);

  /** An SDK instance whose requests carry `signal` (the SDK's fetch takes no per-call options). */
  const sdkFor = (signal: AbortSignal): SpotifyApi =>
    new SpotifyApi(strategy, {
      fetch: (input, init) =>
        http(input instanceof Request ? input : new Request(input, init), {
          signal,
          // A new object per request: it keeps this request's Retry-After.
          retry: boundedRetry({ limit, statusCodes: RETRIED_STATUSES, retryOnTimeout: true, maxWaitMs, now }),
        }),
      responseValidator: new SpotifyResponseValidator(),
    });

  async function once(api: SpotifyApi, request: (api: SpotifyApi) => Promise<unknown>): Promise<unknown> {
    try {
      return await request(api);
    } catch (error) {
      if (error instanceof SpotifyApiError || error instanceof SpotifyAuthError || error instanceof DeadlineError) throw error;
      if (error instanceof HTTPError) throw await spotifyErrorFromResponse(error.response, now());
      if (error instanceof TimeoutError) throw new SpotifyApiError('timeout', 'request timed out', { cause: error });
      if (error instanceof SyntaxError) throw new SpotifyApiError('malformed', 'response is not JSON', { cause: error });
      throw new SpotifyApiError('network', `network error (${errorMessage(error)})`, { cause: error });
    }
  }

  return {
    async call(request, schema) {
      let body: unknown;
      try {
        body = await withDeadline(deadlineMs, NAME, async (signal) => {
          const api = sdkFor(signal);
          const used = await options.auth.getAccessToken();
          try {
            return await once(api, request);
          } catch (error) {
            if (!(error instanceof SpotifyApiError) || error.status !== 401) throw error;
            await options.auth.refreshAfterUnauthorized(used.accessToken);
            return await once(api, request);
          }
        });
      } catch (error) {
        if (error instanceof DeadlineError) throw new SpotifyApiError('timeout', error.message, { cause: error });
        throw error;
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw new SpotifyApiError('malformed', `malformed response: ${z.prettifyError(parsed.error)}`);
      return parsed.data;
    },
  };
}
