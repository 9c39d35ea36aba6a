import { availableParallelism } from 'node:os';
import { defineConfig } from '@playwright/test';
import { ALONE_PROJECT, ALONE_TESTS, FIXED_PORT_PROJECT, FIXED_PORT_SPECS, SHARED_PORT_PROJECT } from './tests/e2e/support/projects';

/**
 * End-to-end tests load the built extension (`.output/chrome-mv3`, built by `npm test` before
 * this runs) into Debian's headless Chromium. Browsers are never downloaded; set
 * CHROMIUM_PATH to use another binary.
 *
 * Two workers, each running one spec file at a time: on 2 cores the end-to-end run took 254-290 s
 * instead of 393 s with one worker (measured 2026-12-06: four runs with two workers, one with
 * one). The specs that bind a fixed port are a project of their own limited to one worker
 * (tests/e2e/support/projects.ts), so they never run beside each other; the test whose timing
 * checks need the machine to itself runs last, alone.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: Math.min(2, availableParallelism()),
  retries: 0,
  reporter: [['list']],
  // A failed test keeps its trace (actions and DOM snapshots). Without the screencast: recording
  // screenshots of every test cost 10-20 % of the run on 2 cores (software rendering).
  use: { trace: { mode: 'retain-on-failure', screenshots: false, snapshots: true, sources: false } },
  projects: [
    { name: FIXED_PORT_PROJECT, testMatch: [...FIXED_PORT_SPECS], workers: 1 },
    { name: SHARED_PORT_PROJECT, testIgnore: [...FIXED_PORT_SPECS], grepInvert: ALONE_TESTS },
    { name: ALONE_PROJECT, testMatch: ['hardening.spec.ts'], grep: ALONE_TESTS, workers: 1, dependencies: [FIXED_PORT_PROJECT, SHARED_PORT_PROJECT] },
  ],
});
