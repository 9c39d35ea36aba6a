import type { BrowserContext, Page } from '@playwright/test';
import type { DocumentBadge, RenderedRow, SpotifyPage } from '../pages/spotify-page';
import { expect } from './fixtures';
import { extensionWorkerTarget } from './service-worker-target';
import { expectedBadge, syntheticTracks, type CliRow, type FixtureTrack } from './tracks';

/**
 * Checks shared by the end-to-end specs: what a badge must show for a track (the theme
 * `npm run classify` gives, or `unknown`), whole-list walks of virtualized lists, the public badge
 * markup, and stopping the extension's service worker.
 *
 * Checks over many rows or badges are one assertion each, over a list, whose failure lists every
 * row or badge that differs: every Playwright `expect` is a reported test step, and a step costs
 * more the more steps the test has taken (a throwaway spec on 2 cores, 2026-12-07: 5,000
 * `toBeCloseTo` in 5-8 s, then 5,000 plain `toBe` in 18-35 s; README, "Test run times").
 */

/** What the badge of `trackId` must show: the CLI's theme and status, or `unknown` when the provider does not know the track. */
export function badgeFor(trackId: string, expected: ReadonlyMap<string, CliRow>): { status: string; theme: string | null } {
  const cli = expected.get(trackId);
  return cli === undefined ? { status: 'unknown', theme: null } : expectedBadge(cli);
}

/**
 * Every rendered row has exactly one badge, for its current track, showing what the classify CLI
 * says (or "unknown"). One assertion over all rows (see the module's note on assertion counts):
 * on failure its diff names each differing row by section, position and track ID.
 */
export function expectRowsMatch(rows: readonly RenderedRow[], expected: ReadonlyMap<string, CliRow>): void {
  expect(rows.length, 'rendered track rows').toBeGreaterThan(0);
  const where = (row: RenderedRow): string => `${row.section} position ${row.position} (${row.trackId})`;
  expect(
    rows.map((row) => ({ row: where(row), badgeCount: row.badgeCount, badgeTrackId: row.badgeTrackId, badge: { status: row.status, theme: row.theme } })),
    "every rendered row: one badge, for the row's current track, showing what npm run classify gives",
  ).toEqual(rows.map((row) => ({ row: where(row), badgeCount: 1, badgeTrackId: row.trackId, badge: badgeFor(row.trackId, expected) })));
}

const BADGE_STATUSES: readonly string[] = ['loading', 'ok', 'uncertain', 'unknown', 'error'];

/**
 * What is wrong with a badge's public markup (issue 8), one sentence per fault, none when it is
 * right: an `aria-label` starting "Playlist Predictor: ", role `img`, or `button` for `error`; a
 * known status; a track ID. Answered badges (`ok`, `uncertain`: they have a tooltip, issue 11)
 * and `error` badges are tab stops (`tabindex="0"`), the others are not.
 */
export function badgeMarkupProblems(badge: DocumentBadge): string[] {
  const where = `badge in ${badge.where} ${badge.section ?? ''} ${badge.position ?? ''} (${badge.trackId})`;
  const problems: string[] = [];
  if (!/^[0-9A-Za-z]{22}$/.test(badge.trackId ?? '')) problems.push(`${where}: data-track-id ${JSON.stringify(badge.trackId)} is not a track ID`);
  if (badge.status === null || !BADGE_STATUSES.includes(badge.status)) problems.push(`${where}: data-status ${JSON.stringify(badge.status)} is not one of ${BADGE_STATUSES.join(', ')}`);
  if (!(badge.ariaLabel ?? '').startsWith('Playlist Predictor: ')) problems.push(`${where}: aria-label ${JSON.stringify(badge.ariaLabel)} does not start with "Playlist Predictor: "`);
  const want = badge.status === 'error' ? { role: 'button', tabIndex: '0' } : { role: 'img', tabIndex: badge.status === 'ok' || badge.status === 'uncertain' ? '0' : null };
  if (badge.role !== want.role || badge.tabIndex !== want.tabIndex) {
    problems.push(`${where}: role ${JSON.stringify(badge.role)} and tabindex ${JSON.stringify(badge.tabIndex)}, not ${JSON.stringify(want.role)} and ${JSON.stringify(want.tabIndex)}`);
  }
  return problems;
}

/**
 * Every badge in the document is in a track row of the main view or in the now-playing widget,
 * shows the track its container shows now, has the public markup ({@link badgeMarkupProblems}),
 * and (settled) shows what `expected` says. One assertion over all badges, listing every fault.
 * Returns the badges.
 */
