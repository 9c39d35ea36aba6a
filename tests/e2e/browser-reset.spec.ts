import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resetSharedBrowser } from './support/browser-reset';
import { expect, test } from './support/fixtures';
import { extensionWorkers } from './support/service-worker-target';

/**
 * The reset between two tests that share a worker's browser (support/browser-reset.ts) leaves
 * nothing of the first test that the second could see: here one test leaves all of it behind on
 * purpose and resets its own browser.
 */

/** What an extension page sees of the extension's storage. */
const EXTENSION_STATE = `(async () => ({
  local: await chrome.storage.local.get(null),
  session: await chrome.storage.session.get(null),
  sync: await chrome.storage.sync.get(null),
  databases: (await indexedDB.databases()).map((d) => d.name),
}))()`;

/** A local page, not routed: it loads only while the browser is online. */
let server: Server;
let localOrigin: string;
test.beforeAll(async () => {
  server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<title>reset check</title>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  localOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.afterAll(async () => {
  server.closeAllConnections(); // Chromium keeps its connection alive; close() would wait for it.
  await new Promise((resolve) => server.close(resolve));
});

test('a used browser is reset to a new launch\'s state: no page, no route, empty extension storage and IndexedDB, a new service worker', async ({ context, extensionId }) => {
  // Everything a test can leave behind.
  const options = await context.newPage();
  await options.goto(`chrome-extension://${extensionId}/options.html`);
  await options.getByRole('heading', { name: 'Themes' }).waitFor();
  await options.evaluate(`(async () => {
    await chrome.storage.local.set({ leftByLastTest: 1 });
    await chrome.storage.session.set({ leftByLastTest: 1 });
    await chrome.storage.sync.set({ leftByLastTest: 1 });
    await new Promise((resolve, reject) => {
      const open = indexedDB.open('left-by-last-test');
      open.onupgradeneeded = () => open.result.createObjectStore('things');
      open.onsuccess = () => { open.result.close(); resolve(); };
      open.onerror = () => reject(open.error);
    });
  })()`);
  // The options page made the background open its feature cache too.
  await expect.poll(async () => Number(await options.evaluate('indexedDB.databases().then((d) => d.length)')), { message: 'databases before the reset' }).toBeGreaterThanOrEqual(2);
  const [worker] = extensionWorkers(context, extensionId);
  if (!worker) throw new Error('no service worker of the extension');
  await worker.evaluate(() => Reflect.set(globalThis, 'leftByLastTest', true));
  await context.route('https://api.reccobeats.com/**', (route) => route.fulfill({ status: 200, body: 'left by the last test' }));
  await context.grantPermissions(['clipboard-read'], { origin: localOrigin });
  // A cookie that lasts an hour: a session cookie goes anyway once the last page is closed.
  await context.addCookies([{ name: 'left', value: 'by the last test', url: localOrigin, expires: Math.floor(Date.now() / 1000) + 3600 }]);
  await context.setOffline(true);

  await resetSharedBrowser(context, extensionId);

  expect(context.pages(), 'pages left open').toEqual([]);
  expect(await context.cookies(), 'cookies').toEqual([]);
  const page = await context.newPage();
  await page.goto(`chrome-extension://${extensionId}/icon/16.png`);
  expect(await page.evaluate(EXTENSION_STATE)).toEqual({ local: {}, session: {}, sync: {}, databases: [] });
  const workers = extensionWorkers(context, extensionId);
  expect(workers.length, 'service workers of the extension').toBeGreaterThan(0);
  for (const w of workers) expect(await w.evaluate(() => Reflect.get(globalThis, 'leftByLastTest')), 'a global of the stopped worker').toBeUndefined();
  // Without the route, the request goes to the network (none here, or the real ReccoBeats).
  const answer = await page.evaluate(() => fetch('https://api.reccobeats.com/v1/audio-features?ids=x').then((r) => r.text(), (error: unknown) => `failed: ${String(error)}`));
  expect(answer, 'the answer of a route the last test added').not.toBe('left by the last test');
  await page.close();

  // A local page loads (online), and the permission granted to its origin is gone.
  const local = await context.newPage();
  await local.goto(`${localOrigin}/`);
  expect(await local.evaluate(async () => (await navigator.permissions.query({ name: 'clipboard-read' as PermissionName })).state), 'clipboard-read').toBe('prompt');
});
