import { test, expect } from '@playwright/test';
import type { Page } from 'puppeteer-core';
import { THEME_IDS, getTheme } from '../../model/themes';
import { playlistPageHtml, ROW_POOL_SIZE } from './support/fake-spotify';
import { FirefoxWithExtension } from './support/firefox';
import { bundledModelDefaults, classifyWithCli, expectedBadge, expectedTheme, featureTable, syntheticTracks, type CliRow } from './support/tracks';

/**
 * The core checks in Firefox ESR (issue 13), on the Firefox build: badges on a playlist page with
 * reused rows equal `npm run classify`, a change in the options follows on the open tab, and the
 * popup's search. See support/firefox.ts for the route (puppeteer-core over WebDriver BiDi).
 */

test.describe.configure({ mode: 'serial' });

const tracks = syntheticTracks(80, 'e2e-firefox');
let expected: Map<string, CliRow>;
let firefox: FirefoxWithExtension;

test.beforeAll(async () => {
  expected = classifyWithCli(tracks);
  firefox = await FirefoxWithExtension.launch(featureTable(tracks));
});
test.afterAll(async () => {
  await firefox?.close();
});

/** Every rendered row's track and badge, read through the badge's open shadow root. */
function rows(page: Page): Promise<{ position: number; trackId: string; status: string | null; theme: string | null; badges: number }[]> {
  return page.evaluate(() => {
    const fake = (window as unknown as { fakeSpotify: { positionOf(e: Element): { position: number } | null } }).fakeSpotify;
    return [...document.querySelectorAll('div[data-testid="tracklist-row"]')].map((row) => {
      const pill = row.querySelector('playlist-predictor-badge')?.shadowRoot?.querySelector<HTMLElement>('.badge');
      return {
        position: fake.positionOf(row)?.position ?? -1,
        trackId: (row.querySelector('a[data-testid="internal-track-link"]')?.getAttribute('href') ?? '').replace('/track/', ''),
        status: pill?.dataset.status ?? null,
        theme: pill?.dataset.theme ?? null,
        badges: row.querySelectorAll('playlist-predictor-badge').length,
      };
    });
  });
}

/** Waits until every rendered row has one settled badge for its own track, and returns the rows. */
async function settled(page: Page): Promise<Awaited<ReturnType<typeof rows>>> {
  let last: Awaited<ReturnType<typeof rows>> = [];
  await expect
    .poll(
      async () => {
        last = await rows(page);
        return last.length > 0 && last.every((r) => r.badges === 1 && r.status !== null && r.status !== 'loading');
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  return last;
}

const badgeOf = (trackId: string) => {
  const cli = expected.get(trackId);
  return cli ? expectedBadge(cli) : { status: 'unknown', theme: null };
};

test('Firefox: every row, also rows reused while scrolling, shows the theme npm run classify gives', async () => {
  firefox.pages.set('/playlist/37i9dQZF1DXFFFFFFFFFFFF1', playlistPageHtml('Firefox Mix', tracks, '37i9dQZF1DXFFFFFFFFFFFF1'));
  const page = await firefox.open('https://open.spotify.com/playlist/37i9dQZF1DXFFFFFFFFFFFF1', 'div[data-testid="tracklist-row"]');
  const first = await settled(page);
  expect(first).toHaveLength(ROW_POOL_SIZE);
  for (const r of first) expect({ status: r.status, theme: r.theme }, `position ${r.position}`).toEqual(badgeOf(r.trackId));
  // Scroll down: the same row elements show other tracks.
  await page.evaluate(() => (window as unknown as { fakeSpotify: { scrollToPosition(p: number): void } }).fakeSpotify.scrollToPosition(50));
  await expect.poll(async () => (await rows(page)).some((r) => r.position >= 50)).toBe(true);
  const later = await settled(page);
  expect(later.some((r) => r.position >= 50)).toBe(true);
  for (const r of later) expect({ status: r.status, theme: r.theme }, `position ${r.position}`).toEqual(badgeOf(r.trackId));
  for (const batch of firefox.reccobeatsRequests) expect(batch.length).toBeLessThanOrEqual(40);
  await page.close();
});

test('Firefox: turning a theme off in the options changes the open tab\'s badges', async () => {
  const page = await firefox.open('https://open.spotify.com/playlist/37i9dQZF1DXFFFFFFFFFFFF1', 'div[data-testid="tracklist-row"]');
  const before = await settled(page);
  // The theme of the first confident row goes off: its rows must show the next best theme.
  const off = before.find((r) => r.status === 'ok')?.theme ?? 'chill';
  const options = await firefox.open(firefox.extensionUrl('/options.html'), 'input[type="checkbox"]');
  await options.evaluate((name) => {
    const box = [...document.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')].find((b) => b.closest('tr, label, li')?.textContent?.includes(name));
    box?.click();
  }, getTheme(off).name);
  const { enabled, uncertainThreshold } = bundledModelDefaults();
  const on = enabled.filter((t) => t !== off);
  await expect
    .poll(
      async () => {
        const now = await rows(page);
        return now.every((r) => {
          const cli = expected.get(r.trackId);
          if (!cli) return r.status === 'unknown';
          const { theme, probability } = expectedTheme(cli, on, THEME_IDS);
          return r.theme === theme && r.status === (probability < uncertainThreshold ? 'uncertain' : 'ok');
        });
      },
      { timeout: 20_000 },
    )
    .toBe(true);
  expect((await rows(page)).some((r) => r.theme === off)).toBe(false);
  // Back on, for the next test.
  await options.evaluate((name) => {
    const box = [...document.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')].find((b) => b.closest('tr, label, li')?.textContent?.includes(name));
    box?.click();
  }, getTheme(off).name);
  await options.close();
  await page.close();
});

test('Firefox: the popup finds a track seen on the page, with the badge npm run classify gives', async () => {
  const wanted = tracks[3];
  if (!wanted) throw new Error('fixture');
  const popup = await firefox.open(firefox.extensionUrl('/popup.html'), 'input[type="search"]');
  await popup.type('input[type="search"]', wanted.title);
  await popup.keyboard.press('Enter');
  await popup.waitForSelector(`article.result[data-track-id="${wanted.id}"] .badge`, { timeout: 20_000 });
  const badge = await popup.$eval(`article.result[data-track-id="${wanted.id}"] .badge`, (b) => ({ status: (b as HTMLElement).dataset.status ?? null, theme: (b as HTMLElement).dataset.theme ?? null }));
  expect(badge).toEqual(badgeOf(wanted.id));
  await popup.close();
});
