import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { SPOTIFY_PRODUCTION_ENDPOINTS, e2eEndpoints, SPOTIFY_ACCOUNTS_ENDPOINTS } from '@/lib/background/auth/endpoints';
import { createPkceRequest, pkceChallenge } from '@/lib/background/auth/pkce';
import { REFRESH_MARGIN_MS, buildAuthorizeUrl, createSpotifyAuth, getRedirectUri, type LockApi, type SpotifyAuthError } from '@/lib/background/auth/spotify-auth';
import { createTokenStore, type TokenStore } from '@/lib/background/auth/token-store';
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

    expect(status).toEqual({ connected: true, clientId: CLIENT_ID, scope: '', connectedAt: T0, accessTokenExpiresAt: T0 + 3_600_000, audioFeatures: { state: 'unknown' } });
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

  it('reports a token response without a refresh token', async () => {
    const token = fakeTokenEndpoint(() => jsonResponse({ access_token: 'acc', token_type: 'Bearer', expires_in: 3600 }));
    const auth = createSpotifyAuth({ store: freshStore(), identity: approving().identity, fetch: token.fetch, locks: null });
    await expectAuthError(auth.connect(CLIENT_ID), 'token-request-failed', /refresh token/);
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

  it('disconnects with a clear error when the refresh token is refused (invalid_grant)', async () => {
    const store = freshStore();
    await store.save(connection({ expiresAt: T0 }));
    const token = fakeTokenEndpoint(() => jsonResponse({ error: 'invalid_grant', error_description: 'Refresh token revoked' }, 400));
    const auth = createSpotifyAuth({ store, identity: noIdentity, fetch: token.fetch, now: () => T0, locks: null });
    await expectAuthError(auth.getAccessToken(), 'invalid-grant', /connect again/);
    expect(await store.load()).toBeUndefined();
    expect(await auth.status()).toEqual({ connected: false });
    await expectAuthError(auth.getAccessToken(), 'not-connected');
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

  it('does not hand out a new access token whose rotated refresh token could not be stored', async () => {
    const inner = freshStore();
    await inner.save(connection({ expiresAt: T0 }));
    const full: TokenStore = { ...inner, save: () => Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError')) };
    const token = rotating();
    const auth = createSpotifyAuth({ store: full, identity: noIdentity, fetch: token.fetch, now: () => T0, locks: null });
    await expectAuthError(auth.getAccessToken(), 'storage', /quota/);
    expect(token.calls).toHaveLength(1);
  });

  it('says "not connected" when nothing is stored', async () => {
    const auth = createSpotifyAuth({ store: freshStore(), identity: noIdentity, locks: null });
    await expectAuthError(auth.getAccessToken(), 'not-connected');
    expect(await auth.status()).toEqual({ connected: false });
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
    expect(await auth.status()).toEqual({ connected: false });
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
    expect(await v2.features.get('4uLU6hMCjMI75M1A2tKUQC')).toEqual({ trackId: '4uLU6hMCjMI75M1A2tKUQC', features: null, provider: 'reccobeats', fetchedAt: 1 });
    expect(await v2.connection.count()).toBe(0);
  });
});
