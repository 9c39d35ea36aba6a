import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from '@playwright/test';
import puppeteer, { TimeoutError, type Browser, type Page } from 'puppeteer-core';
import type { AudioFeatures } from '../../../model/features';
import { GECKO_ID } from '../../../wxt.config';
import { FakeSpotifyAccounts } from './fake-spotify-accounts';
import { FakeSpotifyApi, type SearchableTrack } from './fake-spotify-api';
import { assertFixedPortProject } from './projects';
import { selfSignedCertificate } from './tls';

/**
 * The built Firefox add-on (`.output/firefox-mv2`) in headless Firefox ESR, for the same core
 * checks the Chromium tests make (issue 13). The route (shared/notes/platform.md, "Build and test
 * environment"): Debian's `firefox-esr` driven by `puppeteer-core` over WebDriver BiDi, the add-on
 * installed as a temporary add-on (`browser.installExtension`), extension pages allowed with
 * `MOZ_REMOTE_ALLOW_SYSTEM_ACCESS=1` and a fixed UUID (`extensions.webextensions.uuids`), and
 * https://open.spotify.com and https://api.reccobeats.com answered by one local HTTPS server on
 * port 443 (`network.dns.forceResolve`, a throw-away certificate, `acceptInsecureCerts`). The same
 * server answers for Spotify's accounts service (accounts.spotify.com, {@link FakeSpotifyAccounts})
 * and its Web API (api.spotify.com, {@link FakeSpotifyApi}), so the production build connects
 * through its real endpoints and Firefox's own `identity.launchWebAuthFlow`.
 */

/** Where the Firefox build is (`npm run build:firefox`). */
export const FIREFOX_EXTENSION_DIR = resolve('.output/firefox-mv2');
/** Debian's Firefox ESR by default (`apt-get install -y firefox-esr`); `FIREFOX_PATH` overrides. */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
/** The add-on's fixed internal UUID, so its pages have a known `moz-extension://` origin. */
export const FIREFOX_EXTENSION_UUID = '7d1c5a3e-5b1e-4c1e-9a53-0c0ffee11e13';

/** The local HTTPS server and the Firefox it serves; {@link close} ends both. */
export class FirefoxWithExtension {
  private constructor(
    readonly browser: Browser,
    private readonly server: Server,
    /** Pages of the fake Spotify app by path (`/playlist/<id>`): set before opening them. */
    readonly pages: Map<string, string>,
    /** ReccoBeats' audio-features requests: the IDs of each. */
    readonly reccobeatsRequests: string[][],
    private readonly reccobeats: { failure?: { status: number; body: string } },
    /** Spotify's accounts service (authorize and token requests, issued tokens). */
    readonly accounts: FakeSpotifyAccounts,
    /** Spotify's Web API (audio features, playlists), accepting the tokens {@link accounts} issued. */
    readonly spotifyApi: FakeSpotifyApi,
    /** Where Firefox saves downloads, without asking (a temporary folder, removed by {@link close}). */
    readonly downloadDir: string,
  ) {}

  /**
   * While set, ReccoBeats answers every audio-features request with this status and body (still
   * recorded in {@link reccobeatsRequests}): a provider that is down. Unset it to recover.
   */
  set reccobeatsFailure(failure: { status: number; body: string } | undefined) {
    this.reccobeats.failure = failure;
  }

