/**
 * Where the Spotify accounts service lives: the one place that decides it.
 *
 * Production builds use Spotify's real endpoints
 * (developer.spotify.com/documentation/web-api/tutorials/code-pkce-flow). The test-only build
 * `wxt build --mode e2e` points them at a local fake authorization server named by the
 * `WXT_E2E_AUTH_ORIGIN` environment variable (e.g. `http://127.0.0.1:47821`, serving
 * `/authorize` and `/api/token`), because the window `identity.launchWebAuthFlow` opens cannot be
 * intercepted by Playwright (shared/notes/platform.md, "Build and test environment").
 * Vite replaces `import.meta.env.MODE` with a string literal at build time, so in a production
 * build the e2e branch is dead code and is dropped from the bundle.
 */

/** The accounts-service endpoints the OAuth flow uses. */
export interface SpotifyAccountsEndpoints {
  /** Issuer identifier used by oauth4webapi's checks (Spotify publishes no discovery document). */
  readonly issuer: string;
  /** Authorization endpoint (RFC 6749 §3.1), opened in the `launchWebAuthFlow` window. */
  readonly authorize: string;
  /** Token endpoint (RFC 6749 §3.2), for the code exchange and refreshes. */
  readonly token: string;
  /** True only for the e2e fake server on a loopback `http://` origin; never in production. */
  readonly allowInsecureRequests: boolean;
}

/** Spotify's real accounts service. */
export const SPOTIFY_PRODUCTION_ENDPOINTS: SpotifyAccountsEndpoints = {
  issuer: 'https://accounts.spotify.com',
  authorize: 'https://accounts.spotify.com/authorize',
  token: 'https://accounts.spotify.com/api/token',
  allowInsecureRequests: false,
};

/**
 * Endpoints of a fake accounts server at `origin` (`http://127.0.0.1:<port>` only: a loopback
 * literal, the one kind of `http` host Spotify-style servers accept).
 * @throws Error when `origin` is missing or not such an origin, so a misconfigured e2e build fails loudly.
 */
export function e2eEndpoints(origin: unknown): SpotifyAccountsEndpoints {
  if (typeof origin !== 'string' || !/^http:\/\/127\.0\.0\.1:\d{1,5}$/.test(origin)) {
    throw new Error(`WXT_E2E_AUTH_ORIGIN must be http://127.0.0.1:<port> in an e2e build, got ${JSON.stringify(origin)}`);
  }
  return { issuer: origin, authorize: `${origin}/authorize`, token: `${origin}/api/token`, allowInsecureRequests: true };
}

/** The endpoints this build uses: the fake server in `--mode e2e` builds, Spotify otherwise. */
export const SPOTIFY_ACCOUNTS_ENDPOINTS: SpotifyAccountsEndpoints =
  import.meta.env.MODE === 'e2e' ? e2eEndpoints(import.meta.env.WXT_E2E_AUTH_ORIGIN) : SPOTIFY_PRODUCTION_ENDPOINTS;
