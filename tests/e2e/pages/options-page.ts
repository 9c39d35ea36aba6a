import type { BrowserContext, Locator, Page } from '@playwright/test';
import { downloadFrom, type DownloadedFile } from '../support/downloads';
import { responseOf, sendFromExtensionPage, timeFromExtensionPage, type WireAnswer } from '../support/extension-messages';
import type { Status } from '../../../lib/shared/messaging';

/** The extension APIs the snippets below call on the page's `chrome` global (Playwright's types know none). */
interface ExtensionApi {
  readonly tabs: { getCurrent(): Promise<{ id?: number } | undefined>; remove(tabId: number): Promise<void> };
  readonly storage: { readonly local: { get(keys: null): Promise<Record<string, unknown>> } };
}

/** Page object for the extension's options page. */
export class OptionsPage {
  private constructor(readonly page: Page) {}

  static async open(context: BrowserContext, extensionId: string): Promise<OptionsPage> {
    const page = await context.newPage();
    await page.goto(`chrome-extension://${extensionId}/options.html`);
    await page.getByRole('heading', { name: 'Themes' }).waitFor();
    return new OptionsPage(page);
  }

  /** The enable checkbox of a theme, by its display name. */
  themeCheckbox(name: string): Locator {
    return this.page.getByRole('checkbox', { name, exact: true });
  }

  async setThemeEnabled(name: string, on: boolean): Promise<void> {
    await this.themeCheckbox(name).setChecked(on);
  }

  /** Sets a theme's badge colour through its colour input (`#rrggbb`). */
  async setThemeColor(name: string, color: string): Promise<void> {
    await this.page.getByLabel(`${name} colour`).fill(color);
  }

  async setThreshold(percent: number): Promise<void> {
    await this.page.locator('#threshold').fill(String(percent));
  }

  /**
   * Moves the threshold slider to `percent` (the input event a drag fires) and asks for this tab to
   * close one task later (`setTimeout` 0), before the storage writes the change started have
   * answered: quicker than any user could close it. Resolves once the tab has closed.
   */
  async setThresholdAndClose(percent: number): Promise<void> {
    const tabId = await this.page.evaluate(async () => (await (globalThis as unknown as { chrome: ExtensionApi }).chrome.tabs.getCurrent())?.id);
    if (tabId === undefined) throw new Error('the options page is not in a tab');
    const closed = this.page.waitForEvent('close');
    // The page may go before evaluate answers; the close event is what counts.
    await this.page
      .evaluate(
        ([id, value]) => {
          const slider = document.querySelector<HTMLInputElement>('#threshold');
          if (!slider) throw new Error('the options page has no #threshold slider');
          // React tracks the value through the prototype's setter.
          Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set?.call(slider, value);
          slider.dispatchEvent(new Event('input', { bubbles: true }));
          setTimeout(() => void (globalThis as unknown as { chrome: ExtensionApi }).chrome.tabs.remove(id), 0);
        },
        [tabId, String(percent)] as const,
      )
      .catch(() => undefined);
    await closed;
  }

  /** Presses *Export…* and returns the downloaded file's name and text. */
  exportSettings(): Promise<DownloadedFile> {
    return downloadFrom(this.page.getByRole('button', { name: 'Export…' }));
  }

  /** Picks a file for *Import…* as the file chooser would. */
  async importSettings(name: string, contents: string | Buffer): Promise<void> {
    await this.page.getByTestId('import-settings').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.isBuffer(contents) ? contents : Buffer.from(contents) });
  }

  /** The backup section's message after an import (a status, or an alert for a refused file). */
  backupMessage(): Locator {
    return this.page.getByRole('region', { name: 'Back up settings' }).locator('p.ok, p.error');
  }

  /** What `storage.local` holds, read from this page (`chrome.storage.local.get(null)`). */
  storedItems(): Promise<Record<string, unknown>> {
    return this.page.evaluate(() => (globalThis as unknown as { chrome: ExtensionApi }).chrome.storage.local.get(null));
  }

  redirectUri(): Locator {
    return this.page.getByTestId('redirect-uri');
  }

  async connect(clientId: string): Promise<void> {
    await this.page.getByLabel('Client ID').fill(clientId);
    await this.page.getByRole('button', { name: 'Connect' }).click();
  }

  connectedCard(): Locator {
    return this.page.getByTestId('spotify-connected');
  }

  audioFeaturesState(): Locator {
    return this.page.getByTestId('audio-features-state');
  }

  alert(): Locator {
    return this.page.getByRole('alert');
  }

  cacheSummary(): Locator {
    return this.page.getByTestId('cache-summary');
  }

  /** Types a cache size (tracks) into the cache section's field and presses Enter, as a user saves it. */
  async setCacheLimit(tracks: number): Promise<void> {
    const field = this.page.getByLabel('Keep at most');
    await field.fill(String(tracks));
    await field.press('Enter');
  }

  /** Sends one raw message from this extension page, in the extension's wire format (see support/extension-messages.ts). */
  send(type: string, data: unknown): Promise<WireAnswer> {
    return sendFromExtensionPage(this.page, type, data);
  }

  /**
   * The background's `status`, asked from this page with a raw message and checked by
   * `responseOf` (throws unless answered with a `res` of the protocol's shape).
   */
  async status(): Promise<Status> {
    return responseOf('status', await this.send('status', {}));
  }

  /** Times `runs` round trips of a raw message from this page after `warmUp` untimed ones (ms each, see `timeFromExtensionPage`). */
  timeMessage(type: string, data: unknown, runs = 5, warmUp = 1): Promise<number[]> {
    return timeFromExtensionPage(this.page, type, data, runs, warmUp);
  }
}
