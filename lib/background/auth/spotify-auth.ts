import {
  AuthorizationResponseError,
  INVALID_RESPONSE,
  None,
  OperationProcessingError,
  PARSE_ERROR,
  RESPONSE_IS_NOT_CONFORM,
  RESPONSE_IS_NOT_JSON,
  ResponseBodyError,
  UnsupportedOperationError,
  WWWAuthenticateChallengeError,
  allowInsecureRequests,
  authorizationCodeGrantRequest,
  customFetch,
  processAuthorizationCodeResponse,
  processRefreshTokenResponse,
  refreshTokenGrantRequest,
  validateAuthResponse,
  type AuthorizationServer,
  type Client,
  type TokenEndpointRequestOptions,
} from 'oauth4webapi';
import { browser } from 'wxt/browser';
import { z } from 'zod';
import { SPOTIFY_ACCOUNTS_ENDPOINTS, type SpotifyAccountsEndpoints } from '@/lib/background/auth/endpoints';
import { createPkceRequest, PKCE_METHOD } from '@/lib/background/auth/pkce';
import { DeadlineError, withDeadline } from '@/lib/background/deadline';
import { SpotifyClientIdSchema, createTokenStore, type AudioFeaturesAvailability, type SpotifyClientId, type StoredConnection, type TokenStore } from '@/lib/background/auth/token-store';
import { errorMessage } from '@/lib/shared/error-message';

/**
 * Scopes requested when connecting: none. The features this extension uses need no scope:
 * `GET /v1/audio-features` (developer.spotify.com/documentation/web-api/reference/get-several-audio-features)
 * and `GET /v1/search` (developer.spotify.com/documentation/web-api/reference/search) list no
 * "Authorization scopes"; any user token will do. So the `scope` parameter is left out, and the
 * scopes of the account actions ({@link SPOTIFY_ACTION_SCOPES}) are asked for when first needed
 * ({@link SpotifyAuth.ensureScopes}).
 */
export const SPOTIFY_SCOPES: readonly string[] = [];

/**
 * Scopes of the account actions (issue 12), asked the first time each is needed
 * (developer.spotify.com/documentation/web-api/concepts/scopes): `playlist-modify-private` to
 * create a private playlist and add to it; `playlist-read-private` to read a private playlist's
 * items; `user-library-read` to read Liked Songs.
 */
export const SPOTIFY_ACTION_SCOPES = ['playlist-modify-private', 'playlist-read-private', 'user-library-read'] as const;
/** One of {@link SPOTIFY_ACTION_SCOPES}. */
export type SpotifyActionScope = (typeof SPOTIFY_ACTION_SCOPES)[number];

/** The scopes of a space-separated `scope` string (RFC 6749 §3.3). */
export function scopeSet(scope: string): Set<string> {
  return new Set(scope.split(' ').filter((s) => s !== ''));
}

/**
 * How long before expiry an access token is refreshed, in ms: a request started with a token
 * that has less left could reach Spotify after it expired.
 */
export const REFRESH_MARGIN_MS = 60_000;

/** Name of the Web Lock that serializes token refreshes across the extension's contexts. */
export const REFRESH_LOCK_NAME = 'playlist-predictor:spotify-token';

/**
 * Deadline of one token endpoint request, ms (20 s): sending it, the answer and its body. Passed
 * to oauth4webapi as the request's `signal`, so the body read is aborted too.
 */
export const TOKEN_REQUEST_DEADLINE_MS = 20_000;

/**
 * Access-token lifetime assumed when the token response has no `expires_in` (RFC 6749 §5.1 only
 * RECOMMENDS it), s: Spotify's documented 3600
 * (developer.spotify.com/documentation/web-api/tutorials/code-pkce-flow).
 */
export const DEFAULT_ACCESS_TOKEN_LIFETIME_S = 3600;

/**
 * Longest access-token lifetime believed, s (1 day, 24 × Spotify's 3600 s): a larger
 * `expires_in` (e.g. `1e308`) is clamped to it. An early refresh costs one request; a lifetime
 * read as years would leave `expiresAt` unstorable (not finite) and a dead token in use.
 */
export const MAX_ACCESS_TOKEN_LIFETIME_S = 86_400;

