import { cpus, loadavg } from 'node:os';
import { chromium, test, type BrowserContext } from '@playwright/test';
import { SpotifyPage } from '../e2e/pages/spotify-page';
import { FakeReccoBeats } from '../e2e/support/fake-reccobeats';
import type { PageSpec } from '../e2e/support/fake-spotify';
import { EXTENSION_DIR, chromiumPath, launchWithExtension } from '../e2e/support/fixtures';
import { featureTable, syntheticTracks } from '../e2e/support/tracks';
import { distribution } from './stats';
import { redrawFrames, TraceEventSchema, type RedrawFrame } from './trace-frames';

/**
 * The frame benchmark (`npm run bench:frames`, not part of `npm test`): what one redraw of the
 * track list costs the page's main thread, without the extension and with it (production build
 * `.output/chrome-mv3`), in Debian's headless Chromium. It also shows why a cached revisit's
 * badges cannot be final within one frame: the background's answer is handled only after the
 * task that redraws the rows, style, layout and paint included.
 *
 * Method: the fake open.spotify.com playlist page of `npm run bench:page` (1,000 synthetic tracks,
 * 20 reused row elements redrawn in one animation frame, viewport 1280 × 720; fake ReccoBeats
 * answering after 150 ms). "With the extension": the list is read through to position 380 (20
 * rows per step, every badge final), the page reloaded (the cached revisit of `bench:page`), and
 * read again while traced. "Without": a Chromium without the extension, the same steps, reload
 * included (a reloaded page decodes its cover images again: without the reload, the redraws
 * would be cheaper for reasons that have nothing to do with the extension). Each step
 * puts a `performance.mark` in the page, scrolls 20 rows, waits until the fake has drawn them
 * (and, with the extension, every badge is final), then 100 ms. The trace (Chrome DevTools
 * Protocol `Tracing`, categories `devtools.timeline`, `toplevel`, `blink.user_timing`) is read
 * by `redrawFrames` (./trace-frames.ts): per step, the redraw task and its phases, and the main
 * thread's busy time in the 150 ms after the mark. Wall-clock times on this machine: other load
 * inflates them, so the run prints the CPU count and load average.
 */

const tracks = syntheticTracks(1000, 'page-bench');
const spec: PageSpec = { kind: 'playlist', id: '37i9dQZF1DX4PageBench0', name: 'Page benchmark', tracks };
const STEPS = Array.from({ length: 19 }, (_, i) => 20 * (i + 1));
const BUSY_WINDOW_MS = 150;
const MARK = 'pp-frames-step-';

/** Traces the scroll steps on `spotify`; `settle` waits for a step's end. */
async function traceSteps(context: BrowserContext, spotify: SpotifyPage, settle: () => Promise<void>): Promise<RedrawFrame[]> {
  const cdp = await context.newCDPSession(spotify.page);
  const raw: unknown[] = [];
  cdp.on('Tracing.dataCollected', (event: { value: unknown[] }) => void raw.push(...event.value));
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'blink.user_timing'] }, transferMode: 'ReportEvents' });
  for (const position of STEPS) {
    await spotify.page.evaluate((name) => performance.mark(name), `${MARK}${position}`);
    await spotify.scrollToPosition(position);
    await settle();
    await spotify.page.waitForTimeout(100);
  }
  const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
  await cdp.send('Tracing.end');
  await complete;
  await cdp.detach();
  const events = raw.flatMap((e) => {
    const parsed = TraceEventSchema.safeParse(e);
    return parsed.success ? [parsed.data] : [];
  });
  return redrawFrames(events, MARK, BUSY_WINDOW_MS);
}

/**
 * In `context`: opens the list, reads it through {@link STEPS} (`settle` after each), reloads the
 * page and traces the same steps again.
 */
async function readReloadTrace(context: BrowserContext, settleOf: (spotify: SpotifyPage) => () => Promise<void>): Promise<RedrawFrame[]> {
  try {
    await new FakeReccoBeats(featureTable(tracks), { delayMs: 150 }).install(context);
    const spotify = await SpotifyPage.open(context, spec);
    const settle = settleOf(spotify);
    await settle();
    for (const position of STEPS) {
      await spotify.scrollToPosition(position);
      await settle();
    }
    await spotify.page.reload();
    await spotify.page.waitForFunction(() => 'fakeSpotify' in window);
    await settle();
    return await traceSteps(context, spotify, settle);
  } finally {
    await context.close();
  }
}

async function withoutExtension(): Promise<RedrawFrame[]> {
  const context = await chromium.launchPersistentContext('', { executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  return readReloadTrace(context, (spotify) => () => spotify.page.waitForTimeout(200));
}

async function withExtension(): Promise<RedrawFrame[]> {
  const context = await launchWithExtension(EXTENSION_DIR);
  if (context.serviceWorkers().length === 0) await context.waitForEvent('serviceworker');
  return readReloadTrace(context, (spotify) => async () => void (await spotify.settledRows(30_000)));
}

test('frame benchmark: a list redraw on the main thread, without and with the extension', async () => {
  test.setTimeout(300_000);
  const loadBefore = loadavg()[0] ?? 0;
  const runs = [
    { name: 'without the extension', frames: await withoutExtension() },
    { name: 'with the extension, cached revisit', frames: await withExtension() },
  ];
  const ms = (v: number | null) => (v === null ? '-' : v.toFixed(1));
  const cell = (frames: readonly RedrawFrame[], pick: (f: RedrawFrame) => number) => {
    const d = distribution(frames.map(pick));
    return `${ms(d.p50)} / ${ms(d.p95)}`;
  };
  const header = ['scenario', 'steps', 'redraw task', 'script', 'style', 'layout', 'paint', `busy in ${BUSY_WINDOW_MS} ms`];
  const rows = runs.map(({ name, frames }) => [name, String(frames.length), cell(frames, (f) => f.taskMs), cell(frames, (f) => f.scriptMs), cell(frames, (f) => f.styleMs), cell(frames, (f) => f.layoutMs), cell(frames, (f) => f.paintMs), cell(frames, (f) => f.busyMs)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(
    [
      `Frame benchmark (tests/bench/frames.bench.ts): Chromium headless, the fake playlist page, ${STEPS.length} scroll steps of 20 rows; ms, p50 / p95 over the steps`,
      line(header),
      line(widths.map((w) => '-'.repeat(w))),
      ...rows.map(line),
      `(${cpus().length} CPUs, 1-minute load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after)`,
    ].join('\n'),
  );
  for (const { name, frames } of runs) if (frames.length < STEPS.length - 2) throw new Error(`${name}: only ${frames.length} of ${STEPS.length} redraws found in the trace`);
});
