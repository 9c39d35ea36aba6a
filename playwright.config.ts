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
  // A failed test keeps its trace (actions and DOM snapshots). Without the screencast: recording
  // screenshots of every test cost 10-20 % of the run on 2 cores (software rendering).
  use: { trace: { mode: 'retain-on-failure', screenshots: false, snapshots: true, sources: false } },
});