/** `status().problem` after Spotify refused the stored refresh token (`invalid_grant`). */
export const RECONNECT_PROBLEM = 'Spotify no longer accepts the saved connection: connect again in the options.';

/** `status().problem` when rotated tokens could not be stored; `cause` says why ("storage full"). */
export function unsavedTokenProblem(cause: string): string {
  return `A new Spotify token could not be saved (${cause}); the connection works until the extension's background restarts (in Chrome, after some time without use). Free some storage, then connect again.`;
}

/** The part of `browser.identity` the flow uses (injectable for tests). */
export interface IdentityApi {
  /** `browser.identity.launchWebAuthFlow`: resolves with the URL the flow redirected to. */
  launchWebAuthFlow(details: { url: string; interactive: boolean }): Promise<string | undefined>;
  /** `browser.identity.getRedirectURL`: `https://<extension-id>.chromiumapp.org/` in Chrome. */
  getRedirectURL(): string;
}

/** The part of `navigator.locks` (Web Locks API) used to serialize refreshes. */
export interface LockApi {
  /** Runs `callback` while holding the exclusive lock `name`; resolves when it has finished. */
  request(name: string, callback: () => Promise<void>): Promise<void>;
}

/** What went wrong, for the UI: every {@link SpotifyAuthError} has one. */
export type SpotifyAuthErrorCode =
  /** No connection stored: the user has not connected, disconnected, or the sign-in expired. */
  | 'not-connected'
  /** The client ID typed by the user is not a Spotify client ID. */
  | 'invalid-client-id'
  /** The sign-in window was closed or could not load. */
  | 'cancelled'
  /** The user declined, or Spotify refused the authorization request (e.g. unknown client ID, redirect URI not registered). */
  | 'authorization-failed'
  /** The redirect back failed validation (wrong `state`, wrong redirect URL): possible CSRF, nothing stored. */
  | 'invalid-response'
  /** The token endpoint refused the request (an OAuth error other than a refused refresh token, or an HTTP error status); stored tokens are kept. */
  | 'token-request-failed'
  /**
   * The token endpoint answered 200 with a body that breaks RFC 6749 §5.1 (not JSON, no
   * `access_token`, a `token_type` other than Bearer, a bad `expires_in`, an empty
   * `refresh_token`, a `scope` that is not a string); stored tokens are kept.
   */
  | 'invalid-token-response'
  /** `invalid_grant` on refresh: the refresh token expired, was revoked or was already used; tokens were cleared. */
  | 'invalid-grant'
  /** Offline, no answer within {@link TOKEN_REQUEST_DEADLINE_MS}, or the token endpoint unreachable; stored tokens are kept. */
  | 'network'
  /**
   * New tokens from the authorization code could not be stored (IndexedDB failed, e.g.
   * `QuotaExceededError`): nothing is connected. (Rotated tokens from a refresh that cannot be
   * stored are kept in memory instead, and `status().problem` says so.)
   */
  | 'storage';

/** A Spotify connection failure with a message for the user. */
export class SpotifyAuthError extends Error {
  constructor(
    readonly code: SpotifyAuthErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SpotifyAuthError';
  }
}

/** The connection as the UI may see it: never a token. */
export type SpotifyConnectionStatus =
  | {
      readonly connected: false;
      /** Why the user may need to act (e.g. {@link RECONNECT_PROBLEM}), or `null`. */
      readonly problem: string | null;
    }
  | {
      readonly connected: true;
      /** What needs the user's attention (e.g. tokens that could not be saved), or `null`. */
      readonly problem: string | null;
      readonly clientId: string;
      /** Granted scopes, space-separated; empty until an account action asked for some. */
      readonly scope: string;
      /** When the user connected, ms since the epoch. */
      readonly connectedAt: number;
      /** When the current access token expires, ms since the epoch (it is refreshed on use). */
      readonly accessTokenExpiresAt: number;
      /** Whether this client ID's app can read audio features. */
      readonly audioFeatures: AudioFeaturesAvailability;
    };

/** An access token ready to use. */
export interface UsableAccessToken {
  readonly accessToken: string;
  readonly clientId: string;
  /** ms since the epoch; at least {@link REFRESH_MARGIN_MS} ahead when handed out. */
  readonly expiresAt: number;
}

