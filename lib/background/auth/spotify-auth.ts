import {
  AuthorizationResponseError,
  None,
  OperationProcessingError,
  ResponseBodyError,
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
import { SpotifyClientIdSchema, createTokenStore, type AudioFeaturesAvailability, type StoredConnection, type TokenStore } from '@/lib/background/auth/token-store';

/**
 * Scopes requested: none. The features this extension uses need no scope: `GET /v1/audio-features`
 * (developer.spotify.com/documentation/web-api/reference/get-several-audio-features) and
 * `GET /v1/search` (developer.spotify.com/documentation/web-api/reference/search) list no
 * "Authorization scopes"; any user token will do. So the `scope` parameter is left out.
 */
export const SPOTIFY_SCOPES: readonly string[] = [];

/**
 * How long before expiry an access token is refreshed, in ms: a request started with a token
 * that has less left could reach Spotify after it expired.
 */
export const REFRESH_MARGIN_MS = 60_000;

/** Name of the Web Lock that serializes token refreshes across the extension's contexts. */
export const REFRESH_LOCK_NAME = 'playlist-predictor:spotify-token';

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
  /** The token endpoint refused or answered something unusable; stored tokens are kept. */
  | 'token-request-failed'
  /** `invalid_grant` on refresh: the refresh token expired, was revoked or was already used; tokens were cleared. */
  | 'invalid-grant'
  /** Offline, timed out, or the token endpoint unreachable; stored tokens are kept. */
  | 'network'
  /**
   * New tokens could not be stored (IndexedDB failed, e.g. `QuotaExceededError`); they are not
   * handed out either, since a rotated refresh token that is not stored is lost at the next restart.
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
  | { readonly connected: false }
  | {
      readonly connected: true;
      readonly clientId: string;
      /** Granted scopes, space-separated; empty since none are requested. */
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
  /** Token request timeout, ms. */
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
   * @throws SpotifyAuthError `invalid-client-id`, `cancelled`, `authorization-failed`,
   *   `invalid-response`, `token-request-failed`, `network` or `storage`; nothing is stored then.
   */
  connect(clientId: string): Promise<SpotifyConnectionStatus>;
  /**
   * Forgets the connection: tokens and the audio-features availability of its client ID.
   * (Spotify has no token revocation endpoint; the user can remove the app's access at
   * spotify.com/account/apps.) Waits for a refresh in progress so it cannot store tokens after.
   */
  disconnect(): Promise<void>;
  status(): Promise<SpotifyConnectionStatus>;
  /**
   * A token valid for at least {@link REFRESH_MARGIN_MS}, refreshed first if needed. Refreshes
   * are serialized (one token request however many callers, across contexts via Web Locks), and
   * the rotated refresh token is stored before the new access token is returned.
   * @throws SpotifyAuthError `not-connected`; on refresh `invalid-grant` (tokens cleared),
   *   `token-request-failed` or `network` (tokens kept), `storage` (new tokens not storable).
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
 * `client_id`, `redirect_uri`, `state`, `code_challenge`, `code_challenge_method=S256`, and no
 * `scope` (see {@link SPOTIFY_SCOPES}).
 */
export function buildAuthorizeUrl(params: {
  readonly endpoints: SpotifyAccountsEndpoints;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly codeChallenge: string;
}): string {
  const url = new URL(params.endpoints.authorize);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', params.clientId);
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('state', params.state);
  url.searchParams.set('code_challenge', params.codeChallenge);
  url.searchParams.set('code_challenge_method', PKCE_METHOD);
  if (SPOTIFY_SCOPES.length > 0) url.searchParams.set('scope', SPOTIFY_SCOPES.join(' '));
  return url.toString();
}

/**
 * The token endpoint's answer as this extension needs it (RFC 6749 §5.1). Spotify access tokens
 * last 3600 s (developer.spotify.com/documentation/web-api/tutorials/code-pkce-flow); that is
 * assumed when `expires_in` is missing.
 */
const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive().default(3600),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
});

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Maps a token-endpoint failure to a {@link SpotifyAuthError} (tokens are never touched here). */
function tokenRequestError(error: unknown): SpotifyAuthError {
  if (error instanceof SpotifyAuthError) return error;
  if (error instanceof ResponseBodyError) {
    const detail = error.error_description ? `${error.error}: ${error.error_description}` : error.error;
    return new SpotifyAuthError('token-request-failed', `Spotify's token endpoint refused the request (HTTP ${error.status}, ${detail})`, { cause: error });
  }
  if (error instanceof OperationProcessingError) {
    return new SpotifyAuthError('token-request-failed', `Spotify's token endpoint gave an unusable answer (${error.message})`, { cause: error });
  }
  return new SpotifyAuthError('network', `could not reach Spotify's token endpoint (${describe(error)})`, { cause: error });
}

