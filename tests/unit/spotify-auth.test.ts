import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { SPOTIFY_PRODUCTION_ENDPOINTS, e2eEndpoints, SPOTIFY_ACCOUNTS_ENDPOINTS } from '@/lib/background/auth/endpoints';
import { createPkceRequest, pkceChallenge } from '@/lib/background/auth/pkce';
import {
  REFRESH_MARGIN_MS,
  SpotifyAuthError,
  buildAuthorizeUrl,
  createSpotifyAuth,
  getRedirectUri,
  parseTokenResponse,
  type LockApi,
} from '@/lib/background/auth/spotify-auth';
import { createTokenStore, type StoredConnection, type TokenStore } from '@/lib/background/auth/token-store';
import { PredictorDatabase } from '@/lib/background/cache';
import { CLIENT_ID, REDIRECT, TOKEN_URL, connection, fakeIdentity, fakeTokenEndpoint, jsonResponse, loggingStore, s256 } from './support/spotify-fakes';

const openDatabases: PredictorDatabase[] = [];
function freshStore(): TokenStore {
  const db = new PredictorDatabase(`test-${crypto.randomUUID()}`);
  openDatabases.push(db);
  return createTokenStore(db);
}
beforeEach(() => {
  fakeBrowser.reset();
});
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  for (const db of openDatabases.splice(0)) await db.delete();
});

const T0 = 1_800_000_000_000;
const noIdentity = fakeIdentity(() => {
  throw new Error('no sign-in expected');
}).identity;

/** Rejects with a SpotifyAuthError whose code is `code`. */
async function expectAuthError(promise: Promise<unknown>, code: SpotifyAuthError['code'], message?: RegExp) {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ name: 'SpotifyAuthError', code });
  if (message) expect(String(error instanceof Error ? error.message : error)).toMatch(message);
}

describe('PKCE (RFC 7636)', () => {
  it('computes the S256 challenge of the appendix B test vector', async () => {
    // RFC 7636 Appendix B (www.rfc-editor.org/rfc/rfc7636#appendix-B), also what Node's own
    // SHA-256 gives for this verifier.
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    expect(await pkceChallenge(verifier)).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    expect(s256(verifier)).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes fresh verifiers of 43 base64url characters (§4.1), their S256 challenge, and fresh states', async () => {
    const [a, b] = [await createPkceRequest(), await createPkceRequest()];
    for (const r of [a, b]) {
      expect(r.verifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
      expect(r.challenge).toBe(s256(r.verifier));
      expect(r.method).toBe('S256');
      expect(r.state.length).toBeGreaterThanOrEqual(22);
    }
    expect(a.verifier).not.toBe(b.verifier);
    expect(a.state).not.toBe(b.state);
  });

  it('builds the authorize URL with S256, the state and no scope', () => {
    const url = new URL(buildAuthorizeUrl({ endpoints: SPOTIFY_PRODUCTION_ENDPOINTS, clientId: CLIENT_ID, redirectUri: REDIRECT, state: 'st', codeChallenge: 'ch' }));
    expect(`${url.origin}${url.pathname}`).toBe('https://accounts.spotify.com/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT,
      state: 'st',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
    });
  });
});

describe('accounts endpoints', () => {
  it('uses Spotify outside e2e builds', () => {
    expect(import.meta.env.MODE).not.toBe('e2e');
    expect(SPOTIFY_ACCOUNTS_ENDPOINTS).toEqual({
      issuer: 'https://accounts.spotify.com',
      authorize: 'https://accounts.spotify.com/authorize',
      token: 'https://accounts.spotify.com/api/token',
      allowInsecureRequests: false,
    });
  });

  it('accepts only a loopback http origin for the e2e fake server', () => {
    expect(e2eEndpoints('http://127.0.0.1:47821')).toEqual({
      issuer: 'http://127.0.0.1:47821',
      authorize: 'http://127.0.0.1:47821/authorize',
      token: 'http://127.0.0.1:47821/api/token',
      allowInsecureRequests: true,
    });
    for (const bad of [undefined, '', 'http://localhost:47821', 'https://evil.example', 'http://127.0.0.1:47821/x']) {
      expect(() => e2eEndpoints(bad)).toThrow(/WXT_E2E_AUTH_ORIGIN/);
    }
  });
});

