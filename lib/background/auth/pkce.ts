import { calculatePKCECodeChallenge, generateRandomCodeVerifier, generateRandomState } from 'oauth4webapi';

/**
 * PKCE (RFC 7636) and `state` for the authorization request, from oauth4webapi (WebCrypto, so
 * it runs in an MV3 service worker). Nothing here is hand-rolled.
 */

/** The only code challenge method used: RFC 7636 §4.2 `S256`, which Spotify requires. */
export const PKCE_METHOD = 'S256';

/** One authorization attempt's secrets; never stored, they live for one `connect()` call. */
export interface PkceRequest {
  /** RFC 7636 §4.1 code verifier: 43 characters of base64url from 32 random bytes. */
  readonly verifier: string;
  /** RFC 7636 §4.2 `BASE64URL(SHA256(ASCII(verifier)))`. */
  readonly challenge: string;
  readonly method: typeof PKCE_METHOD;
  /** RFC 6749 §10.12 CSRF protection: random, checked on the redirect back. */
  readonly state: string;
}

/** The `S256` challenge of `verifier` (RFC 7636 §4.2). */
export function pkceChallenge(verifier: string): Promise<string> {
  return calculatePKCECodeChallenge(verifier);
}

/** A fresh verifier, its challenge and a fresh `state`. */
export async function createPkceRequest(): Promise<PkceRequest> {
  const verifier = generateRandomCodeVerifier();
  return { verifier, challenge: await pkceChallenge(verifier), method: PKCE_METHOD, state: generateRandomState() };
}
