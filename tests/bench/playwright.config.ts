import { defineConfig } from '@playwright/test';

/**
 * The Chromium model benchmark (`npm run bench:model`), not part of `npm test`: loads the
 * test-only build `.output/chrome-mv3-e2e` (`npm run build:e2e`) into Debian's headless
 * Chromium and calls the background's bench hook (lib/bench-hook.ts).
 */
export default defineConfig({
  testDir: '.',
  testMatch: 'model.bench.ts',
  timeout: 120_000,
  workers: 1,
  retries: 0,
  reporter: [['list']],
});