describe('connect (authorization code with PKCE)', () => {
  /** A sign-in that approves and redirects back with `code` and the request's state. */
  const approving = (code = 'the-code') => fakeIdentity((url) => `${REDIRECT}?code=${code}&state=${url.searchParams.get('state') ?? ''}`);

  it('exchanges the code with the verifier of the challenge it sent, and stores the tokens', async () => {
    const store = freshStore();
    const { identity, opened } = approving();
    const token = fakeTokenEndpoint(() => jsonResponse({ access_token: 'acc', token_type: 'Bearer', expires_in: 3600, refresh_token: 'ref', scope: '' }));
    const auth = createSpotifyAuth({ store, identity, fetch: token.fetch, now: () => T0, locks: null });

    const status = await auth.connect(CLIENT_ID);

    expect(opened).toHaveLength(1);
    const sent = opened[0]?.searchParams;
    expect(sent?.get('scope')).toBeNull();
    expect(sent?.get('code_challenge_method')).toBe('S256');
    expect(token.calls).toHaveLength(1);
    const form = token.calls[0]?.form;
    expect(token.calls[0]?.url).toBe(TOKEN_URL);
    expect(form?.get('grant_type')).toBe('authorization_code');
    expect(form?.get('code')).toBe('the-code');
    expect(form?.get('redirect_uri')).toBe(REDIRECT);
    expect(form?.get('client_id')).toBe(CLIENT_ID);
    expect(form?.has('client_secret')).toBe(false);
    expect(s256(form?.get('code_verifier') ?? '')).toBe(sent?.get('code_challenge'));

    expect(status).toEqual({ connected: true, problem: null, clientId: CLIENT_ID, scope: '', connectedAt: T0, accessTokenExpiresAt: T0 + 3_600_000, audioFeatures: { state: 'unknown' } });
    expect(await store.load()).toEqual({ clientId: CLIENT_ID, accessToken: 'acc', expiresAt: T0 + 3_600_000, refreshToken: 'ref', scope: '', connectedAt: T0 });
    expect(await auth.getAccessToken()).toEqual({ accessToken: 'acc', clientId: CLIENT_ID, expiresAt: T0 + 3_600_000 });
  });

  it('rejects a redirect whose state does not match, without a token request or storing anything', async () => {
    const store = freshStore();
    const { identity } = fakeIdentity(() => `${REDIRECT}?code=stolen&state=attacker`);
    const token = fakeTokenEndpoint(() => jsonResponse({ access_token: 'acc', token_type: 'Bearer', expires_in: 3600, refresh_token: 'ref' }));
    const auth = createSpotifyAuth({ store, identity, fetch: token.fetch, locks: null });
    await expectAuthError(auth.connect(CLIENT_ID), 'invalid-response', /state/);
    expect(token.calls).toHaveLength(0);
    expect(await store.load()).toBeUndefined();
  });

  it('rejects a redirect without state', async () => {
    const { identity } = fakeIdentity(() => `${REDIRECT}?code=abc`);
    const token = fakeTokenEndpoint(() => jsonResponse({}));
    await expectAuthError(createSpotifyAuth({ store: freshStore(), identity, fetch: token.fetch, locks: null }).connect(CLIENT_ID), 'invalid-response', /state/);
    expect(token.calls).toHaveLength(0);
  });

  it('rejects a redirect to another address', async () => {
    const { identity } = fakeIdentity((url) => `https://evil.example/?code=abc&state=${url.searchParams.get('state') ?? ''}`);
    const token = fakeTokenEndpoint(() => jsonResponse({}));
    await expectAuthError(createSpotifyAuth({ store: freshStore(), identity, fetch: token.fetch, locks: null }).connect(CLIENT_ID), 'invalid-response', /unexpected address/);
    expect(token.calls).toHaveLength(0);
  });

  it('reports a declined authorization', async () => {
    const { identity } = fakeIdentity((url) => `${REDIRECT}?error=access_denied&state=${url.searchParams.get('state') ?? ''}`);
    await expectAuthError(createSpotifyAuth({ store: freshStore(), identity, locks: null }).connect(CLIENT_ID), 'authorization-failed', /declined/);
  });

  it('reports a closed sign-in window', async () => {
    const closed = fakeIdentity(() => Promise.reject(new Error('The user did not approve access.'))).identity;
    await expectAuthError(createSpotifyAuth({ store: freshStore(), identity: closed, locks: null }).connect(CLIENT_ID), 'cancelled', /did not approve/);
  });

  it('refuses a malformed client ID before opening anything', async () => {
    const { identity, opened } = approving();
    await expectAuthError(createSpotifyAuth({ store: freshStore(), identity, locks: null }).connect('not-a-client-id'), 'invalid-client-id', /32 hexadecimal/);
    expect(opened).toHaveLength(0);
  });

  it('reports a refused code exchange and stores nothing', async () => {
    const store = freshStore();
    const token = fakeTokenEndpoint(() => jsonResponse({ error: 'invalid_grant', error_description: 'Invalid authorization code' }, 400));
    const auth = createSpotifyAuth({ store, identity: approving().identity, fetch: token.fetch, locks: null });
    await expectAuthError(auth.connect(CLIENT_ID), 'token-request-failed', /Invalid authorization code/);
    expect(await store.load()).toBeUndefined();
  });

  it('reports a token response without a refresh token as an invalid token response', async () => {
    const store = freshStore();
    const token = fakeTokenEndpoint(() => jsonResponse({ access_token: 'acc', token_type: 'Bearer', expires_in: 3600 }));
    const auth = createSpotifyAuth({ store, identity: approving().identity, fetch: token.fetch, locks: null });
    await expectAuthError(auth.connect(CLIENT_ID), 'invalid-token-response', /without a refresh_token/);
    expect(await store.load()).toBeUndefined();
  });

  it.each([
    ['token_type "mac"', { access_token: 'acc', token_type: 'mac', expires_in: 3600, refresh_token: 'ref' }, /unexpected token_type 'mac'/],
    ['no access_token', { token_type: 'Bearer', expires_in: 3600, refresh_token: 'ref' }, /without an access_token/],
    ['a body that is not JSON', '<html>oops</html>', /not JSON/],
  ])('reports a code exchange answered with %s as an invalid token response and stores nothing', async (_, body, message) => {
    const store = freshStore();
    const token = fakeTokenEndpoint(() => (typeof body === 'string' ? new Response(body, { status: 200, headers: { 'content-type': 'text/html' } }) : jsonResponse(body)));
    const auth = createSpotifyAuth({ store, identity: approving().identity, fetch: token.fetch, locks: null });
    await expectAuthError(auth.connect(CLIENT_ID), 'invalid-token-response', message);
    expect(await store.load()).toBeUndefined();
  });

  it('uses browser.identity by default', async () => {
    const getRedirectURL = vi.spyOn(fakeBrowser.identity, 'getRedirectURL').mockReturnValue(REDIRECT);
    const launch = vi
      .spyOn(fakeBrowser.identity, 'launchWebAuthFlow')
      .mockImplementation(async ({ url }) => `${REDIRECT}?code=c&state=${new URL(url).searchParams.get('state') ?? ''}`);
    const token = fakeTokenEndpoint(() => jsonResponse({ access_token: 'acc', token_type: 'Bearer', expires_in: 3600, refresh_token: 'ref' }));
    expect(getRedirectUri()).toBe(REDIRECT);
    const status = await createSpotifyAuth({ store: freshStore(), fetch: token.fetch, locks: null }).connect(CLIENT_ID);
    expect(status.connected).toBe(true);
    expect(launch).toHaveBeenCalledWith(expect.objectContaining({ interactive: true }));
    expect(getRedirectURL).toHaveBeenCalled();
  });

  it('exposes the redirect URI to register', () => {
    expect(getRedirectUri(noIdentity)).toBe(REDIRECT);
    expect(createSpotifyAuth({ store: freshStore(), identity: noIdentity }).redirectUri()).toBe(REDIRECT);
  });
});

