import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { test as base, chromium, type BrowserContext } from '@playwright/test';
import { FAKE_AUTH_PORT, FakeSpotifyAccounts } from './fake-spotify-accounts';
import { resetSharedBrowser } from './browser-reset';
import { assertFixedPortProject } from './projects';

/** Where the production build is (`npm run build` writes it). */
export const EXTENSION_DIR = resolve('.output/chrome-mv3');
/**
 * The test-only build (`npm run build:e2e`): the same extension, with Spotify's authorize and
 * token endpoints on the fake authorization server at 127.0.0.1 (see `.env.e2e`).
 */
export const E2E_EXTENSION_DIR = resolve('.output/chrome-mv3-e2e');
/** Debian's Chromium by default; browsers cannot be downloaded on the CI machine. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * {@link CHROMIUM_PATH}, checked: every Chromium launch of the tests and benchmarks goes through it.
 * @throws Error naming the install command when there is no file there (instead of one launch
 *   failure per test).
 */
export function chromiumPath(): string {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`No Chromium at ${CHROMIUM_PATH}: install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH`);
  return CHROMIUM_PATH;
}

/**
 * Starts headless Chromium with the built extension in `extensionDir` loaded, with the flags this
 * machine needs (shared/notes/platform.md: no background networking, no sandbox as root).
 * @throws Error naming the install command when there is no Chromium (see {@link chromiumPath}).
 */
export function launchWithExtension(extensionDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext('', {
    executablePath: chromiumPath(),
    headless: true,
    args: [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** The extension's ID: the host of its service worker's URL (WXT's recommended e2e setup). */
async function extensionIdOf(context: BrowserContext): Promise<string> {
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  return new URL(worker.url()).host;
}

/** The option a spec (`test.use`) or a config (`use`) sets: a browser of each test's own instead of one a worker reuses. */
export interface BrowserOptions {
  freshBrowser: boolean;
}

/** A Chromium with the extension loaded that a worker reuses from test to test (see {@link test}). */
interface SharedBrowser {
  readonly context: BrowserContext;
  readonly extensionId: string;
}

/** A worker's {@link SharedBrowser}: one at a time, launched on first use, closed when the worker ends. */
interface BrowserPool {
  /** The shared browser of build `extensionDir`; a browser of another build that was shared before is closed first. */
  shared(extensionDir: string): Promise<SharedBrowser>;
}

/**
 * Playwright fixtures: a persistent headless Chromium context with a built extension loaded
 * (`extensionDir`, the production build unless a spec asks for the e2e build), the extension
 * ID read from its service worker URL (WXT's recommended e2e setup), and the fake Spotify
 * accounts service (`accounts`).
 *
 * Each worker launches one Chromium per build and hands it to one test after another. After each
 * test that passed, {@link resetSharedBrowser} puts it back into the state of a new launch (no
 * page, no route, empty extension storage and IndexedDB, a new service worker) and checks that it
 * did; a reset that fails fails that test. A launch, an
 * extension page and a close cost 3.3-4.2 s of CPU on a 2-core machine; the reset about 1.3 s
 * less (README, "Test run times"). A spec that changes the browser in a way the reset cannot
 * undo (`context.addInitScript`) asks for `freshBrowser`, and the benchmarks always do. After a
 * failed test Playwright starts a new worker, so a browser a failure left in an unknown state is
 * never reused (and not reset).
 */
export const test = base.extend<
  BrowserOptions & { extensionDir: string; context: BrowserContext; extensionId: string; accounts: FakeSpotifyAccounts },
  { browserPool: BrowserPool }
>({
  extensionDir: [EXTENSION_DIR, { option: true }],
  freshBrowser: [false, { option: true }],
  browserPool: [
    // eslint-disable-next-line no-empty-pattern -- Playwright's form for a fixture without dependencies
    async ({}, use) => {
      let current: { extensionDir: string; browser: Promise<SharedBrowser> } | undefined;
      const close = async () => {
        const browser = await current?.browser.catch(() => undefined);
        current = undefined;
        await browser?.context.close();
      };
      await use({
        shared: async (extensionDir) => {
          if (current?.extensionDir !== extensionDir) {
            await close();
            current = { extensionDir, browser: launchShared(extensionDir) };
          }
          return current.browser;
        },
      });
      await close();
    },
    { scope: 'worker' },
  ],
  context: async ({ extensionDir, freshBrowser, browserPool }, use, testInfo) => {
    if (freshBrowser) {
      assertBuilt(extensionDir);
      const context = await launchWithExtension(extensionDir);
      await use(context);
      await context.close();
      return;
    }
    const shared = await browserPool.shared(extensionDir);
    await use(shared.context);
    // After a failure Playwright replaces the worker, and with it this browser: nothing to reset.
    if (testInfo.status === testInfo.expectedStatus) await resetSharedBrowser(shared.context, shared.extensionId);
  },
  // Spotify's accounts service as a local fake on 127.0.0.1 (the e2e build's endpoints), for the
  // tests that connect; started only for the tests that ask for it, and only in the project whose
  // specs run one at a time (its port is fixed: the e2e build bakes it in).
  // eslint-disable-next-line no-empty-pattern -- Playwright's form for a fixture without dependencies
  accounts: async ({}, use, testInfo) => {
    assertFixedPortProject(testInfo.project.name, `the fake accounts server on 127.0.0.1:${FAKE_AUTH_PORT}`);
    const accounts = new FakeSpotifyAccounts();
    await accounts.start();
    try {
      await use(accounts);
    } finally {
      await accounts.stop();
    }
  },
  extensionId: async ({ context }, use) => {
    await use(await extensionIdOf(context));
  },
});

export const expect = test.expect;

/** Launches the browser a worker's tests share (see {@link test}). */
async function launchShared(extensionDir: string): Promise<SharedBrowser> {
  assertBuilt(extensionDir);
  const context = await launchWithExtension(extensionDir);
  return { context, extensionId: await extensionIdOf(context) };
}

/** @throws Error naming the build commands when there is no built extension in `extensionDir`. */
function assertBuilt(extensionDir: string): void {
  if (!existsSync(`${extensionDir}/manifest.json`)) throw new Error(`No built extension at ${extensionDir}: run npm run build and npm run build:e2e first`);
}
