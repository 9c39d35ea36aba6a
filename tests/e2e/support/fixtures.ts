import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { test as base, chromium, type BrowserContext } from '@playwright/test';

/** Where the built extension is (`npm run build` writes it). */
export const EXTENSION_DIR = resolve('.output/chrome-mv3');
/** Debian's Chromium by default; browsers cannot be downloaded on the CI machine. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Playwright fixtures: a persistent headless Chromium context with the built extension loaded,
 * and the extension ID read from its service worker URL (WXT's recommended e2e setup).
 */
export const test = base.extend<{ context: BrowserContext; extensionId: string }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured object.
  context: async ({}, use) => {
    if (!existsSync(`${EXTENSION_DIR}/manifest.json`)) throw new Error(`No built extension at ${EXTENSION_DIR}: run npm run build first`);
    const context = await chromium.launchPersistentContext('', {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        `--disable-extensions-except=${EXTENSION_DIR}`,
        `--load-extension=${EXTENSION_DIR}`,
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    await use(context);
    await context.close();
  },
  extensionId: async ({ context }, use) => {
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    await use(new URL(worker.url()).host);
  },
});

export const expect = test.expect;
