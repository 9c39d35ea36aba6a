import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { BrowserContext, CDPSession } from '@playwright/test';
import { selfSignedCertificate } from './tls';

/**
 * An HTTPS server on 127.0.0.1 that answers every request with status 200, JSON headers and the
 * first bytes of a JSON body, and then never finishes the body: a response whose body stalls.
 * Playwright's `route.fulfill` can only send a whole body at once, so a routed request is
 * continued to this server instead (`route.continue({ url })`, which must keep the `https:`
 * scheme; hence TLS, with a throw-away self-signed certificate made by `openssl`, and the browser
 * told to accept it through the DevTools protocol, see {@link acceptSelfSignedCertificates}).
 */
export class StallingServer {
  /** Requests received (method and path with query), in order. */
  readonly requests: string[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** `https://127.0.0.1:<port>`. */
  get origin(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Starts a server on a free port of 127.0.0.1. */
  static async start(): Promise<StallingServer> {
    const { key, cert } = selfSignedCertificate('127.0.0.1', 'IP:127.0.0.1');
    const server = createServer({ key, cert }, (request, response) => {
      stalling.requests.push(`${request.method ?? ''} ${request.url ?? ''}`);
      response.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      // The first bytes of `{"content":[...]}`, then nothing more, ever.
      response.write('{"content":[');
    });
    const stalling = new StallingServer(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    server.unref();
    return stalling;
  }

  /** Closes the server and every connection still open (their bodies end with a reset). */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Makes the browser of `context` accept any TLS certificate, for every request including the
 * extension service worker's (`Security.setIgnoreCertificateErrors` on a browser-level DevTools
 * session; a page's session would cover that page only), for as long as the returned session is
 * attached: detaching it ends the override. Only for a test's own browser.
 */
export async function acceptSelfSignedCertificates(context: BrowserContext): Promise<CDPSession> {
  const browser = context.browser();
  if (!browser) throw new Error('no Browser for this context: cannot open a browser-level DevTools session');
  const session = await browser.newBrowserCDPSession();
  await session.send('Security.setIgnoreCertificateErrors', { ignore: true });
  return session;
}
