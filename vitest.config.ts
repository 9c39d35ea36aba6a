import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

export default defineConfig({
  plugins: [WxtVitest()],
  test: {
    // tests/fuzz: fixed seed, bounded budget by default (FUZZ_SEED, FUZZ_BUDGET; see tests/fuzz/support/config.ts).
    include: ['tests/unit/**/*.test.{ts,tsx}', 'tests/fuzz/**/*.fuzz.test.ts'],
    // TF.js's production mode: no "install our node backend" banner in the test output.
    setupFiles: ['tests/unit/support/quiet-tfjs.ts'],
    // Training tests run TF.js (wasm) and real data; give them room on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Vitest's default is one worker fewer than the cores: one worker on a 2-core machine. Two
    // files at a time there take the unit run from 75-88 s to 58-60 s (measured 2026-12-06).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
