import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from '@playwright/test';
import { BENCH_HOOK_NAME, type BenchHook } from '../../lib/background/bench-hook';
import { benchTracks } from '../../training/bench-tracks';
import type { BenchResult } from '../../model/benchmark';
import { launchWithExtension } from '../e2e/support/fixtures';

/** The test-only build with the bench hook (`npm run build:e2e`). */
const EXTENSION_DIR = resolve('.output/chrome-mv3-e2e');

test('model load and predict times in the Chromium background', async () => {
  if (!existsSync(`${EXTENSION_DIR}/manifest.json`)) throw new Error(`No e2e build at ${EXTENSION_DIR}: run npm run build:e2e first`);
  const context = await launchWithExtension(EXTENSION_DIR);
  try {
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    await test.expect.poll(() => worker.evaluate((name) => name in globalThis, BENCH_HOOK_NAME), { timeout: 15_000 }).toBe(true);
    const result: BenchResult = await worker.evaluate(
      ([name, tracks]) => (Reflect.get(globalThis, name) as BenchHook)(tracks),
      [BENCH_HOOK_NAME, benchTracks(200)] as const,
    );
    const out = process.env.BENCH_OUT;
    if (out) writeFileSync(out, `${JSON.stringify(result)}\n`);
    console.log(`Chromium ${context.browser()?.version() ?? ''} background: ${JSON.stringify(result)}`);
  } finally {
    await context.close();
  }
});
