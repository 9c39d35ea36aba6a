import type { BrowserContext, Locator, Page } from '@playwright/test';
import { downloadFrom, type DownloadedFile } from '../support/downloads';

/** One search result as the popup shows it. */
export interface PopupResult {
  readonly trackId: string;
  readonly title: string;
  readonly status: string | null;
  readonly theme: string | null;
  readonly provider: string | null;
  /** Bar labels in display order, e.g. `["Party 61 %", ...]`. */
  readonly bars: string[];
}

/** Page object for the toolbar popup, opened as a tab (`popup.html`). */
export class PopupPage {
  private constructor(readonly page: Page) {}

  static async open(context: BrowserContext, extensionId: string): Promise<PopupPage> {
    const page = await context.newPage();
    await page.goto(`chrome-extension://${extensionId}/popup.html`);
    await page.getByRole('searchbox').waitFor();
    return new PopupPage(page);
  }

  connectionStatus(): Locator {
    return this.page.getByTestId('connection-status');
  }

  searchSource(): Locator {
    return this.page.getByTestId('search-source');
  }

  async search(query: string): Promise<void> {
    await this.page.getByRole('searchbox').fill(query);
    await this.page.getByRole('searchbox').press('Enter');
    await this.searchSource().or(this.page.getByRole('alert')).waitFor();
    // The answer is shown: wait for its results (or the empty state) to be rendered too.
    await this.page.locator('article.result').first().or(this.page.getByText('No tracks found')).or(this.page.getByRole('alert')).waitFor();
  }

  /**
   * Loads the popup again, as opening it from the toolbar does, and returns the coverage line of
   * the active tab's list (`null` when it shows none within 1 s). The popup reads the active tab's
   * list when it loads, so make that tab the active one first (`bringToFront`).
   */
  async reloadedTabCoverage(): Promise<string | null> {
    await this.page.reload();
    return this.page.getByTestId('tab-coverage').textContent({ timeout: 1_000 }).catch(() => null);
  }

  /** In the open tab's profile: toggles the filter of `theme`, then presses "Export CSV" and returns the file. */
  async exportTabCsv(theme: string): Promise<DownloadedFile> {
    await this.page.locator(`.tab-themes button[data-theme="${theme}"]`).click();
    return downloadFrom(this.page.getByRole('button', { name: /^Export CSV/ }));
  }

  async results(): Promise<PopupResult[]> {
    return this.page.locator('article.result').evaluateAll((articles) =>
      articles.map((a) => {
        const badge = a.querySelector<HTMLElement>('.badge');
        return {
          trackId: a.getAttribute('data-track-id') ?? '',
          title: a.querySelector('strong')?.textContent ?? '',
          status: badge?.dataset.status ?? null,
          theme: badge?.dataset.theme ?? null,
          provider: badge?.dataset.provider ?? null,
          bars: [...a.querySelectorAll('.bar')].map((b) => b.getAttribute('aria-label') ?? ''),
        };
      }),
    );
  }
}
