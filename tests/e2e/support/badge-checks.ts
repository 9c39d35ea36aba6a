import type { BrowserContext, Page } from '@playwright/test';
import type { DocumentBadge, RenderedRow, SpotifyPage } from '../pages/spotify-page';
import { expect } from './fixtures';
import { expectedBadge, syntheticTracks, type CliRow, type FixtureTrack } from './tracks';

/**
 * Checks shared by the end-to-end specs: what a badge must show for a track (the theme
 * `npm run classify` gives, or `unknown`), whole-list walks of virtualized lists, the public badge
 * markup, and stopping the extension's service worker.
 */

/** What the badge of `trackId` must show: the CLI's theme and status, or `unknown` when the provider does not know the track. */
export function badgeFor(trackId: string, expected: ReadonlyMap<string, CliRow>): { status: string; theme: string | null } {
  const cli = expected.get(trackId);
  return cli === undefined ? { status: 'unknown', theme: null } : expectedBadge(cli);
}

/** Every rendered row has exactly one badge, for its current track, showing what the classify CLI says (or "unknown"). */
export function expectRowsMatch(rows: readonly RenderedRow[], expected: ReadonlyMap<string, CliRow>): void {
  expect(rows.length, 'rendered track rows').toBeGreaterThan(0);
  for (const row of rows) {
    const where = `${row.section} position ${row.position} (${row.trackId})`;
    expect(row.badgeCount, `${where}: badge count`).toBe(1);
    expect(row.badgeTrackId, `${where}: the badge is for the row's current track`).toBe(row.trackId);
    expect({ status: row.status, theme: row.theme }, `${where}: badge`).toEqual(badgeFor(row.trackId, expected));
  }
}

/**
 * The public badge markup (issue 8): an `aria-label` starting "Playlist Predictor: ", role `img`,
 * or `button` for `error`; a known status; a track ID. Answered badges (`ok`, `uncertain`: they
 * have a tooltip, issue 11) and `error` badges are tab stops (`tabindex="0"`), the others are not.
 */
export function expectBadgeMarkup(badge: DocumentBadge): void {
  const where = `badge in ${badge.where} ${badge.section ?? ''} ${badge.position ?? ''} (${badge.trackId})`;
  expect(badge.trackId, `${where}: data-track-id`).toMatch(/^[0-9A-Za-z]{22}$/);
  expect(['loading', 'ok', 'uncertain', 'unknown', 'error'], `${where}: data-status ${badge.status}`).toContain(badge.status);
  expect(badge.ariaLabel ?? '', `${where}: aria-label`).toMatch(/^Playlist Predictor: /);
  if (badge.status === 'error') expect({ role: badge.role, tabIndex: badge.tabIndex }, `${where}: an error badge is a button`).toEqual({ role: 'button', tabIndex: '0' });
  else expect({ role: badge.role, tabIndex: badge.tabIndex }, `${where}: role`).toEqual({ role: 'img', tabIndex: badge.status === 'ok' || badge.status === 'uncertain' ? '0' : null });
}

/**
 * Every badge in the document is in a track row of the main view or in the now-playing widget,
 * shows the track its container shows now, has the public markup, and (settled) shows what
 * `expected` says. Returns the badges.
 */
export function expectDocumentBadges(badges: readonly DocumentBadge[], expected: ReadonlyMap<string, CliRow>, { settled = true }: { settled?: boolean } = {}): readonly DocumentBadge[] {
  for (const badge of badges) {
    const where = `badge in ${badge.where} (${badge.region}) ${badge.section ?? ''} ${badge.position ?? ''}`;
    expect(
      (badge.where === 'row' && badge.region === 'main') || (badge.where === 'now-playing' && badge.region === 'now-playing-bar'),
      `${where}: badges go only on the main view's track rows and the now-playing widget`,
    ).toBe(true);
    expect(badge.trackId, `${where}: shows the track its container shows`).toBe(badge.shownTrackId);
    expectBadgeMarkup(badge);
    if (settled && badge.trackId) expect({ status: badge.status, theme: badge.theme }, `${where} (${badge.trackId})`).toEqual(badgeFor(badge.trackId, expected));
  }
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
    const { targetInfos } = await cdp.send('Target.getTargets');
    const worker = targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith('chrome-extension://'));
    if (!worker) throw new Error(`no extension service worker among the targets: ${JSON.stringify(targetInfos.map((t) => [t.type, t.url]))}`);
    await cdp.send('Target.closeTarget', { targetId: worker.targetId });
  } finally {
    await cdp.detach().catch(() => undefined);
  }
  return page.evaluate(() => performance.now());
}
