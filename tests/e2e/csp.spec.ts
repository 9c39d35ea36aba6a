import type { BrowserContext, Page } from '@playwright/test';
import { OptionsPage } from './pages/options-page';
import { PopupPage } from './pages/popup-page';
import { expect, test } from './support/fixtures';

/** Records every `securitypolicyviolation` event of every page in `context` (installed before any page script runs). */
async function recordCspViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const seen: string[] = [];
    Object.defineProperty(window, '__cspViolations', { value: seen });
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.effectiveDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`));
  });
}

// An init script cannot be removed from a context: this spec's tests get a browser of their own.
test.use({ freshBrowser: true });

const violations = (page: Page): Promise<unknown> => page.evaluate(() => Reflect.get(window, '__cspViolations'));

test('the popup and options pages run without Content Security Policy violations (zod runs jitless)', async ({ context, extensionId }) => {
  await recordCspViolations(context);
  const popup = await PopupPage.open(context, extensionId);
  // A search parses requests and responses with zod on both sides.
  await popup.search('anything');
  const options = await OptionsPage.open(context, extensionId);
  await expect(options.page.getByRole('heading', { name: 'Themes' })).toBeVisible();
  expect(await violations(popup.page)).toEqual([]);
  expect(await violations(options.page)).toEqual([]);
});