export function expectDocumentBadges(badges: readonly DocumentBadge[], expected: ReadonlyMap<string, CliRow>, { settled = true }: { settled?: boolean } = {}): readonly DocumentBadge[] {
  const problems = badges.flatMap((badge) => {
    const where = `badge in ${badge.where} (${badge.region}) ${badge.section ?? ''} ${badge.position ?? ''} (${badge.trackId})`;
    const found: string[] = [];
    if (!((badge.where === 'row' && badge.region === 'main') || (badge.where === 'now-playing' && badge.region === 'now-playing-bar'))) {
      found.push(`${where}: badges go only on the main view's track rows and the now-playing widget`);
    }
    if (badge.trackId !== badge.shownTrackId) found.push(`${where}: is for ${badge.trackId}, its container shows ${badge.shownTrackId}`);
    found.push(...badgeMarkupProblems(badge));
    if (settled && badge.trackId) {
      const want = badgeFor(badge.trackId, expected);
      if (badge.status !== want.status || badge.theme !== want.theme) found.push(`${where}: shows ${badge.status} ${badge.theme}, not ${want.status} ${want.theme}`);
    }
    return found;
  });
  expect(problems, 'what is wrong with the badges in the document').toEqual([]);
  return badges;
}

/** What {@link checkWholeList} saw. */
export interface WholeListWalk {
  /** Track IDs seen on rendered rows. */
  readonly trackIds: Set<string>;
  /** List positions seen rendered (and checked). */
  readonly positions: Set<number>;
  /** Rows read at the start, before any scrolling. */
  readonly firstRows: readonly RenderedRow[];
  /** Row elements (by marker) that showed another track at the end than at the start: reused while scrolling. */
  readonly reusedElements: number;
}

/**
 * Scrolls through the whole virtualized list of `spotify`'s page, checking the badges of every
 * window of rows (see {@link expectRowsMatch}), until every list position has been seen rendered
 * and checked. Each step scrolls to the first position not seen yet and waits for that row, so a
 * read can never be of the window drawn before the scroll. `onWindow` runs after each window's
 * check (e.g. to check the whole document).
 */
export async function checkWholeList(
  spotify: SpotifyPage,
  trackCount: number,
  expected: ReadonlyMap<string, CliRow>,
  onWindow?: (rows: readonly RenderedRow[]) => Promise<void>,
): Promise<WholeListWalk> {
  const trackIds = new Set<string>();
  const positions = new Set<number>();
  const record = async (rows: readonly RenderedRow[]): Promise<void> => {
    expectRowsMatch(rows, expected);
    for (const r of rows) {
      trackIds.add(r.trackId);
      positions.add(r.position);
    }
    await onWindow?.(rows);
  };
  const firstRows = await spotify.settledRows();
  await record(firstRows);
  await spotify.markRowElements();
  for (let next = 0; next < trackCount; next++) {
    if (positions.has(next)) continue;
    await spotify.scrollToPosition(next);
    await record(await spotify.settledRows());
    expect(positions.has(next), `list position ${next} was drawn after scrolling to it`).toBe(true);
  }
  const last = await spotify.renderedRows();
  const reusedElements = last.filter((r) => r.marker !== null && !firstRows.some((f) => f.marker === r.marker && f.trackId === r.trackId)).length;
  return { trackIds, positions, firstRows, reusedElements };
}

/**
 * `count` fixture tracks for page tests: synthetic IDs and features, every third explicit, every
 * fifth with a featured artist, and the provider knowing none of the positions in `unknownAt`.
 */
export function pageFixture(count: number, seed: string, unknownAt: readonly number[] = []): FixtureTrack[] {
  return syntheticTracks(count, seed).map((t, i) => ({
    ...t,
    title: `${seed} ${i + 1}`,
    explicit: i % 3 === 1,
    featuring: i % 5 === 0 ? [`Guest ${i}`] : undefined,
    features: unknownAt.includes(i) ? undefined : t.features,
  }));
}

/**
 * Stops the extension's service worker through the DevTools protocol (`Target.closeTarget` on
 * its target), as Chrome does to an idle worker; the next message from a content script starts a
 * new one. Returns the page's clock (`performance.now()`) right after the worker was closed.
 */
export async function stopServiceWorker(context: BrowserContext, page: Page): Promise<number> {
  const cdp = await context.newCDPSession(page);
  try {
    const worker = await extensionWorkerTarget(cdp);
    if (!worker) {
      const { targetInfos } = await cdp.send('Target.getTargets');
      throw new Error(`no extension service worker among the targets: ${JSON.stringify(targetInfos.map((t) => [t.type, t.url]))}`);
    }
    await cdp.send('Target.closeTarget', { targetId: worker });
  } finally {
    await cdp.detach().catch(() => undefined);
  }
  return page.evaluate(() => performance.now());
}
