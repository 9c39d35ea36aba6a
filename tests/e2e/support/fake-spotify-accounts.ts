import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where the e2e build expects the authorization server (`.env.e2e`, `WXT_E2E_AUTH_ORIGIN`). */
export const FAKE_AUTH_PORT = 47821;

/** One authorization request as the fake server received it. */
export interface AuthorizeRequest {
  readonly clientId: string | null;
  readonly redirectUri: string | null;
  readonly responseType: string | null;
  readonly codeChallenge: string | null;
  readonly codeChallengeMethod: string | null;
  readonly state: string | null;
  readonly scope: string | null;
}

/** How the fake server answers the next authorization request. */
export type AuthorizeBehaviour = 'approve' | 'deny' | 'wrong-state';

/**
 * A local stand-in for accounts.spotify.com on 127.0.0.1 (Playwright's routing does not reach
 * the `launchWebAuthFlow` window): `GET /authorize` answers 302 to the redirect URI with a code
 * and the state (RFC 6749 §4.1.2), and `POST /api/token` checks the PKCE code verifier against
 * the challenge with S256 (RFC 7636 §4.6) and issues tokens, rotating refresh tokens. Tokens
 * grant the scopes their authorization asked for (`scope` in the token response, as Spotify does).
 */
export class FakeSpotifyAccounts {
  readonly authorizeRequests: AuthorizeRequest[] = [];
  readonly tokenRequests: Record<string, string>[] = [];
  /** Access tokens issued, newest last; the fake Web API accepts only these. */
  readonly accessTokens: string[] = [];
  behaviour: AuthorizeBehaviour = 'approve';
  /** The scopes each issued access token grants (space-separated, RFC 6749 §3.3). */
  readonly scopes = new Map<string, string>();
  private readonly codes = new Map<string, { challenge: string; clientId: string; redirectUri: string; scope: string }>();
  /** Live refresh tokens and the scopes they carry. */
  private readonly refreshTokens = new Map<string, string>();
  private server: Server | undefined;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(FAKE_AUTH_PORT, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    if (port !== FAKE_AUTH_PORT) throw new Error(`fake accounts server on port ${port}`);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * Answers one request to the accounts service (`/authorize`, `/api/token`; anything else 404),
   * whichever server received it: {@link start}'s on 127.0.0.1, or the Firefox harness's HTTPS
   * server answering for accounts.spotify.com itself. Only the path and query are read.
   */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${FAKE_AUTH_PORT}`);
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'Content-Type' };
    if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
    if (req.method === 'GET' && url.pathname === '/authorize') {
      const q = url.searchParams;
      const request: AuthorizeRequest = {
        clientId: q.get('client_id'),
        redirectUri: q.get('redirect_uri'),
        responseType: q.get('response_type'),
        codeChallenge: q.get('code_challenge'),
        codeChallengeMethod: q.get('code_challenge_method'),
        state: q.get('state'),
        scope: q.get('scope'),
      };
      this.authorizeRequests.push(request);
      if (!request.redirectUri || !request.clientId || !request.codeChallenge) return void res.writeHead(400).end('missing parameters');
      const back = new URL(request.redirectUri);
      if (this.behaviour === 'deny') {
        back.searchParams.set('error', 'access_denied');
        back.searchParams.set('state', request.state ?? '');
      } else {
        const code = randomBytes(16).toString('hex');
        this.codes.set(code, { challenge: request.codeChallenge, clientId: request.clientId, redirectUri: request.redirectUri, scope: request.scope ?? '' });
        back.searchParams.set('code', code);
        back.searchParams.set('state', this.behaviour === 'wrong-state' ? 'not-the-state-you-sent' : (request.state ?? ''));
      }
      return void res.writeHead(302, { Location: back.toString() }).end();
    }
    if (req.method === 'POST' && url.pathname === '/api/token') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      this.tokenRequests.push(form);
      const json = (status: number, body: object): void => void res.writeHead(status, { ...cors, 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      if (form.grant_type === 'authorization_code') {
        const issued = form.code ? this.codes.get(form.code) : undefined;
        if (!issued || !form.code) return json(400, { error: 'invalid_grant', error_description: 'Invalid authorization code' });
        this.codes.delete(form.code);
        const challenge = createHash('sha256').update(form.code_verifier ?? '').digest('base64url');
        if (challenge !== issued.challenge) return json(400, { error: 'invalid_grant', error_description: 'code_verifier was incorrect' });
        if (form.client_id !== issued.clientId || form.redirect_uri !== issued.redirectUri) return json(400, { error: 'invalid_client' });
        return json(200, this.issueTokens(issued.scope));
      }
      if (form.grant_type === 'refresh_token') {
        const scope = form.refresh_token ? this.refreshTokens.get(form.refresh_token) : undefined;
        if (!form.refresh_token || scope === undefined) return json(400, { error: 'invalid_grant', error_description: 'Refresh token revoked' });
        this.refreshTokens.delete(form.refresh_token);
        return json(200, this.issueTokens(scope));
      }
      return json(400, { error: 'unsupported_grant_type' });
    }
    res.writeHead(404).end('not found');
  }

  /** New tokens granting `scope` (what the authorization asked for, as Spotify grants it; kept through refreshes). */
  private issueTokens(scope: string) {
    const access = `access-${randomBytes(12).toString('hex')}`;
    const refresh = `refresh-${randomBytes(12).toString('hex')}`;
    this.accessTokens.push(access);
    this.scopes.set(access, scope);
    this.refreshTokens.set(refresh, scope);
    return { access_token: access, token_type: 'Bearer', expires_in: 3600, refresh_token: refresh, scope };
  }
}
