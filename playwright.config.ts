import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests load the built extension (`.output/chrome-mv3`, built by `npm test` before
 * this runs) into Debian's headless Chromium. Browsers are never downloaded; set
 * CHROMIUM_PATH to use another binary.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: { trace: 'retain-on-failure' },
});