  /**
   * Starts the server on port 443 and Firefox with the add-on installed. `features` are what
   * ReccoBeats and Spotify's audio features know; `catalogue` is what Spotify's search finds;
   * `durations` (ms) are the `duration_ms` Spotify's answers carry (none for a track left out).
   * Call it from a test or hook of a spec listed in `FIXED_PORT_SPECS` (support/projects.ts).
   * @throws Error naming what is missing (Firefox, the build), why the server cannot listen, or
   *   that the spec is not in the fixed-port project.
   */
  static async launch(features: ReadonlyMap<string, AudioFeatures>, catalogue: readonly SearchableTrack[] = [], durations: ReadonlyMap<string, number> = new Map()): Promise<FirefoxWithExtension> {
    assertFixedPortProject(test.info().project.name, 'the Firefox harness\'s HTTPS server on 127.0.0.1:443');
    if (!existsSync(FIREFOX_PATH)) throw new Error(`No Firefox at ${FIREFOX_PATH}: install it (Debian: apt-get install -y firefox-esr) or set FIREFOX_PATH`);
    if (!existsSync(join(FIREFOX_EXTENSION_DIR, 'manifest.json'))) throw new Error(`No Firefox build at ${FIREFOX_EXTENSION_DIR}: run npm run build:firefox first`);
    const known = new Map(features);
    const pages = new Map<string, string>();
    const reccobeatsRequests: string[][] = [];
    const reccobeats: { failure?: { status: number; body: string } } = {};
    const accounts = new FakeSpotifyAccounts();
    const spotifyApi = new FakeSpotifyApi(known, catalogue, (token) => accounts.accessTokens.includes(token), durations, (token) => accounts.scopes.get(token) ?? '');
    const hosts = ['open.spotify.com', 'api.reccobeats.com', 'accounts.spotify.com', 'api.spotify.com'];
    const server = createServer(selfSignedCertificate('open.spotify.com', hosts.map((h) => `DNS:${h}`).join(',')), (request, response) => {
      const url = new URL(request.url ?? '/', `https://${request.headers.host ?? 'localhost'}`);
      if (url.hostname === 'accounts.spotify.com') {
        accounts.handle(request, response).catch((error: unknown) => response.writeHead(500).end(String(error)));
        return;
      }
      if (url.hostname === 'api.spotify.com') {
        spotifyApi.handleHttp(request, response).catch((error: unknown) => response.writeHead(500).end(String(error)));
        return;
      }
      if (url.hostname === 'api.reccobeats.com' && url.pathname === '/v1/audio-features') {
        const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
        reccobeatsRequests.push(ids);
        const { failure } = reccobeats;
        if (failure) return void response.writeHead(failure.status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' }).end(failure.body);
        const content = ids.flatMap((id, i) => {
          const f = known.get(id);
          return f ? [{ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, href: `https://open.spotify.com/track/${id}`, ...f }] : [];
        });
        response.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' }).end(JSON.stringify({ content }));
        return;
      }
      const page = url.hostname === 'open.spotify.com' ? pages.get(url.pathname) : undefined;
      if (page === undefined) return void response.writeHead(404).end('not found');
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    });
    await new Promise<void>((ok, fail) => {
      server.once('error', (error) => fail(new Error(`the local HTTPS server cannot listen on port 443 (${error.message})`)));
      server.listen(443, '127.0.0.1', () => ok());
    });
    const downloadDir = mkdtempSync(join(tmpdir(), 'pp-firefox-downloads-'));
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      headless: true,
      protocol: 'webDriverBiDi',
      acceptInsecureCerts: true,
      env: { ...process.env, MOZ_REMOTE_ALLOW_SYSTEM_ACCESS: '1' },
      extraPrefsFirefox: {
        'network.dns.forceResolve': '127.0.0.1',
        'network.trr.mode': 5,
        'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_EXTENSION_UUID }),
        // Downloads go to downloadDir without a dialog.
        'browser.download.folderList': 2,
        'browser.download.dir': downloadDir,
        'browser.download.useDownloadDir': true,
        'browser.download.always_ask_before_handling_new_types': false,
      },
    });
    await browser.installExtension(FIREFOX_EXTENSION_DIR);
    return new FirefoxWithExtension(browser, server, pages, reccobeatsRequests, reccobeats, accounts, spotifyApi, downloadDir);
  }

  /**
   * A new tab at `url` once its DOM has `readySelector` (extension pages may never report loaded).
   * A wait that fails because the tab was between documents (seen: a BiDi `script.evaluate`
   * protocol error while an extension page loads) is started again, within `timeoutMs` in all.
   * @throws puppeteer's TimeoutError when the selector is not there within `timeoutMs`.
   */
  async open(url: string, readySelector: string, timeoutMs = 20_000): Promise<Page> {
    const page = await this.browser.newPage();
    void page.goto(url).catch(() => undefined);
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        await page.waitForSelector(readySelector, { timeout: Math.max(1, until - Date.now()) });
        return page;
      } catch (error) {
        if (error instanceof TimeoutError || Date.now() >= until) throw error;
        await new Promise((done) => setTimeout(done, 100));
      }
    }
  }

  /**
   * The tab or window whose document's address contains `part`, once there is one (for windows the
   * extension opens itself, e.g. with `windows.create`). Read from each page's own `location`:
   * puppeteer may still report such a page as `about:blank`.
   * @throws Error when none appears within `timeoutMs`.
   */
  async waitForPage(part: string, timeoutMs = 20_000): Promise<Page> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      for (const page of await this.browser.pages()) {
        const href = await page.evaluate(() => location.href).catch(() => '');
        if (href.includes(part)) return page;
      }
      if (Date.now() > until) throw new Error(`no page at an address containing ${part} within ${timeoutMs} ms`);
      await new Promise((done) => setTimeout(done, 200));
    }
  }

  /** The URL of an extension page (`/options.html`, `/popup.html`). */
  extensionUrl(path: string): string {
    return `moz-extension://${FIREFOX_EXTENSION_UUID}${path}`;
  }

  /**
   * The text of the file `fileName` once Firefox has saved it in {@link downloadDir} (it writes a
   * `.part` file first and renames it when done).
   * @throws Error listing the folder when the file is not there within `timeoutMs`.
   */
  async downloaded(fileName: string, timeoutMs = 10_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const files = readdirSync(this.downloadDir);
      if (files.includes(fileName) && !files.some((f) => f.endsWith('.part'))) return readFileSync(join(this.downloadDir, fileName), 'utf8');
      if (Date.now() > until) throw new Error(`no download ${fileName} within ${timeoutMs} ms (the folder holds: ${files.join(', ') || 'nothing'})`);
      await new Promise((done) => setTimeout(done, 100));
    }
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await new Promise<void>((done) => this.server.close(() => done()));
    rmSync(this.downloadDir, { recursive: true, force: true });
  }
}

