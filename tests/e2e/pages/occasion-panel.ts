import type { Locator, Page } from '@playwright/test';
import type { SpotifyPage } from './spotify-page';
import { downloadFrom, type DownloadedFile } from '../support/downloads';

/**
 * Page object for the occasion panel (issue 11) above a list of the fake Spotify app, through
 * its public markup: `playlist-predictor-panel` (open shadow root) with `button.toggle`,
 * `p.coverage[data-analysed][data-total]`, `button.theme[data-theme][data-count][aria-pressed]`,
 * `button.analyse`, `.progress`, `button.copy`, `button.export`, `.done`, `select.sort`,
 * `ol.ranked > li[data-track-id]`; and the badges' tooltip `playlist-predictor-tooltip`.
 */
export class OccasionPanel {
  constructor(readonly spotify: SpotifyPage) {}

  get page(): Page {
    return this.spotify.page;
  }

  /** The panel's host (Playwright's locators pierce open shadow roots). */
  get host(): Locator {
    return this.page.locator('playlist-predictor-panel');
  }

  /** Whether the panel is open (`aria-expanded` of its toggle). */
  async isOpen(): Promise<boolean> {
    return (await this.host.locator('button.toggle').getAttribute('aria-expanded')) === 'true';
  }

  /** Opens the panel (if closed) and waits for its profile. */
  async open(): Promise<void> {
    if (!(await this.isOpen())) await this.host.locator('button.toggle').click();
    await this.host.locator('p.coverage').waitFor();
  }

  /** Closes the panel (if open). */
  async close(): Promise<void> {
    if (await this.isOpen()) await this.host.locator('button.toggle').click();
  }

  /** Tracks analysed and the list's length, as the coverage line says. */
  async coverage(): Promise<{ analysed: number; total: number | null; text: string }> {
    const line = this.host.locator('p.coverage');
    const total = await line.getAttribute('data-total');
    return { analysed: Number(await line.getAttribute('data-analysed')), total: total ? Number(total) : null, text: (await line.textContent()) ?? '' };
  }

  /** Confident tracks per theme, as the profile shows them. */
  async themeCounts(): Promise<Record<string, number>> {
    const buttons = await this.host.locator('button.theme').all();
    const counts: Record<string, number> = {};
    for (const b of buttons) counts[(await b.getAttribute('data-theme')) ?? ''] = Number(await b.getAttribute('data-count'));
    return counts;
  }

  /** The mean probability each theme's button shows, in whole percent (its `span.mean`, "12 %"). */
  async themeMeans(): Promise<Record<string, number>> {
    const means: Record<string, number> = {};
    for (const b of await this.host.locator('button.theme').all()) {
      const text = (await b.locator('.mean').textContent()) ?? '';
      const match = /^(\d+) %$/.exec(text);
      if (!match) throw new Error(`a theme's mean reads "${text}", not "<n> %"`);
      means[(await b.getAttribute('data-theme')) ?? ''] = Number(match[1]);
    }
    return means;
  }

  /** The line under the theme buttons that says which themes are picked. */
  filterNote(): Locator {
    return this.host.locator('.filter-note');
  }

  /** Presses a theme's button (adds it to the filter, or takes it out). */
  async toggleTheme(theme: string): Promise<void> {
    await this.host.locator(`button.theme[data-theme="${theme}"]`).click();
  }

  /**
   * Presses "Analyse whole list" as a user does (the button scrolled into view first) and returns
   * the list's scroll position at that moment: where the user was.
   */
  async startAnalysis(): Promise<number> {
    const button = this.host.locator('button.analyse');
    await button.scrollIntoViewIfNeeded();
    const at = await this.scrollTop();
    await button.click();
    return at;
  }

  /** Runs "Analyse whole list" until it ends; returns the scroll position it started from and its final progress text. */
  async analyseWholeList(timeoutMs = 120_000): Promise<{ startedAt: number; text: string }> {
    const startedAt = await this.startAnalysis();
    await this.host.locator('button.analyse:not([disabled])').waitFor({ timeout: timeoutMs });
    return { startedAt, text: (await this.host.locator('.progress').textContent()) ?? '' };
  }

  /** Presses "Copy links" and returns what the clipboard holds then (needs clipboard permissions). */
  async copyLinks(): Promise<string> {
    await this.host.locator('button.copy').click();
    await this.host.locator('.done', { hasText: /Copied|Could not/ }).waitFor();
    return this.page.evaluate(() => navigator.clipboard.readText());
  }

  /** Presses "Export CSV" and returns the downloaded file's name and text. */
  exportCsv(): Promise<DownloadedFile> {
    return downloadFrom(this.host.locator('button.export'));
  }

  /** The sort view: track IDs, most probable for the chosen theme first. */
  async ranked(theme: string): Promise<string[]> {
    await this.host.locator('select.sort').selectOption(theme);
    return this.host.locator('ol.ranked > li').evaluateAll((items) => items.map((li) => (li instanceof HTMLElement ? (li.dataset.trackId ?? '') : '')));
  }

  /** The list's scroll position (the main view's scrolling element). */
  scrollTop(): Promise<number> {
    return this.page.evaluate(() => document.querySelector('.main-view-container__scroll-node-child')?.parentElement?.scrollTop ?? -1);
  }

  /** Scrolls the list's scrolling element to `top` (px). */
  async scrollTo(top: number): Promise<void> {
    await this.page.evaluate((y) => {
      const scroller = document.querySelector('.main-view-container__scroll-node-child')?.parentElement;
      if (scroller) scroller.scrollTop = y;
    }, top);
    await this.page.waitForFunction(() => !(window as unknown as { fakeSpotify: { busy(): boolean } }).fakeSpotify.busy());
  }

  /** The badges' tooltip as shown now: open or not, the track, its themes with percents, source and why line. */
  async tooltip(): Promise<{ open: boolean; trackId: string | null; themes: [string, number][]; source: string; why: string }> {
    return this.page.evaluate(() => {
      const boxes = [...document.querySelectorAll('playlist-predictor-tooltip')].map((host) => host.shadowRoot?.querySelector<HTMLElement>('.tooltip'));
      const box = boxes.find((b) => b && !b.hidden) ?? null;
      return {
        open: box !== null,
        trackId: box?.dataset.trackId ?? null,
        themes: [...(box?.querySelectorAll<HTMLElement>('li') ?? [])].map((li): [string, number] => [li.dataset.theme ?? '', Number(li.dataset.percent)]),
        source: box?.querySelector('.source')?.textContent ?? '',
        why: box?.querySelector('.why')?.textContent ?? '',
      };
    });
  }
}
