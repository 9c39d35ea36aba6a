import { expect, type BrowserContext } from '@playwright/test';
import { extensionWorkers, extensionWorkerTarget } from './service-worker-target';

/** The part of the `chrome` namespace of an extension page that the reset uses. */
interface StorageArea {
  clear(): Promise<void>;
  get(keys: null): Promise<Record<string, unknown>>;
}
interface ResetApi {
  readonly storage: { readonly local: StorageArea; readonly session: StorageArea; readonly sync: StorageArea };
  readonly runtime: { sendMessage(message: unknown, callback: () => void): void; readonly lastError?: unknown };
}

/**
 * Puts a Chromium that a test used back into the state of a new launch of the extension, for the
 * next test of the same worker (support/fixtures.ts), and checks that it did:
 *
 * - no page, no route (`unrouteAll`), no cookie, no granted permission, online;
 * - the extension's service worker stopped (DevTools protocol `Target.closeTarget`, as Chrome
 *   stops an idle worker, and as support/badge-checks.ts's `stopServiceWorker` does), so that
 *   nothing the last test left in its memory (caches, queues, timers) is seen again;
 * - with no worker and no page left to hold them: `storage.local`, `storage.session` and
 *   `storage.sync` cleared and every IndexedDB database of the extension deleted (the feature
 *   cache), then checked empty;
 * - a new service worker started by a message, as a launch starts one, and answering Playwright.
 *
 * The work runs in a page of the extension's origin that runs none of the extension's code (its
 * icon: an extension-origin document has the `chrome` APIs), so that nothing wakes the worker or
 * writes storage meanwhile. Not undone, so not allowed for tests that share a browser: scripts
 * added with `context.addInitScript` (such a spec asks for a browser of its own,
 * `test.use({ freshBrowser: true })`).
 *
 * @param context the shared persistent context (Chromium, the extension loaded).
 * @param extensionId the extension's ID (the host of its `chrome-extension://` URLs).
 * @throws Error saying what was left (a worker that did not stop or start, storage or a
 *   database that is still there), so the test that left it fails instead of the next one
 *   running on a used browser.
 */
export async function resetSharedBrowser(context: BrowserContext, extensionId: string): Promise<void> {
  for (const page of context.pages()) await page.close();
  await context.unrouteAll({ behavior: 'ignoreErrors' });
  await context.clearCookies();
  await context.clearPermissions();
  await context.setOffline(false);

  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const poll = { timeout: 5_000, intervals: [50] };
  try {
    await page.goto(`chrome-extension://${extensionId}/icon/16.png`);
    const worker = await extensionWorkerTarget(cdp, extensionId);
    if (worker) await cdp.send('Target.closeTarget', { targetId: worker });
    await expect.poll(() => extensionWorkerTarget(cdp, extensionId), { ...poll, message: 'browser reset: the extension\'s service worker stopped' }).toBeUndefined();

    const left = await page.evaluate(emptyExtensionStorage);
    if (left.length > 0) throw new Error(`The used browser could not be reset: ${left.join('; ')}`);

    // Any message starts the worker; one that is not in the extension's wire format is ignored.
    await page.evaluate(() => {
      const { runtime } = (globalThis as unknown as { chrome: ResetApi }).chrome;
      // Reading lastError marks it handled (no "Unchecked runtime.lastError" in the console).
      return new Promise<void>((resolve) => runtime.sendMessage({}, () => resolve(void runtime.lastError)));
    });
    await expect.poll(() => extensionWorkerTarget(cdp, extensionId), { ...poll, timeout: 10_000, message: 'browser reset: a new service worker of the extension' }).not.toBeUndefined();
    // Playwright may keep the stopped worker's object and attach it to the new worker: wait until
    // one of the extension's workers it lists answers, as after a launch.
    await expect.poll(() => workerAnswers(context, extensionId), { ...poll, timeout: 10_000, message: 'browser reset: the new service worker answering Playwright' }).toBe(true);
  } finally {
    await cdp.detach().catch(() => undefined);
    await page.close();
  }
}

/** Whether a service worker of the extension that Playwright lists evaluates an expression within 1 s. */
async function workerAnswers(context: BrowserContext, extensionId: string): Promise<boolean> {
  for (const worker of extensionWorkers(context, extensionId)) {
    const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), 1_000));
    if (await Promise.race([worker.evaluate(() => true).catch(() => false), timeout])) return true;
  }
  return false;
}

/**
 * Runs in an extension page: clears the three storage areas and deletes every IndexedDB
 * database, then returns what is still there (empty when all went).
 */
async function emptyExtensionStorage(): Promise<string[]> {
  const { storage } = (globalThis as unknown as { chrome: ResetApi }).chrome;
  const areas = { local: storage.local, session: storage.session, sync: storage.sync };
  for (const area of Object.values(areas)) await area.clear();
  for (const { name } of await indexedDB.databases()) {
    if (name === undefined) continue;
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.deleteDatabase(name);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(new Error(`deleting IndexedDB database ${name}: ${String(request.error)}`));
      request.onblocked = () => reject(new Error(`deleting IndexedDB database ${name}: blocked by an open connection`));
    });
  }
  const left: string[] = [];
  for (const [name, area] of Object.entries(areas)) {
    const keys = Object.keys(await area.get(null));
    if (keys.length > 0) left.push(`storage.${name} still holds ${keys.join(', ')}`);
  }
  const databases = (await indexedDB.databases()).map((d) => d.name);
  if (databases.length > 0) left.push(`IndexedDB still holds ${databases.join(', ')}`);
  return left;
}