/** Dependencies of {@link createSpotifyAuth}; all defaulted. */
export interface SpotifyAuthDeps {
  readonly store?: TokenStore;
  /** Used for the token endpoint requests. */
  readonly fetch?: typeof globalThis.fetch;
  /** Defaults to `browser.identity`. */
  readonly identity?: IdentityApi;
  readonly endpoints?: SpotifyAccountsEndpoints;
  /** Defaults to `navigator.locks` when the runtime has it; `null` disables cross-context locking. */
  readonly locks?: LockApi | null;
  readonly now?: () => number;
  /** Deadline of one token request, body included, ms (default {@link TOKEN_REQUEST_DEADLINE_MS}). */
  readonly timeoutMs?: number;
}

/** The Spotify connection: connect, disconnect, and access tokens that are always fresh. */
export interface SpotifyAuth {
  /** The redirect URI the user must register in their Spotify app (see {@link getRedirectUri}). */
  redirectUri(): string;
  /**
   * Runs Authorization Code with PKCE (RFC 7636, `S256`) for `clientId` in the
   * `launchWebAuthFlow` window, checks `state`, exchanges the code and stores the tokens,
   * replacing any previous connection. Requests no scope ({@link SPOTIFY_SCOPES}).
   * A successful connect clears any `problem`.
   * @throws SpotifyAuthError `invalid-client-id`, `cancelled`, `authorization-failed`,
   *   `invalid-response`, `token-request-failed`, `invalid-token-response`, `network` or
   *   `storage`; nothing is stored then.
   */
  connect(clientId: string): Promise<SpotifyConnectionStatus>;
  /**
   * Makes sure the connection has every scope of `scopes`: when one is missing, runs the same
   * PKCE flow again for the connected client ID with the granted scopes plus the missing ones
   * (Spotify shows its consent screen), and stores the new tokens in place of the old ones.
   * Resolves at once when all are granted. `interactive` must come from a user action.
   * @throws SpotifyAuthError `not-connected`, or any error of {@link connect} (the previous
   *   connection is kept then).
   */
  ensureScopes(scopes: readonly SpotifyActionScope[]): Promise<void>;
  /**
   * Forgets the connection: tokens and the audio-features availability of its client ID.
   * (Spotify has no token revocation endpoint; the user can remove the app's access at
   * spotify.com/account/apps.) Waits for a refresh in progress so it cannot store tokens after.
   * Clears any `problem`.
   */
  disconnect(): Promise<void>;
  /**
   * The connection (never a token) and its `problem`: {@link RECONNECT_PROBLEM} after Spotify
   * refused the stored refresh token (kept in the token store, so it survives restarts until the
   * user connects or disconnects), or {@link unsavedTokenProblem} while rotated tokens live in
   * memory only.
   */
  status(): Promise<SpotifyConnectionStatus>;
  /**
   * A token valid for at least {@link REFRESH_MARGIN_MS}, refreshed first if needed. Refreshes
   * are serialized (one token request however many callers, across contexts via Web Locks). The
   * token response is validated ({@link parseTokenResponse}) and the new token set stored before
   * anything else is awaited: Spotify rotates refresh tokens, so the old one is spent. If storing
   * fails (e.g. `QuotaExceededError`), the new tokens are kept in memory for this background's
   * life, used from there, and `status().problem` says so.
   * @throws SpotifyAuthError `not-connected`; on refresh `invalid-grant` (tokens cleared,
   *   `status().problem` set to {@link RECONNECT_PROBLEM}), `token-request-failed`,
   *   `invalid-token-response` or `network` (tokens kept).
   */
  getAccessToken(): Promise<UsableAccessToken>;
  /**
   * Called after the API answered 401 to `rejectedAccessToken`: refreshes unless another caller
   * already replaced that token, and returns the current one. Errors as {@link getAccessToken}.
   */
  refreshAfterUnauthorized(rejectedAccessToken: string): Promise<UsableAccessToken>;
}

/** The redirect URI of this extension (`identity.getRedirectURL()`), for the options page to show. */
export function getRedirectUri(identity: IdentityApi = defaultIdentity()): string {
  return identity.getRedirectURL();
}

