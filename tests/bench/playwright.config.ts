import { defineConfig } from '@playwright/test';
import type { BrowserOptions } from '../e2e/support/fixtures';

/**
 * The Chromium benchmarks, not part of `npm test`; each npm script names its own file:
 * - `model.bench.ts` (`npm run bench:model`, through training/bench.ts): loads the test-only build
 *   `.output/chrome-mv3-e2e` (`npm run build:e2e`) into Debian's headless Chromium and calls the
 *   background's bench hook (lib/background/bench-hook.ts);
 * - `page.bench.ts` (`npm run bench:page`): the production build `.output/chrome-mv3` on the fake
 *   Spotify page (requests, row → badge latency, content-script size);
 * - `start.bench.ts` (`npm run bench:start`): the production build's first badges with the
 *   background's service worker stopped vs running (cold-start cost);
 * - `frames.bench.ts` (`npm run bench:frames`): the production build's cost in each redraw of the
 *   fake Spotify list (main-thread trace, with and without the extension);
 * - `cache.bench.ts` (`npm run bench:cache`): the test-only build's feature cache filled to its
 *   default bound of 100,000 tracks: `status` and search times, and eviction;
 * - `analysis.bench.ts` (`npm run bench:analysis`): the production build's "Analyse whole list"
 *   on a 1,000-track fake playlist.
 */
export default defineConfig<BrowserOptions>({
  testDir: '.',
  testMatch: ['model.bench.ts', 'page.bench.ts', 'start.bench.ts', 'frames.bench.ts', 'cache.bench.ts', 'analysis.bench.ts'],
  timeout: 120_000,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  // Each benchmark launches a browser of its own (a first visit, a cold start: nothing reused).
  use: { freshBrowser: true },
});