/** Creates the {@link SpotifyAuth} of the background. */
export function createSpotifyAuth(deps: SpotifyAuthDeps = {}): SpotifyAuth {
  const store = deps.store ?? createTokenStore();
  const endpoints = deps.endpoints ?? SPOTIFY_ACCOUNTS_ENDPOINTS;
  const now = deps.now ?? Date.now;
  const locks = deps.locks === undefined ? defaultLocks() : deps.locks;
  const fetchFn = deps.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = deps.timeoutMs ?? 15_000;
  let identity = deps.identity;
  const getIdentity = (): IdentityApi => (identity ??= defaultIdentity());

  const as: AuthorizationServer = { issuer: endpoints.issuer, authorization_endpoint: endpoints.authorize, token_endpoint: endpoints.token };
  const clientFor = (clientId: string): Client => ({ client_id: clientId });
  const http = (): TokenEndpointRequestOptions => ({
    [customFetch]: (url, options) => fetchFn(url, options),
    [allowInsecureRequests]: endpoints.allowInsecureRequests,
    signal: () => AbortSignal.timeout(timeoutMs),
  });

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

  /** Refreshes when `isStale(stored)`; concurrent callers share one refresh. */
  function refreshIf(isStale: (stored: StoredConnection) => boolean): Promise<StoredConnection> {
    refreshing ??= exclusive(async () => {
      // Re-read inside the lock: another context may have rotated the tokens meanwhile.
      const current = await store.load();
      if (!current) throw new SpotifyAuthError('not-connected', 'Spotify is not connected');
      return isStale(current) ? refresh(current) : current;
    }).finally(() => (refreshing = undefined));
    return refreshing;
  }

  /** RFC 6749 §6 refresh; runs inside {@link exclusive}. */
  async function refresh(current: StoredConnection): Promise<StoredConnection> {
    const client = clientFor(current.clientId);
    let body;
    try {
      const response = await refreshTokenGrantRequest(as, client, None(), current.refreshToken, http());
      body = await processRefreshTokenResponse(as, client, response);
    } catch (error) {
      if (error instanceof ResponseBodyError && error.error === 'invalid_grant') {
        await store.clearTokens();
        throw new SpotifyAuthError(
          'invalid-grant',
          'Spotify no longer accepts this sign-in (it expired, was revoked, or was used elsewhere): connect again in the options',
          { cause: error },
        );
      }
      throw tokenRequestError(error);
    }
    const tokens = TokenResponseSchema.safeParse(body);
    if (!tokens.success) throw new SpotifyAuthError('token-request-failed', `Spotify's token response is malformed: ${z.prettifyError(tokens.error)}`);
    const next: StoredConnection = {
      ...current,
      accessToken: tokens.data.access_token,
      expiresAt: now() + tokens.data.expires_in * 1000,
      // Spotify rotates PKCE refresh tokens; a response without one keeps the old (RFC 6749 §6).
      refreshToken: tokens.data.refresh_token ?? current.refreshToken,
      scope: tokens.data.scope ?? current.scope,
    };
    // Persist before anyone uses the new access token: the old refresh token is now spent.
    await saveOrThrow(next);
    return next;
  }

  async function saveOrThrow(connection: StoredConnection): Promise<void> {
    try {
      await store.save(connection);
    } catch (error) {
      throw new SpotifyAuthError('storage', `could not store the Spotify sign-in (${describe(error)}); free some disk space and connect again if this persists`, { cause: error });
    }
  }

  const usable = (c: StoredConnection): UsableAccessToken => ({ accessToken: c.accessToken, clientId: c.clientId, expiresAt: c.expiresAt });
  const expiring = (c: StoredConnection): boolean => c.expiresAt - REFRESH_MARGIN_MS <= now();

  async function status(): Promise<SpotifyConnectionStatus> {
    const c = await store.load();
    if (!c) return { connected: false };
    return {
      connected: true,
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
      const clientId = id.data;
      const client = clientFor(clientId);
      const redirectUri = getIdentity().getRedirectURL();
      const pkce = await createPkceRequest();
      const url = buildAuthorizeUrl({ endpoints, clientId, redirectUri, state: pkce.state, codeChallenge: pkce.challenge });

      let responseUrl: string | undefined;
      try {
        responseUrl = await getIdentity().launchWebAuthFlow({ url, interactive: true });
      } catch (error) {
        throw new SpotifyAuthError('cancelled', `the Spotify sign-in window was closed or failed (${describe(error)})`, { cause: error });
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
        throw new SpotifyAuthError('invalid-response', `the sign-in response was rejected (${describe(error)})`, { cause: error });
      }

      let body;
      try {
        const response = await authorizationCodeGrantRequest(as, client, None(), params, redirectUri, pkce.verifier, http());
        body = await processAuthorizationCodeResponse(as, client, response);
      } catch (error) {
        throw tokenRequestError(error);
      }
      const tokens = TokenResponseSchema.safeParse(body);
      if (!tokens.success) throw new SpotifyAuthError('token-request-failed', `Spotify's token response is malformed: ${z.prettifyError(tokens.error)}`);
      if (!tokens.data.refresh_token) throw new SpotifyAuthError('token-request-failed', "Spotify's token response has no refresh token");
      const connectedAt = now();
      const connection: StoredConnection = {
        clientId,
        accessToken: tokens.data.access_token,
        expiresAt: connectedAt + tokens.data.expires_in * 1000,
        refreshToken: tokens.data.refresh_token,
        scope: tokens.data.scope ?? '',
        connectedAt,
      };
      await exclusive(() => saveOrThrow(connection));
      return status();
    },

    async disconnect() {
      await exclusive(async () => {
        const c = await store.load();
        await store.clearTokens();
        if (c) await store.setAvailability(c.clientId, { state: 'unknown' });
      });
    },

    async getAccessToken() {
      const c = await store.load();
      if (!c) throw new SpotifyAuthError('not-connected', 'Spotify is not connected');
      return usable(expiring(c) ? await refreshIf(expiring) : c);
    },

    async refreshAfterUnauthorized(rejectedAccessToken) {
      return usable(await refreshIf((c) => c.accessToken === rejectedAccessToken || expiring(c)));
    },
  };
}