describe('scopes asked when an account action first needs them (issue 12)', () => {
  const approving = () => fakeIdentity((url) => `${REDIRECT}?code=c&state=${url.searchParams.get('state') ?? ''}`);

  it('asks once, with the granted scopes plus the missing one, for the connected client ID; then never again', async () => {
    const store = freshStore();
    await store.save(connection({ scope: '' }));
    const { identity, opened } = approving();
    // Spotify answers with the scopes it granted.
    const token = fakeTokenEndpoint(() => jsonResponse({ access_token: 'acc2', token_type: 'Bearer', expires_in: 3600, refresh_token: 'ref2', scope: 'playlist-modify-private' }));
    const auth = createSpotifyAuth({ store, identity, fetch: token.fetch, now: () => T0, locks: null });

    await auth.ensureScopes(['playlist-modify-private']);
    expect(opened).toHaveLength(1);
    expect(opened[0]?.searchParams.get('scope')).toBe('playlist-modify-private');
    expect(opened[0]?.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(await store.load()).toMatchObject({ accessToken: 'acc2', refreshToken: 'ref2', scope: 'playlist-modify-private' });
    await auth.ensureScopes(['playlist-modify-private']);
    expect(opened).toHaveLength(1);

    // A second action's scope is asked together with the one already granted.
    await auth.ensureScopes(['user-library-read']);
    expect(opened).toHaveLength(2);
    expect(opened[1]?.searchParams.get('scope')).toBe('playlist-modify-private user-library-read');
  });

  it('a token response without scope grants what was asked (RFC 6749 §5.1); a declined consent keeps the old connection', async () => {
    const store = freshStore();
    await store.save(connection({ scope: 'playlist-modify-private' }));
    const token = fakeTokenEndpoint(() => jsonResponse({ access_token: 'acc3', token_type: 'Bearer', expires_in: 3600, refresh_token: 'ref3' }));
    const auth = createSpotifyAuth({ store, identity: approving().identity, fetch: token.fetch, now: () => T0, locks: null });
    await auth.ensureScopes(['playlist-read-private']);
    expect((await store.load())?.scope).toBe('playlist-modify-private playlist-read-private');

    const declining = fakeIdentity((url) => `${REDIRECT}?error=access_denied&state=${url.searchParams.get('state') ?? ''}`).identity;
    const before = await store.load();
    await expectAuthError(createSpotifyAuth({ store, identity: declining, locks: null }).ensureScopes(['user-library-read']), 'authorization-failed', /declined/);
    expect(await store.load()).toEqual(before);
    await expectAuthError(createSpotifyAuth({ store: freshStore(), identity: declining, locks: null }).ensureScopes(['user-library-read']), 'not-connected');
  });
});

describe('access tokens and refresh-token rotation', () => {
  const rotating = () =>
    fakeTokenEndpoint(async (_, i) => {
      // Slow enough that every concurrent caller arrives while the refresh is in flight.
      await new Promise((r) => setTimeout(r, 20));
      return jsonResponse({ access_token: `access-${i + 2}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `refresh-${i + 2}` });
    });

  it('returns a token that is not about to expire without any request', async () => {
    const store = freshStore();
    await store.save(connection({ expiresAt: T0 + REFRESH_MARGIN_MS + 1 }));
    const token = rotating();
    const auth = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => T0, locks: null });
    expect((await auth.getAccessToken()).accessToken).toBe('access-1');
    expect(token.calls).toHaveLength(0);
  });

  it('refreshes once for concurrent callers and stores the rotated refresh token before handing out the new access token', async () => {
    const events: string[] = [];
    const store = loggingStore(freshStore(), events);
    await store.save(connection({ expiresAt: T0 + REFRESH_MARGIN_MS - 1 }));
    events.length = 0;
    const token = rotating();
    const lockRequests: string[] = [];
    const locks: LockApi = {
      async request(name, callback) {
        lockRequests.push(name);
        await callback();
      },
    };
    const auth = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => T0, locks });

    const tokens = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const t = await auth.getAccessToken();
        events.push(`got:${t.accessToken}`);
        return t.accessToken;
      }),
    );

    expect(token.calls).toHaveLength(1);
    expect(token.calls[0]?.form.get('grant_type')).toBe('refresh_token');
    expect(token.calls[0]?.form.get('refresh_token')).toBe('refresh-1');
    expect(token.calls[0]?.form.get('client_id')).toBe(CLIENT_ID);
    expect(tokens).toEqual(Array(5).fill('access-2'));
    expect(events[0]).toBe('save:refresh-2');
    expect(events.slice(1)).toEqual(Array(5).fill('got:access-2'));
    expect(lockRequests).toEqual(['playlist-predictor:spotify-token']);
    expect(await store.load()).toMatchObject({ accessToken: 'access-2', refreshToken: 'refresh-2', expiresAt: T0 + 3_600_000 });
  });

  it('uses the rotated refresh token for the next refresh, also from a new instance (service worker restart)', async () => {
    const store = freshStore();
    let now = T0;
    await store.save(connection({ expiresAt: T0 }));
    const token = rotating();
    await createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => now, locks: null }).getAccessToken();
    now = T0 + 3_600_000;
    const restarted = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => now, locks: null });
    expect((await restarted.getAccessToken()).accessToken).toBe('access-3');
    expect(token.calls.map((c) => c.form.get('refresh_token'))).toEqual(['refresh-1', 'refresh-2']);
  });

  it('keeps the old refresh token when the response brings none', async () => {
    const store = freshStore();
    await store.save(connection({ expiresAt: T0 }));
    const token = fakeTokenEndpoint(() => jsonResponse({ access_token: 'access-2', token_type: 'Bearer', expires_in: 3600 }));
    await createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => T0, locks: null }).getAccessToken();
    expect(await store.load()).toMatchObject({ accessToken: 'access-2', refreshToken: 'refresh-1' });
  });

  it('after a 401, refreshes once for the rejected token and not again for a token already replaced', async () => {
    const store = freshStore();
    await store.save(connection({ expiresAt: T0 + 3_600_000 }));
    const token = rotating();
    const auth = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => T0, locks: null });
    const [a, b] = await Promise.all([auth.refreshAfterUnauthorized('access-1'), auth.refreshAfterUnauthorized('access-1')]);
    expect([a.accessToken, b.accessToken]).toEqual(['access-2', 'access-2']);
    expect((await auth.refreshAfterUnauthorized('access-1')).accessToken).toBe('access-2');
    expect(token.calls).toHaveLength(1);
  });

  it('disconnects with a clear error when the refresh token is refused (invalid_grant), and says so in the status until the user connects again', async () => {
    const store = freshStore();
    await store.save(connection({ expiresAt: T0 }));
    const token = fakeTokenEndpoint((call) =>
      call.form.get('grant_type') === 'refresh_token'
        ? jsonResponse({ error: 'invalid_grant', error_description: 'Refresh token revoked' }, 400)
        : jsonResponse({ access_token: 'acc', token_type: 'Bearer', expires_in: 3600, refresh_token: 'ref' }),
    );
    const approving = fakeIdentity((url) => `${REDIRECT}?code=c&state=${url.searchParams.get('state') ?? ''}`).identity;
    const auth = createSpotifyAuth({ store, identity: approving, fetch: token.fetch, now: () => T0, locks: null });
    await expectAuthError(auth.getAccessToken(), 'invalid-grant', /connect again/);
    expect(await store.load()).toBeUndefined();
    const reconnect = 'Spotify no longer accepts the saved connection: connect again in the options.';
    expect(await auth.status()).toEqual({ connected: false, problem: reconnect });
    await expectAuthError(auth.getAccessToken(), 'not-connected');

    // The background restarts: the problem is still there (the options page may open much later).
    const restarted = createSpotifyAuth({ store, identity: approving, fetch: token.fetch, now: () => T0, locks: null });
    expect(await restarted.status()).toEqual({ connected: false, problem: reconnect });
    // Connecting again clears it.
    expect(await restarted.connect(CLIENT_ID)).toMatchObject({ connected: true, problem: null });
    expect((await restarted.status()).problem).toBeNull();
  });

  it('disconnecting clears the invalid_grant problem too', async () => {
    const store = freshStore();
    await store.save(connection({ expiresAt: T0 }));
    const token = fakeTokenEndpoint(() => jsonResponse({ error: 'invalid_grant' }, 400));
    const auth = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => T0, locks: null });
    await expectAuthError(auth.getAccessToken(), 'invalid-grant');
    expect((await auth.status()).problem).toMatch(/connect again/);
    await auth.disconnect();
    expect(await auth.status()).toEqual({ connected: false, problem: null });
  });

  it('keeps the tokens when the refresh fails on the network or the server', async () => {
    for (const answer of [() => Promise.reject(new TypeError('fetch failed')), () => jsonResponse({ error: 'server_error' }, 503)]) {
      const store = freshStore();
      await store.save(connection({ expiresAt: T0 }));
      const token = fakeTokenEndpoint(answer);
      const auth = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => T0, locks: null });
      const error: unknown = await auth.getAccessToken().catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'SpotifyAuthError' });
      expect(['network', 'token-request-failed']).toContain(error instanceof Error && 'code' in error ? error.code : undefined);
      expect(await store.load()).toEqual(connection({ expiresAt: T0 }));
    }
  });

  it('keeps using rotated tokens that could not be stored (QuotaExceededError) from memory, and says so in the status', async () => {
    const inner = freshStore();
    await inner.save(connection({ expiresAt: T0 }));
    let full = true;
    const store: TokenStore = {
      ...inner,
      save: (c) => (full ? Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError')) : inner.save(c)),
    };
    const token = rotating();
    let now = T0;
    const auth = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => now, locks: null });

    expect((await auth.getAccessToken()).accessToken).toBe('access-2');
    expect(token.calls).toHaveLength(1);
    // The stored connection is the old one; the new one is used from memory without asking again.
    expect(await inner.load()).toEqual(connection({ expiresAt: T0 }));
    expect((await auth.getAccessToken()).accessToken).toBe('access-2');
    expect(token.calls).toHaveLength(1);
    const status = await auth.status();
    expect(status).toMatchObject({ connected: true, accessTokenExpiresAt: T0 + 3_600_000 });
    expect(status.problem).toMatch(/new Spotify token could not be saved \(storage full\)/);

    // The next refresh spends the refresh token held in memory, not the stored (spent) one, and
    // once storing works again the problem is gone.
    full = false;
    now = T0 + 3_600_000;
    expect((await auth.getAccessToken()).accessToken).toBe('access-3');
    expect(token.calls.map((c) => c.form.get('refresh_token'))).toEqual(['refresh-1', 'refresh-2']);
    expect(await inner.load()).toMatchObject({ accessToken: 'access-3', refreshToken: 'refresh-3' });
    expect((await auth.status()).problem).toBeNull();
  });

  it('stores the rotated tokens before anything else once the token response is in', async () => {
    const events: string[] = [];
    const inner = freshStore();
    await inner.save(connection({ expiresAt: T0 }));
    const store: TokenStore = {
      load: async () => {
        events.push('load');
        return inner.load();
      },
      save: async (c) => {
        events.push(`save:${c.refreshToken}`);
        await inner.save(c);
      },
      clearTokens: async () => {
        events.push('clear');
        await inner.clearTokens();
      },
      getAvailability: async (id) => {
        events.push('getAvailability');
        return inner.getAvailability(id);
      },
      setAvailability: async (id, a) => {
        events.push('setAvailability');
        await inner.setAvailability(id, a);
      },
      getProblem: async () => {
        events.push('getProblem');
        return inner.getProblem();
      },
      setProblem: async (m, at) => {
        events.push('setProblem');
        await inner.setProblem(m, at);
      },
    };
    const token = fakeTokenEndpoint(() => {
      events.push('token response');
      return jsonResponse({ access_token: 'access-2', token_type: 'Bearer', expires_in: 3600, refresh_token: 'refresh-2' });
    });
    const auth = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => T0, locks: null });
    await auth.getAccessToken();
    expect(events.slice(events.indexOf('token response'))).toEqual(['token response', 'save:refresh-2']);

    // Stopped right after: a new background finds the rotated refresh token.
    const restarted = createSpotifyAuth({ store: inner, identity: noIdentity, fetch: token.fetch, now: () => T0 + 3_600_000, locks: null });
    await restarted.getAccessToken();
    expect(token.calls.map((c) => c.form.get('refresh_token'))).toEqual(['refresh-1', 'refresh-2']);
  });

  it('says "not connected" when nothing is stored', async () => {
    const auth = createSpotifyAuth({ store: freshStore(), identity: noIdentity, locks: null });
    await expectAuthError(auth.getAccessToken(), 'not-connected');
    expect(await auth.status()).toEqual({ connected: false, problem: null });
  });
});

describe('disconnect', () => {
  it('clears the tokens and the client ID\'s audio-features availability', async () => {
    const store = freshStore();
    await store.save(connection({ expiresAt: T0 + 3_600_000 }));
    await store.setAvailability(CLIENT_ID, { state: 'unavailable', reason: 'HTTP 403', checkedAt: T0 });
    const auth = createSpotifyAuth({ store, identity: noIdentity, now: () => T0, locks: null });
    expect(await auth.status()).toMatchObject({ connected: true, audioFeatures: { state: 'unavailable', reason: 'HTTP 403' } });
    await auth.disconnect();
    expect(await auth.status()).toEqual({ connected: false, problem: null });
    expect(await store.load()).toBeUndefined();
    expect(await store.getAvailability(CLIENT_ID)).toEqual({ state: 'unknown' });
  });

  it('waits for a refresh in progress, so the refresh cannot bring the tokens back', async () => {
    const store = freshStore();
    await store.save(connection({ expiresAt: T0 }));
    const token = fakeTokenEndpoint(async () => {
      await new Promise((r) => setTimeout(r, 30));
      return jsonResponse({ access_token: 'access-2', token_type: 'Bearer', expires_in: 3600, refresh_token: 'refresh-2' });
    });
    const auth = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => T0, locks: null });
    const pending = auth.getAccessToken();
    await vi.waitFor(() => expect(token.calls).toHaveLength(1));
    await auth.disconnect();
    expect((await pending).accessToken).toBe('access-2');
    expect(await store.load()).toBeUndefined();
  });
});

describe('token store', () => {
  it('treats a stored row that fails validation as no connection', async () => {
    const db = new PredictorDatabase(`test-${crypto.randomUUID()}`);
    openDatabases.push(db);
    await db.connection.put({ key: 'spotify', clientId: CLIENT_ID, accessToken: 42 });
    await db.availability.put({ clientId: CLIENT_ID, state: 'maybe' });
    const store = createTokenStore(db);
    expect(await store.load()).toBeUndefined();
    expect(await store.getAvailability(CLIENT_ID)).toEqual({ state: 'unknown' });
  });

  it('keeps version 1 feature records when the database is upgraded to version 2', async () => {
    const { default: Dexie } = await import('dexie');
    const name = `test-${crypto.randomUUID()}`;
    const v1 = new Dexie(name);
    v1.version(1).stores({ features: 'trackId, fetchedAt' });
    await v1.table('features').put({ trackId: '4uLU6hMCjMI75M1A2tKUQC', features: null, provider: 'reccobeats', fetchedAt: 1 });
    v1.close();
    const v2 = new PredictorDatabase(name);
    openDatabases.push(v2);
    // toMatchObject: later versions may add fields (e.g. a last-used time) to the kept records.
    expect(await v2.features.get('4uLU6hMCjMI75M1A2tKUQC')).toMatchObject({ trackId: '4uLU6hMCjMI75M1A2tKUQC', features: null, provider: 'reccobeats', fetchedAt: 1 });
    expect(await v2.connection.count()).toBe(0);
  });
});

/** A token store in memory (no IndexedDB, so fake timers cannot stall it). */
function memoryStore(initial: StoredConnection): TokenStore & { saves: number } {
  let stored: StoredConnection | undefined = initial;
  let problem: string | undefined;
  const store = {
    saves: 0,
    load: async () => stored,
    save: async (c: StoredConnection) => {
      store.saves += 1;
      stored = c;
    },
    clearTokens: async () => {
      stored = undefined;
    },
    getAvailability: async () => ({ state: 'unknown' as const }),
    setAvailability: async () => {},
    getProblem: async () => problem,
    setProblem: async (m: string | null) => {
      problem = m ?? undefined;
    },
  };
  return store;
}

describe('token responses (RFC 6749 §5.1) are validated and errors named by their cause', () => {
  const ok = { access_token: 'access-2', token_type: 'Bearer', expires_in: 3600, refresh_token: 'refresh-2', scope: '' };
  const without = (key: keyof typeof ok) => Object.fromEntries(Object.entries(ok).filter(([k]) => k !== key));

  /** Malformed 200 answers of the token endpoint: [what, body (a string is sent as is)]. */
  const malformed: [string, unknown][] = [
    ['no access_token', without('access_token')],
    ['an empty access_token', { ...ok, access_token: '' }],
    ['a numeric access_token', { ...ok, access_token: 42 }],
    ['a null access_token', { ...ok, access_token: null }],
    ['an access_token array', { ...ok, access_token: ['a'] }],
    ['an access_token with a line break', { ...ok, access_token: 'abc\ndef' }],
    ['an access_token with a non-ASCII character', { ...ok, access_token: 'abcé' }],
    ['no token_type', without('token_type')],
    ['token_type "mac"', { ...ok, token_type: 'mac' }],
    ['token_type "DPoP"', { ...ok, token_type: 'DPoP' }],
    ['an empty token_type', { ...ok, token_type: '' }],
    ['a numeric token_type', { ...ok, token_type: 1 }],
    ['token_type "Bearer " with a space', { ...ok, token_type: 'Bearer ' }],
    ['expires_in 0', { ...ok, expires_in: 0 }],
    ['expires_in -1', { ...ok, expires_in: -1 }],
    ['expires_in 1.5', { ...ok, expires_in: 1.5 }],
    ['expires_in "soon"', { ...ok, expires_in: 'soon' }],
    ['expires_in null', { ...ok, expires_in: null }],
    ['expires_in true', { ...ok, expires_in: true }],
    ['expires_in {}', { ...ok, expires_in: {} }],
    // Strings that oauth4webapi's parseFloat would turn into a number.
    ['expires_in "1e3"', { ...ok, expires_in: '1e3' }],
    ['expires_in "3600abc"', { ...ok, expires_in: '3600abc' }],
    ['expires_in " 60"', { ...ok, expires_in: ' 60' }],
    ['expires_in "60.0"', { ...ok, expires_in: '60.0' }],
    ['an empty refresh_token', { ...ok, refresh_token: '' }],
    ['a numeric refresh_token', { ...ok, refresh_token: 7 }],
    ['a null refresh_token', { ...ok, refresh_token: null }],
    ['a numeric scope', { ...ok, scope: 5 }],
    ['a scope array', { ...ok, scope: ['a', 'b'] }],
    ['a JSON array', [ok]],
    ['JSON null', null],
    ['a JSON string', 'ok'],
    ['HTML', '<html>Service Unavailable</html>'],
    ['an empty body', ''],
    ['truncated JSON', '{"access_token": "acc'],
  ];

  it.each(malformed)('a refresh answered with %s: a named invalid-token-response error, the stored connection unchanged', async (_, body) => {
    const store = freshStore();
    const before = connection({ expiresAt: T0 });
    await store.save(before);
    const token = fakeTokenEndpoint(() =>
      typeof body === 'string' && (body === '' || body.startsWith('<') || body.startsWith('{'))
        ? new Response(body, { status: 200, headers: { 'content-type': body.startsWith('<') ? 'text/html' : 'application/json' } })
        : jsonResponse(body),
    );
    const auth = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => T0, locks: null });
    const error: unknown = await auth.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpotifyAuthError);
    expect(error).toMatchObject({ name: 'SpotifyAuthError', code: 'invalid-token-response' });
    expect(String(error instanceof Error ? error.message : error)).toMatch(/^Spotify's token endpoint answered /);
    expect(token.calls).toHaveLength(1);
    expect(await store.load()).toEqual(before);
    expect(await auth.status()).toMatchObject({ connected: true, problem: null });
  });

  it('names the rule that was broken', () => {
    const message = (body: unknown) => {
      try {
        parseTokenResponse(body);
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
      return 'accepted';
    };
    expect(message({ ...ok, token_type: 'mac' })).toBe("Spotify's token endpoint answered with an unexpected token_type 'mac' (expected Bearer)");
    expect(message(without('access_token'))).toBe("Spotify's token endpoint answered without an access_token");
    expect(message({ ...ok, expires_in: 0 })).toBe("Spotify's token endpoint answered with an invalid expires_in (0): it must be a positive whole number of seconds");
    expect(message({ ...ok, refresh_token: '' })).toBe("Spotify's token endpoint answered with an empty refresh_token");
    expect(message({ ...ok, scope: 5 })).toBe("Spotify's token endpoint answered with a scope that is not a string (5)");
    expect(message([ok])).toBe("Spotify's token endpoint answered with a body that is not a JSON object");
  });

  it('accepts Bearer in any case, a missing expires_in (3600 s) and a missing refresh_token', () => {
    expect(parseTokenResponse({ access_token: 'a', token_type: 'BEARER' })).toEqual({ accessToken: 'a', expiresInS: 3600 });
    expect(parseTokenResponse({ access_token: 'a', token_type: 'bearer', expires_in: 60, scope: 'x y', extra: true })).toEqual({ accessToken: 'a', expiresInS: 60, scope: 'x y' });
  });

  it('takes an expires_in sent as a string of digits (RFC 6749 Appendix A.14: 1*DIGIT)', async () => {
    const store = freshStore();
    await store.save(connection({ expiresAt: T0 }));
    const token = fakeTokenEndpoint(() => jsonResponse({ ...ok, expires_in: '1800' }));
    const auth = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => T0, locks: null });
    expect(await auth.getAccessToken()).toMatchObject({ accessToken: 'access-2', expiresAt: T0 + 1_800_000 });
  });

  it('takes a JSON media type in any case and with parameters (RFC 9110 §8.3.1: type and subtype are case-insensitive)', async () => {
    for (const contentType of ['Application/JSON; charset=UTF-8', 'application/json ;charset=utf-8']) {
      const store = freshStore();
      await store.save(connection({ expiresAt: T0 }));
      const token = fakeTokenEndpoint(() => new Response(JSON.stringify(ok), { status: 200, headers: { 'content-type': contentType } }));
      const auth = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => T0, locks: null });
      expect(await auth.getAccessToken(), contentType).toMatchObject({ accessToken: 'access-2' });
    }
  });

  it('clamps a huge expires_in (1e308) to a day instead of failing to store it', async () => {
    const store = freshStore();
    await store.save(connection({ expiresAt: T0 }));
    const token = fakeTokenEndpoint(() => jsonResponse({ ...ok, expires_in: 1e308 }));
    const auth = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => T0, locks: null });
    expect(await auth.getAccessToken()).toEqual({ accessToken: 'access-2', clientId: CLIENT_ID, expiresAt: T0 + 24 * 3_600_000 });
    expect(await store.load()).toMatchObject({ refreshToken: 'refresh-2', expiresAt: T0 + 24 * 3_600_000 });
  });

  it('reports an HTTP error page from the token endpoint as a refused request, not a network error', async () => {
    const store = freshStore();
    await store.save(connection({ expiresAt: T0 }));
    const token = fakeTokenEndpoint(() => new Response('<html>Bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }));
    const auth = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => T0, locks: null });
    await expectAuthError(auth.getAccessToken(), 'token-request-failed', /HTTP 502/);
    expect(await store.load()).toEqual(connection({ expiresAt: T0 }));
  });

  it('reports an authentication challenge (HTTP 401 with WWW-Authenticate) as a refused request, also with an empty list element at its end (RFC 9110 §5.6.1)', async () => {
    for (const challenge of ['Basic realm="accounts"', 'Basic realm="accounts", Bearer,']) {
      const store = freshStore();
      await store.save(connection({ expiresAt: T0 }));
      const token = fakeTokenEndpoint(() => new Response('', { status: 401, headers: { 'www-authenticate': challenge } }));
      const auth = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => T0, locks: null });
      await expectAuthError(auth.getAccessToken(), 'token-request-failed', /^Spotify's token endpoint refused the request \(HTTP 401, authentication challenge\)$/);
      expect(await store.load(), challenge).toEqual(connection({ expiresAt: T0 }));
    }
  });

  it('ends a token request whose body stalls after the headers at the 20 s deadline, keeping the tokens', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const store = memoryStore(connection({ expiresAt: T0 }));
    const token = fakeTokenEndpoint(() => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"access_token":'));
        },
      });
      return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
    });
    const auth = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => T0, locks: null });
    let outcome: unknown;
    const pending = auth.getAccessToken().then(
      () => (outcome = 'resolved'),
      (error: unknown) => (outcome = error),
    );
    await vi.advanceTimersByTimeAsync(20_000 - 1);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(outcome).toMatchObject({ name: 'SpotifyAuthError', code: 'network', message: "Spotify's token endpoint did not answer within 20 s" });
    expect(await store.load()).toEqual(connection({ expiresAt: T0 }));
    expect(store.saves).toBe(0);
  });
});
