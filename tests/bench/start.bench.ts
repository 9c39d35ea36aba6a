import { existsSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { test, type BrowserContext, type Page } from '@playwright/test';
import { SpotifyPage } from '../e2e/pages/spotify-page';
import { stopServiceWorker } from '../e2e/support/badge-checks';
import { FakeReccoBeats } from '../e2e/support/fake-reccobeats';
import type { PageSpec } from '../e2e/support/fake-spotify';
import { EXTENSION_DIR, launchWithExtension } from '../e2e/support/fixtures';
import { extensionWorkerTarget } from '../e2e/support/service-worker-target';
import { featureTable, syntheticTracks } from '../e2e/support/tracks';
import { distribution, type Distribution } from './stats';

/**
 * The cold-start benchmark (`npm run bench:start`, issue 13), not part of `npm test`: how much
 * later the first screen's badges are final when the background's service worker has to start
 * (Chrome stops an idle worker after about 30 s, and a browser restart starts none) than when it
 * is running. The script builds the production extension (`.output/chrome-mv3`); set
 * `BENCH_EXTENSION_DIR` to measure another build (e.g. an older commit's, for a before/after).
 *
 * Setup: Debian's headless Chromium with the build loaded (`launchWithExtension`), the fake
 * open.spotify.com playlist page (tests/e2e/support/fake-spotify.ts) with 20 synthetic tracks,
 * all drawn on the first screen (viewport 1280 × 720), and the fake ReccoBeats. One warm-up load
 * fills the extension's IndexedDB cache, so no trial asks ReccoBeats (checked: the run fails if
 * one does), and both arms read the features from the cache.
 *
 * Method: trials alternate between the two arms, {@link TRIALS} each, in one tab:
 * - **cold**: the worker is stopped through the DevTools protocol (`Target.closeTarget`, as
 *   Chrome stops an idle one; polled until it is gone from the targets), then the tab reloads: the content script's first
 *   message starts a new worker, which opens the cache and loads the model before it answers;
 * - **warm**: the worker from the trial before is running (checked), then the tab reloads.
 * Times are in the page's clock (`performance.now()`, 0 at the navigation's start), seen by a
 * recorder added with `context.addInitScript` that checks every animation frame (so they are late
 * by up to one frame, about 17 ms, equally in both arms): the first badge element in the page
 * (the content script has started), the first final badge (`ok`, `uncertain`, `unknown`,
 * `error` for its row's track), and the moment every row's badge is final. The cold-start cost
 * is the difference of the two arms' medians of "all final". Percentiles are nearest-rank.
 *
 * All times are wall-clock times on this machine: other load inflates them, so the run prints the
 * CPU count and load average. It prints a table and, when `BENCH_OUT` is set, writes the figures
 * there as JSON.
 */

const TRIALS = 15;
const TRACK_COUNT = 20;
const VIEWPORT = { width: 1280, height: 720 } as const;
const extensionDir = resolve(process.env.BENCH_EXTENSION_DIR ?? EXTENSION_DIR);
const tracks = syntheticTracks(TRACK_COUNT, 'start-bench');
const spec: PageSpec = { kind: 'playlist', id: '37i9dQZF1DX4StartBench', name: 'Start benchmark', tracks };

/** What the recorder saw in one page load, in the page's clock (ms); null if it never happened. */
interface LoadTimes {
  readonly firstBadge: number | null;
  readonly firstFinal: number | null;
  readonly allFinal: number | null;
  readonly rows: number;
}

interface StartWindow {
  __ppStart: { firstBadge: number | null; firstFinal: number | null; allFinal: number | null; rows: number };
}

/** Runs in the page before its own script: records {@link LoadTimes} once per animation frame. */
function installStartRecorder(): void {
  const times: StartWindow['__ppStart'] = { firstBadge: null, firstFinal: null, allFinal: null, rows: 0 };
  (window as unknown as StartWindow).__ppStart = times;
  const final = new Set(['ok', 'uncertain', 'unknown', 'error']);
  const check = (): void => {
    const now = performance.now();
    const rows = [...document.querySelectorAll('div[data-testid="tracklist-row"]')];
    let finalRows = 0;
    for (const row of rows) {
      const host = row.querySelector('playlist-predictor-badge');
      if (host && times.firstBadge === null) times.firstBadge = now;
      const pill = host?.shadowRoot?.querySelector('.badge');
      const trackId = (row.querySelector('a[data-testid="internal-track-link"]')?.getAttribute('href') ?? '').split('/track/')[1];
      if (pill && pill.getAttribute('data-track-id') === trackId && final.has(pill.getAttribute('data-status') ?? '')) finalRows += 1;
    }
    if (finalRows > 0 && times.firstFinal === null) times.firstFinal = now;
    if (rows.length > 0 && finalRows === rows.length) {
      times.allFinal = now;
      times.rows = rows.length;
      return;
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}

/** Whether an extension service worker is among the browser's DevTools targets now. */
async function workerRunning(context: BrowserContext, page: Page): Promise<boolean> {
  const cdp = await context.newCDPSession(page);
  try {
    return (await extensionWorkerTarget(cdp)) !== undefined;
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/**
 * Stops the extension's service worker and waits until it is gone from the targets (closing
 * returns before it is; something may also wake it again): up to 10 tries, 50 ms apart.
 * @throws Error when it still runs after that.
 */
async function stopWorker(context: BrowserContext, page: Page): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    await stopServiceWorker(context, page);
    await page.waitForTimeout(50);
    if (!(await workerRunning(context, page))) return;
  }
  throw new Error('the service worker still runs after 10 tries of Target.closeTarget');
}

/** Reloads the tab and waits (up to 30 s) until every row's badge is final; returns the recorder's times. */
async function timedReload(page: Page): Promise<LoadTimes> {
  await page.reload();
  await page.waitForFunction(() => (window as unknown as StartWindow).__ppStart.allFinal !== null, undefined, { timeout: 30_000 });
  return page.evaluate(() => ({ ...(window as unknown as StartWindow).__ppStart }));
}

interface ArmSummary {
  readonly firstBadgeMs: Distribution;
  readonly firstFinalMs: Distribution;
  readonly allFinalMs: Distribution;
  /** All final minus the first badge element: the part after the content script started. */
  readonly afterContentScriptMs: Distribution;
}

function summarize(loads: readonly LoadTimes[]): ArmSummary {
  const of = (f: (l: LoadTimes) => number | null) => distribution(loads.flatMap((l) => { const v = f(l); return v === null ? [] : [v]; }));
  return {
    firstBadgeMs: of((l) => l.firstBadge),
    firstFinalMs: of((l) => l.firstFinal),
    allFinalMs: of((l) => l.allFinal),
    afterContentScriptMs: of((l) => (l.allFinal === null || l.firstBadge === null ? null : l.allFinal - l.firstBadge)),
  };
}

const ms = (v: number | null): string => (v === null ? '–' : v.toFixed(0));

test('cold-start benchmark: first badges with the service worker stopped vs running', async () => {
  test.setTimeout(300_000);
  const background = join(extensionDir, 'background.js');
  if (!existsSync(background)) throw new Error(`No build at ${extensionDir}: run npm run build first (npm run bench:start does)`);
  const loadBefore = loadavg()[0] ?? 0;
  const context = await launchWithExtension(extensionDir);
  const reccobeats = new FakeReccoBeats(featureTable(tracks));
  const cold: LoadTimes[] = [];
  const warm: LoadTimes[] = [];
  const chromium = context.browser()?.version() ?? '';
  try {
    await reccobeats.install(context);
    await context.addInitScript(installStartRecorder);
    if (context.serviceWorkers().length === 0) await context.waitForEvent('serviceworker');
    const spotify = await SpotifyPage.open(context, spec, { viewport: VIEWPORT });
    await spotify.settledRows();
    const requestsBefore = reccobeats.requests.length;
    for (let trial = 0; trial < TRIALS; trial += 1) {
      await stopWorker(context, spotify.page);
      cold.push(await timedReload(spotify.page));
      if (!(await workerRunning(context, spotify.page))) throw new Error('no service worker after a cold load');
      await spotify.page.waitForTimeout(300);
      warm.push(await timedReload(spotify.page));
      await spotify.page.waitForTimeout(300);
    }
    const requestsDuringTrials = reccobeats.requests.length - requestsBefore;
    if (requestsDuringTrials > 0) throw new Error(`${requestsDuringTrials} ReccoBeats requests during the trials: the cache was not warm`);
  } finally {
    await context.close();
  }

  const result = {
    chromium,
    extensionDir,
    backgroundBytes: statSync(background).size,
    trials: TRIALS,
    rows: cold[0]?.rows ?? 0,
    cold: summarize(cold),
    warm: summarize(warm),
    machine: { cpus: cpus().length, loadBefore, loadAfter: loadavg()[0] ?? 0 },
  };
  const coldCost = result.cold.allFinalMs.p50 !== null && result.warm.allFinalMs.p50 !== null ? result.cold.allFinalMs.p50 - result.warm.allFinalMs.p50 : null;
  const line = (name: string, d: Distribution) => `| ${name} | ${ms(d.p50)} | ${ms(d.p95)} | ${ms(d.mean)} |`;
  console.log(
    [
      `Cold-start benchmark: ${extensionDir} (background.js ${(result.backgroundBytes / 1000).toFixed(0)} kB), Chromium ${chromium}, ${result.rows} rows, ${TRIALS} trials per arm`,
      `machine: ${result.machine.cpus} CPUs, load ${loadBefore.toFixed(2)} before, ${result.machine.loadAfter.toFixed(2)} after`,
      '',
      '| page clock, ms (0 = navigation start) | p50 | p95 | mean |',
      '| --- | ---: | ---: | ---: |',
      line('worker running: first badge element', result.warm.firstBadgeMs),
      line('worker running: every row final', result.warm.allFinalMs),
      line('worker running: every row final − first badge element', result.warm.afterContentScriptMs),
      line('worker stopped: first badge element', result.cold.firstBadgeMs),
      line('worker stopped: every row final', result.cold.allFinalMs),
      line('worker stopped: every row final − first badge element', result.cold.afterContentScriptMs),
      '',
      `cold-start cost (p50 every row final, stopped − running): ${ms(coldCost)} ms`,
    ].join('\n'),
  );
  const out = process.env.BENCH_OUT;
  if (out) writeFileSync(out, `${JSON.stringify({ ...result, coldCostMs: coldCost }, null, 2)}\n`);
});
