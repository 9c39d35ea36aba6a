import { enableProdMode } from '@tensorflow/tfjs-core';

/**
 * Vitest setup (vitest.config.ts `setupFiles`): TF.js's production mode, whose logger stays quiet
 * (tfjs-core `log.ts`: `warn` and `log` print nothing when `PROD` is set), so the tests that run
 * TF.js on its CPU backend in Node do not print its "install our node backend" banner (issue 13).
 * Production mode only turns off debug checks that are off by default anyway.
 */
enableProdMode();