function defaultIdentity(): IdentityApi {
  const api = browser.identity as typeof browser.identity | undefined;
  if (!api) throw new Error('browser.identity is unavailable: the extension needs the "identity" permission');
  return {
    launchWebAuthFlow: (details) => api.launchWebAuthFlow(details),
    getRedirectURL: () => api.getRedirectURL(),
  };
}

function defaultLocks(): LockApi | null {
  const locks = globalThis.navigator?.locks as LockManager | undefined;
  return locks
    ? {
        request: async (name, callback) => {
          await locks.request(name, callback);
        },
      }
    : null;
}

/**
 * The authorization request URL (RFC 6749 §4.1.1 with RFC 7636 §4.3): `response_type=code`,
 * `client_id`, `redirect_uri`, `state`, `code_challenge`, `code_challenge_method=S256`, and
 * `scope` only when `scopes` is not empty (space-separated; none when connecting, see
 * {@link SPOTIFY_SCOPES}).
 */
export function buildAuthorizeUrl(params: {
  readonly endpoints: SpotifyAccountsEndpoints;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly codeChallenge: string;
  readonly scopes?: readonly string[];
}): string {
  const url = new URL(params.endpoints.authorize);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', params.clientId);
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('state', params.state);
  url.searchParams.set('code_challenge', params.codeChallenge);
  url.searchParams.set('code_challenge_method', PKCE_METHOD);
  const scopes = params.scopes ?? SPOTIFY_SCOPES;
  if (scopes.length > 0) url.searchParams.set('scope', scopes.join(' '));
  return url.toString();
}

/** RFC 6749 Appendix A.12 and A.17: access and refresh tokens are `1*VSCHAR` (%x20-7E). */
const VSCHAR = /^[\x20-\x7E]+$/;

/** A received value for a message: strings quoted and cut to 40 characters. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const cut = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return typeof value === 'string' ? `'${cut}'` : cut;
}

/** A token field (`access_token`, `refresh_token`): a non-empty string of VSCHAR (RFC 6749 Appendix A). */
const tokenField = (name: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `without an ${name}` : `with an ${name} that is not a string (${shown(issue.input)})`) })
    .min(1, `with an empty ${name}`)
    .regex(VSCHAR, `with an ${name} containing characters a token cannot have`);

/**
 * The token endpoint's answer (RFC 6749 §5.1), each rule's message completing "Spotify's token
 * endpoint answered ...":
 * - `access_token`: REQUIRED, a non-empty string of VSCHAR (Appendix A.12).
 * - `token_type`: REQUIRED, `Bearer` compared case-insensitively (§5.1 "case insensitive";
 *   RFC 6750 §4 defines `Bearer`, the only type the Web API takes).
 * - `expires_in`: RECOMMENDED, a positive whole number of seconds (Appendix A.14 `1*DIGIT`, 0
 *   excluded; as a JSON number, or a string of digits only), clamped to {@link MAX_ACCESS_TOKEN_LIFETIME_S}; absent: {@link DEFAULT_ACCESS_TOKEN_LIFETIME_S}.
 * - `refresh_token`: OPTIONAL, when present a non-empty string of VSCHAR (Appendix A.17).
 * - `scope`: OPTIONAL, a string (§3.3).
 * Other members are ignored (§5.1: "The client MUST ignore unrecognized value names").
 */
const TokenResponseSchema = z.object(
  {
    access_token: tokenField('access_token'),
    token_type: z
      .string({ error: (issue) => (issue.input === undefined ? 'without a token_type' : `with a token_type that is not a string (${shown(issue.input)})`) })
      .refine((type) => type.toLowerCase() === 'bearer', { error: (issue) => `with an unexpected token_type ${shown(issue.input)} (expected Bearer)` }),
    expires_in: z
      .union(
        [
          z.number(),
          // Appendix A.14's `1*DIGIT` sent as a JSON string; any other string (oauth4webapi would
          // `parseFloat` it: "1e3", "3600abc", " 60") is refused. A huge digit run is clamped below.
          z
            .string()
            .regex(/^[0-9]+$/)
            .transform((digits) => Math.min(Number(digits), Number.MAX_SAFE_INTEGER)),
        ],
        { error: (issue) => `with an expires_in that is not a number (${shown(issue.input)})` },
      )
      .refine((s) => Number.isInteger(s) && s > 0, { error: (issue) => `with an invalid expires_in (${shown(issue.input)}): it must be a positive whole number of seconds` })
      .optional(),
    refresh_token: tokenField('refresh_token').optional(),
    scope: z.string({ error: (issue) => `with a scope that is not a string (${shown(issue.input)})` }).optional(),
  },
  { error: 'with a body that is not a JSON object' },
);

