import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { test as base, chromium, type BrowserContext } from '@playwright/test';
import { FAKE_AUTH_PORT, FakeSpotifyAccounts } from './fake-spotify-accounts';
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

/**
 * Playwright fixtures: a persistent headless Chromium context with a built extension loaded
 * (`extensionDir`, the production build unless a test asks for the e2e build), the extension
 * ID read from its service worker URL (WXT's recommended e2e setup), and the fake Spotify
 * accounts service (`accounts`).
 */
export const test = base.extend<{ extensionDir: string; context: BrowserContext; extensionId: string; accounts: FakeSpotifyAccounts }>({
  extensionDir: [EXTENSION_DIR, { option: true }],
  context: async ({ extensionDir }, use) => {
    if (!existsSync(`${extensionDir}/manifest.json`)) throw new Error(`No built extension at ${extensionDir}: run npm run build and npm run build:e2e first`);
    const context = await launchWithExtension(extensionDir);
    await use(context);
    await context.close();
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
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    await use(new URL(worker.url()).host);
  },
});

export const expect = test.expect;
