/**
 * Fakes for the Spotify connection tests: a token endpoint, an identity API and a token store
 * that logs its writes. Built in code; nothing is copied from the code under test.
 */
import { createHash } from 'node:crypto';
import type { IdentityApi } from '@/lib/background/auth/spotify-auth';
import type { StoredConnection, TokenStore } from '@/lib/background/auth/token-store';

export const CLIENT_ID = '0123456789abcdef0123456789abcdef';
export const REDIRECT = 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/';
export const TOKEN_URL = 'https://accounts.spotify.com/api/token';

/** RFC 7636 §4.2 S256 computed with Node's own crypto, independently of oauth4webapi. */
export const s256 = (verifier: string) => createHash('sha256').update(verifier, 'ascii').digest('base64url');

export interface TokenCall {
  readonly url: string;
  readonly form: URLSearchParams;
}

export const jsonResponse = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** A fake `fetch` for the token endpoint that records every form it receives. */
export function fakeTokenEndpoint(answer: (call: TokenCall, index: number) => Response | Promise<Response>) {
  const calls: TokenCall[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const call = { url: request.url, form: new URLSearchParams(await request.text()) };
    calls.push(call);
    return answer(call, calls.length - 1);
  };
  return { fetch, calls };
}

/** An identity API whose sign-in window "redirects" to what `answer` returns for the authorize URL. */
export function fakeIdentity(answer: (authorizeUrl: URL) => string | undefined | Promise<string | undefined>) {
  const opened: URL[] = [];
  const identity: IdentityApi = {
    getRedirectURL: () => REDIRECT,
    async launchWebAuthFlow({ url, interactive }) {
      if (!interactive) throw new Error('test expects interactive: true');
      opened.push(new URL(url));
      return answer(new URL(url));
    },
  };
  return { identity, opened };
}

/** Wraps a store so each completed write is logged in `events` (e.g. `save:<refresh token>`). */
export function loggingStore(inner: TokenStore, events: string[]): TokenStore {
  return {
    load: () => inner.load(),
    async save(c) {
      await inner.save(c);
      events.push(`save:${c.refreshToken}`);
    },
    async clearTokens() {
      await inner.clearTokens();
      events.push('clear');
    },
    getAvailability: (id) => inner.getAvailability(id),
    setAvailability: (id, a) => inner.setAvailability(id, a),
    getProblem: () => inner.getProblem(),
    async setProblem(message, now) {
      await inner.setProblem(message, now);
      events.push(`problem:${message ?? 'none'}`);
    },
  };
}

export const connection = (overrides: Partial<StoredConnection> = {}): StoredConnection => ({
  clientId: CLIENT_ID,
  accessToken: 'access-1',
  expiresAt: 0,
  refreshToken: 'refresh-1',
  scope: '',
  connectedAt: 0,
  ...overrides,
});

/** One request the fake Spotify Web API received. */
export interface ApiCall {
  readonly url: URL;
  /** Path after `/v1/`, e.g. `audio-features`. */
  readonly path: string;
  /** The `ids` query parameter, split. */
  readonly ids: string[];
  /** The bearer token sent. */
  readonly token: string | undefined;
}

/** A fake `fetch` for `https://api.spotify.com/v1/...` that records every request. */
export function fakeSpotifyApi(handler: (call: ApiCall, index: number) => Response | Promise<Response>) {
  const calls: ApiCall[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.origin !== 'https://api.spotify.com' || !url.pathname.startsWith('/v1/')) throw new Error(`unexpected request to ${url.href}`);
    const call: ApiCall = {
      url,
      path: url.pathname.slice('/v1/'.length),
      ids: (url.searchParams.get('ids') ?? '').split(',').filter((s) => s !== ''),
      token: /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1],
    };
    calls.push(call);
    return handler(call, calls.length - 1);
  };
  return { fetch, calls };
}
