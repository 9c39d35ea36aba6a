import type { BrowserContext, CDPSession, Worker } from '@playwright/test';

/**
 * The start of the URLs of `extensionId`'s pages and workers, `chrome-extension://<ID>/`; without
 * an ID, the start of any extension's, `chrome-extension://`.
 */
const extensionUrlPrefix = (extensionId?: string): string => (extensionId === undefined ? 'chrome-extension://' : `chrome-extension://${extensionId}/`);

/**
 * The DevTools protocol target ID of the extension's running service worker, or undefined when
 * none runs (`Target.getTargets` through `cdp`, a page's or the browser's session). With
 * `extensionId`, only that extension's worker counts; without, any extension's.
 */
export async function extensionWorkerTarget(cdp: CDPSession, extensionId?: string): Promise<string | undefined> {
  const prefix = extensionUrlPrefix(extensionId);
  const { targetInfos } = await cdp.send('Target.getTargets');
  return targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(prefix))?.targetId;
}

/**
 * The service workers that Playwright lists for `context` (a stopped one may still be listed), in
 * its order: with `extensionId`, that extension's; without, any extension's.
 */
export function extensionWorkers(context: BrowserContext, extensionId?: string): Worker[] {
  const prefix = extensionUrlPrefix(extensionId);
  return context.serviceWorkers().filter((w) => w.url().startsWith(prefix));
}