/** A validated token response (see {@link parseTokenResponse}). */
export interface TokenSet {
  readonly accessToken: string;
  /** Lifetime in s: `expires_in` clamped to {@link MAX_ACCESS_TOKEN_LIFETIME_S}, or {@link DEFAULT_ACCESS_TOKEN_LIFETIME_S}. */
  readonly expiresInS: number;
  readonly refreshToken?: string;
  readonly scope?: string;
}

/**
 * Validates a token endpoint response body (RFC 6749 §5.1; rules at {@link TokenResponseSchema}).
 * @throws SpotifyAuthError `invalid-token-response` naming the first broken rule, e.g.
 *   "Spotify's token endpoint answered with an unexpected token_type 'mac' (expected Bearer)".
 */
export function parseTokenResponse(body: unknown): TokenSet {
  const parsed = TokenResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new SpotifyAuthError('invalid-token-response', `Spotify's token endpoint answered ${parsed.error.issues[0]?.message ?? 'something unusable'}`);
  }
  const { access_token, expires_in, refresh_token, scope } = parsed.data;
  return {
    accessToken: access_token,
    expiresInS: Math.min(expires_in ?? DEFAULT_ACCESS_TOKEN_LIFETIME_S, MAX_ACCESS_TOKEN_LIFETIME_S),
    ...(refresh_token === undefined ? {} : { refreshToken: refresh_token }),
    ...(scope === undefined ? {} : { scope }),
  };
}

/**
 * The token response's JSON as Spotify sent it, for {@link parseTokenResponse}: oauth4webapi
 * checks the protocol (error answers, JSON) but converts a string `expires_in` with `parseFloat`
 * first (`"3600abc"` → 3600), so the rules are checked on a clone of the response read after it.
 */
async function bodyAsSent(response: Response): Promise<unknown> {
  return response.json();
}

/** oauth4webapi puts the parsed body it rejected in `cause.body`. */
const RejectedBodySchema = z.object({ body: z.unknown() });
/** oauth4webapi puts the response with an unexpected status in `cause`. */
const RejectedStatusSchema = z.object({ status: z.number() });

/**
 * Maps a token-endpoint failure (from oauth4webapi or the deadline) to a {@link SpotifyAuthError}
 * of its cause (tokens are never touched here): a refused request `token-request-failed`, an
 * unusable 200 answer `invalid-token-response` (with {@link parseTokenResponse}'s message when
 * oauth4webapi's own checks caught it first), no answer in time or no connection `network`.
 */