/**
 * Waits until `predicate(arg)` (`arg` a string, e.g. a selector) is true in `page`, asking every 100 ms with `page.evaluate`
 * (WebDriver BiDi `script.callFunction`). Puppeteer's `waitForFunction` builds its poller with
 * `Function()` inside the page, which an extension page's CSP refuses in Firefox ESR 140
 * ("call to Function() blocked by CSP"); an evaluation sent from outside is not refused.
 * @throws Error naming `what` when the predicate is not true within `timeoutMs`.
 */
export async function waitUntil(page: Page, what: string, predicate: (arg: string) => boolean, arg = '', timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await page.evaluate(predicate, arg).catch(() => false))) {
    if (Date.now() > until) throw new Error(`${what}: not true within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/**
 * Sets `page`'s viewport to `width` × `height` CSS pixels (WebDriver BiDi
 * `browsingContext.setViewport`) and waits until the page has that size. Puppeteer's
 * `setViewport` sends `emulation.setScreenOrientationOverride` beside it, which Firefox ESR 140
 * does not know ("unknown command"; seen 2026-12-07 with puppeteer-core 24.43.1): that refusal
 * alone is tolerated, as Puppeteer itself tolerates an unknown `emulation.setTouchOverride`. It
 * arrives before the viewport command's answer, so the size is then waited for, not assumed.
 * @throws Error with the page's `innerWidth` × `innerHeight` when it is not the size asked for
 *   within 5 s, or any other protocol error of `setViewport`.
 */
export async function setViewportSize(page: Page, width: number, height: number): Promise<void> {
  await page.setViewport({ width, height }).catch((error: unknown) => {
    if (!(error instanceof Error && /unknown command emulation\.setScreenOrientationOverride/.test(error.message))) throw error;
  });
  const want = `${width}x${height}`;
  await waitUntil(page, `a ${want} viewport`, (size) => size === `${window.innerWidth}x${window.innerHeight}`, want, 5_000).catch(async (error: unknown) => {
    const size = await page.evaluate(() => `${window.innerWidth}x${window.innerHeight}`);
    throw new Error(`the viewport is ${size}, not ${want}`, { cause: error });
  });
}
