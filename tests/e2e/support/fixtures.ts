import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { test as base, chromium, type BrowserContext } from '@playwright/test';

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
 * Starts headless Chromium with the built extension in `extensionDir` loaded, with the flags this
 * machine needs (shared/notes/platform.md: no background networking, no sandbox as root).
 */
export function launchWithExtension(extensionDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext('', {
    executablePath: CHROMIUM_PATH,
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
 * (`extensionDir`, the production build unless a test asks for the e2e build), and the extension
 * ID read from its service worker URL (WXT's recommended e2e setup).
 */
export const test = base.extend<{ extensionDir: string; context: BrowserContext; extensionId: string }>({
  extensionDir: [EXTENSION_DIR, { option: true }],
  context: async ({ extensionDir }, use) => {
    if (!existsSync(`${extensionDir}/manifest.json`)) throw new Error(`No built extension at ${extensionDir}: run npm run build and npm run build:e2e first`);
    const context = await launchWithExtension(extensionDir);
    await use(context);
    await context.close();
  },
  extensionId: async ({ context }, use) => {
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    await use(new URL(worker.url()).host);
  },
});

export const expect = test.expect;