function tokenRequestError(error: unknown): SpotifyAuthError {
  if (error instanceof SpotifyAuthError) return error;
  if (error instanceof ResponseBodyError) {
    const detail = error.error_description ? `${error.error}: ${error.error_description}` : error.error;
    return new SpotifyAuthError('token-request-failed', `Spotify's token endpoint refused the request (HTTP ${error.status}, ${detail})`, { cause: error });
  }
  if (error instanceof WWWAuthenticateChallengeError) {
    return new SpotifyAuthError('token-request-failed', `Spotify's token endpoint refused the request (HTTP ${error.status}, authentication challenge)`, { cause: error });
  }
  if (error instanceof OperationProcessingError && error.code === RESPONSE_IS_NOT_CONFORM) {
    const status = RejectedStatusSchema.safeParse(error.cause);
    return new SpotifyAuthError('token-request-failed', `Spotify's token endpoint answered HTTP ${status.success ? status.data.status : '(unexpected status)'}`, { cause: error });
  }
  if (error instanceof OperationProcessingError && (error.code === PARSE_ERROR || error.code === RESPONSE_IS_NOT_JSON)) {
    return new SpotifyAuthError('invalid-token-response', "Spotify's token endpoint answered with a body that is not JSON", { cause: error });
  }
  if (error instanceof UnsupportedOperationError || (error instanceof OperationProcessingError && error.code === INVALID_RESPONSE)) {
    const rejected = RejectedBodySchema.safeParse(error.cause);
    if (rejected.success) {
      try {
        parseTokenResponse(rejected.data.body);
      } catch (invalid) {
        if (invalid instanceof SpotifyAuthError) return new SpotifyAuthError(invalid.code, invalid.message, { cause: error });
      }
    }
    return new SpotifyAuthError('invalid-token-response', `Spotify's token endpoint gave an unusable answer (${error.message})`, { cause: error });
  }
  if (error instanceof OperationProcessingError) {
    return new SpotifyAuthError('token-request-failed', `Spotify's token endpoint gave an unusable answer (${error.message})`, { cause: error });
  }
  if (error instanceof DeadlineError) return new SpotifyAuthError('network', error.message, { cause: error });
  return new SpotifyAuthError('network', `could not reach Spotify's token endpoint (${errorMessage(error)})`, { cause: error });
}

/** Why a store write failed, for {@link unsavedTokenProblem}: "storage full" for `QuotaExceededError`. */
function storageCause(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  const inner = error instanceof Error && error.cause instanceof Error ? error.cause.name : '';
  return name === 'QuotaExceededError' || inner === 'QuotaExceededError' ? 'storage full' : errorMessage(error).slice(0, 200);
}

