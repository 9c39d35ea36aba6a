import type { BrowserContext, CDPSession, Worker } from '@playwright/test';

/**
 * The DevTools protocol target ID of the extension's running service worker, or undefined when
 * none runs (`Target.getTargets` through `cdp`, a page's or the browser's session). With
 * `extensionId`, only that extension's worker counts; without, any extension's.
 */
export async function extensionWorkerTarget(cdp: CDPSession, extensionId?: string): Promise<string | undefined> {
  const origin = `chrome-extension://${extensionId ?? ''}`;
  const { targetInfos } = await cdp.send('Target.getTargets');
  return targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(origin))?.targetId;
}

/**
 * The service workers that Playwright lists for `context` (a stopped one may still be listed), in
 * its order: with `extensionId`, that extension's; without, any extension's.
 */
export function extensionWorkers(context: BrowserContext, extensionId?: string): Worker[] {
  const prefix = extensionId === undefined ? 'chrome-extension://' : `chrome-extension://${extensionId}/`;
  return context.serviceWorkers().filter((w) => w.url().startsWith(prefix));
}