/** Creates the {@link SpotifyAuth} of the background. */
export function createSpotifyAuth(deps: SpotifyAuthDeps = {}): SpotifyAuth {
  const store = deps.store ?? createTokenStore();
  const endpoints = deps.endpoints ?? SPOTIFY_ACCOUNTS_ENDPOINTS;
  const now = deps.now ?? Date.now;
  const locks = deps.locks === undefined ? defaultLocks() : deps.locks;
  const fetchFn = deps.fetch ?? globalThis.fetch.bind(globalThis);
  const deadlineMs = deps.timeoutMs ?? TOKEN_REQUEST_DEADLINE_MS;
  let identity = deps.identity;
  const getIdentity = (): IdentityApi => (identity ??= defaultIdentity());

  const as: AuthorizationServer = { issuer: endpoints.issuer, authorization_endpoint: endpoints.authorize, token_endpoint: endpoints.token };
  const clientFor = (clientId: string): Client => ({ client_id: clientId });
  const http = (signal: AbortSignal): TokenEndpointRequestOptions => ({
    [customFetch]: (url, options) => fetchFn(url, options),
    [allowInsecureRequests]: endpoints.allowInsecureRequests,
    signal,
  });
  /** One token request and its processed body, within the deadline; rejects as {@link tokenRequestError}. */
  async function tokenRequest(send: (signal: AbortSignal) => Promise<unknown>): Promise<unknown> {
    try {
      return await withDeadline(deadlineMs, "Spotify's token endpoint", send);
    } catch (error) {
      throw tokenRequestError(error);
    }
  }

  /**
   * Rotated tokens that could not be stored: newer than the stored connection, used instead of it
   * for this background's life (the stored refresh token is already spent).
   */
  let unsaved: StoredConnection | undefined;
  /** Why {@link unsaved} is set, for `status().problem`. */
  let unsavedProblem: string | null = null;
  /** {@link RECONNECT_PROBLEM} when it could not be stored either. */
  let unstoredProblem: string | null = null;
  /** The connection in use: the unsaved tokens if any, else the stored ones. */
  const current = async (): Promise<StoredConnection | undefined> => unsaved ?? (await store.load());

  /** Records (best effort: a failing store keeps it in memory) or clears the lasting problem. */
  async function setProblem(message: string | null): Promise<void> {
    unstoredProblem = null;
    try {
      await store.setProblem(message, now());
    } catch {
      unstoredProblem = message;
    }
  }

  // One critical section at a time in this context, and across contexts through the Web Lock.
  let tail: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (!locks) return fn();
      let out: { value: T } | undefined;
      await locks.request(REFRESH_LOCK_NAME, async () => {
        out = { value: await fn() };
      });
      if (!out) throw new Error(`the ${REFRESH_LOCK_NAME} lock was released without running`);
      return out.value;
    };
    const result = tail.then(run, run);
    tail = result.catch(() => undefined);
    return result;
  }

  let refreshing: Promise<StoredConnection> | undefined;

  /** Refreshes when `isStale(current)`; concurrent callers share one refresh. */
  function refreshIf(isStale: (stored: StoredConnection) => boolean): Promise<StoredConnection> {
    refreshing ??= exclusive(async () => {
      // Re-read inside the lock: another context may have rotated the tokens meanwhile.
      const connection = await current();
      if (!connection) throw new SpotifyAuthError('not-connected', 'Spotify is not connected');
      return isStale(connection) ? refresh(connection) : connection;
    }).finally(() => (refreshing = undefined));
    return refreshing;
  }

  /** RFC 6749 §6 refresh; runs inside {@link exclusive}. */
  async function refresh(connection: StoredConnection): Promise<StoredConnection> {
    const client = clientFor(connection.clientId);
    let tokens: TokenSet;
    try {
      const body = await tokenRequest(async (signal) => {
        const response = await refreshTokenGrantRequest(as, client, None(), connection.refreshToken, http(signal));
        const sent = response.clone();
        await processRefreshTokenResponse(as, client, response);
        return bodyAsSent(sent);
      });
      tokens = parseTokenResponse(body);
    } catch (error) {
      if (error instanceof SpotifyAuthError && error.cause instanceof ResponseBodyError && error.cause.error === 'invalid_grant') {
        unsaved = undefined;
        unsavedProblem = null;
        await store.clearTokens().catch(() => undefined);
        await setProblem(RECONNECT_PROBLEM);
        throw new SpotifyAuthError(
          'invalid-grant',
          'Spotify no longer accepts the saved connection (the sign-in expired, was revoked, or was used elsewhere): connect again in the options',
          { cause: error.cause },
        );
      }
      throw error;
    }
    const next: StoredConnection = {
      ...connection,
      accessToken: tokens.accessToken,
      expiresAt: now() + tokens.expiresInS * 1000,
      // Spotify rotates PKCE refresh tokens; a response without one keeps the old (RFC 6749 §6).
      refreshToken: tokens.refreshToken ?? connection.refreshToken,
      scope: tokens.scope ?? connection.scope,
    };
    // Stored before anything else is awaited: the old refresh token is spent now.
    try {
      await store.save(next);
    } catch (error) {
      // Not storable (e.g. QuotaExceededError): the new tokens still work, from memory, until
      // the background restarts; the stored refresh token is spent, so say so.
      unsaved = next;
      unsavedProblem = unsavedTokenProblem(storageCause(error));
      return next;
    }
    unsaved = undefined;
    unsavedProblem = null;
    return next;
  }

  async function saveOrThrow(connection: StoredConnection): Promise<void> {
    try {
      await store.save(connection);
    } catch (error) {
      throw new SpotifyAuthError('storage', `could not store the Spotify sign-in (${errorMessage(error)}); free some disk space and connect again if this persists`, { cause: error });
    }
  }

  const usable = (c: StoredConnection): UsableAccessToken => ({ accessToken: c.accessToken, clientId: c.clientId, expiresAt: c.expiresAt });
  const expiring = (c: StoredConnection): boolean => c.expiresAt - REFRESH_MARGIN_MS <= now();

  async function status(): Promise<SpotifyConnectionStatus> {
    const c = await current();
    const problem = unsavedProblem ?? unstoredProblem ?? (await store.getProblem()) ?? null;
    if (!c) return { connected: false, problem };
    return {
      connected: true,
      problem,
      clientId: c.clientId,
      scope: c.scope,
      connectedAt: c.connectedAt,
      accessTokenExpiresAt: c.expiresAt,
      audioFeatures: await store.getAvailability(c.clientId),
    };
  }

  return {
    redirectUri: () => getRedirectUri(getIdentity()),
    status,

    async connect(clientIdInput) {
      const id = SpotifyClientIdSchema.safeParse(clientIdInput);
      if (!id.success) throw new SpotifyAuthError('invalid-client-id', z.prettifyError(id.error));
      await authorize(id.data, SPOTIFY_SCOPES);
      return status();
    },

    async ensureScopes(scopes) {
      const c = await current();
      if (!c) throw new SpotifyAuthError('not-connected', 'Spotify is not connected');
      const granted = scopeSet(c.scope);
      if (scopes.every((s) => granted.has(s))) return;
      await authorize(c.clientId, [...new Set([...granted, ...scopes])]);
    },

    async disconnect() {
      await exclusive(async () => {
        const c = await current();
        unsaved = undefined;
        unsavedProblem = null;
        await store.clearTokens();
        await setProblem(null);
        if (c) await store.setAvailability(c.clientId, { state: 'unknown' });
      });
    },

    async getAccessToken() {
      const c = await current();
      if (!c) throw new SpotifyAuthError('not-connected', 'Spotify is not connected');
      return usable(expiring(c) ? await refreshIf(expiring) : c);
    },

    async refreshAfterUnauthorized(rejectedAccessToken) {
      return usable(await refreshIf((c) => c.accessToken === rejectedAccessToken || expiring(c)));
    },
  };

  /**
   * Authorization Code with PKCE for `clientId` asking for `scopes`, in the `launchWebAuthFlow`
   * window; stores the new connection (see {@link SpotifyAuth.connect}). A token response without
   * `scope` means the scopes were granted as asked (RFC 6749 §5.1).
   */
  async function authorize(clientId: SpotifyClientId, scopes: readonly string[]): Promise<void> {
    const client = clientFor(clientId);
    const redirectUri = getIdentity().getRedirectURL();
    const pkce = await createPkceRequest();
    const url = buildAuthorizeUrl({ endpoints, clientId, redirectUri, state: pkce.state, codeChallenge: pkce.challenge, scopes });

    let responseUrl: string | undefined;
    try {
      responseUrl = await getIdentity().launchWebAuthFlow({ url, interactive: true });
    } catch (error) {
      throw new SpotifyAuthError('cancelled', `the Spotify sign-in window was closed or failed (${errorMessage(error)})`, { cause: error });
    }
    if (!responseUrl) throw new SpotifyAuthError('cancelled', 'the Spotify sign-in window was closed');
    if (!URL.canParse(responseUrl) || !responseUrl.startsWith(redirectUri)) {
      throw new SpotifyAuthError('invalid-response', `the sign-in ended at an unexpected address (expected ${redirectUri})`);
    }

    let params: URLSearchParams;
    try {
      params = validateAuthResponse(as, client, new URL(responseUrl), pkce.state);
    } catch (error) {
      if (error instanceof AuthorizationResponseError) {
        const why = error.error === 'access_denied' ? 'you declined access' : error.error_description ? `${error.error}: ${error.error_description}` : error.error;
        throw new SpotifyAuthError('authorization-failed', `Spotify did not authorize the extension (${why})`, { cause: error });
      }
      throw new SpotifyAuthError('invalid-response', `the sign-in response was rejected (${errorMessage(error)})`, { cause: error });
    }

    const body = await tokenRequest(async (signal) => {
      const response = await authorizationCodeGrantRequest(as, client, None(), params, redirectUri, pkce.verifier, http(signal));
      const sent = response.clone();
      await processAuthorizationCodeResponse(as, client, response);
      return bodyAsSent(sent);
    });
    const tokens = parseTokenResponse(body);
    if (tokens.refreshToken === undefined) throw new SpotifyAuthError('invalid-token-response', "Spotify's token endpoint answered without a refresh_token");
    const connectedAt = now();
    const connection: StoredConnection = {
      clientId,
      accessToken: tokens.accessToken,
      expiresAt: connectedAt + tokens.expiresInS * 1000,
      refreshToken: tokens.refreshToken,
      scope: tokens.scope ?? scopes.join(' '),
      connectedAt,
    };
    await exclusive(async () => {
      await saveOrThrow(connection);
      unsaved = undefined;
      unsavedProblem = null;
      await setProblem(null);
    });
  }
}
