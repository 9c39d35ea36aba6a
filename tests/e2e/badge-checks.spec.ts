import { expect, test } from '@playwright/test';
import { THEME_IDS } from '../../model/themes';
import type { DocumentBadge, RenderedRow } from './pages/spotify-page';
import { badgeMarkupProblems, expectDocumentBadges, expectRowsMatch } from './support/badge-checks';
import type { CliRow } from './support/tracks';

/**
 * Self-test of the shared badge checks (support/badge-checks.ts), without a browser: each check
 * over a list of rows or badges is one assertion, so these tests make sure that one assertion
 * still finds a single wrong row or badge among many, and names it.
 */

const CHILL_ID = 'C'.repeat(22);
const UNKNOWN_ID = 'U'.repeat(22);
/** The CLI's answer for {@link CHILL_ID}: chill at 0.93, far above the default "uncertain" threshold. */
const expected: ReadonlyMap<string, CliRow> = new Map([[CHILL_ID, { theme: 'chill', probabilities: Object.fromEntries(THEME_IDS.map((t) => [t, t === 'chill' ? 0.93 : 0.01])) }]]);

function row(position: number, trackId: string, shows: Partial<RenderedRow> = {}): RenderedRow {
  const known = trackId === CHILL_ID;
  return {
    position,
    section: 'tracklist',
    marker: null,
    trackId,
    explicit: false,
    label: null,
    dimmed: false,
    badgeCount: 1,
    badgeTrackId: trackId,
    status: known ? 'ok' : 'unknown',
    theme: known ? 'chill' : null,
    provider: known ? 'reccobeats' : null,
    color: null,
    ...shows,
  };
}

function badge(trackId: string, shows: Partial<DocumentBadge> = {}): DocumentBadge {
  const known = trackId === CHILL_ID;
  return {
    where: 'row',
    region: 'main',
    shownTrackId: trackId,
    position: 3,
    section: 'tracklist',
    trackId,
    status: known ? 'ok' : 'unknown',
    theme: known ? 'chill' : null,
    role: 'img',
    tabIndex: known ? '0' : null,
    ariaLabel: 'Playlist Predictor: Chill',
    ...shows,
  };
}

test.describe('the shared badge checks', () => {
  const rows = Array.from({ length: 600 }, (_, i) => row(i, i % 7 === 3 ? UNKNOWN_ID : CHILL_ID));

  test('expectRowsMatch passes right rows and names the one wrong row among 600', () => {
    expectRowsMatch(rows, expected);
    const faults: [string, Partial<RenderedRow>][] = [
      ['another theme', { theme: 'party' }],
      ['two badges', { badgeCount: 2 }],
      ["another track's badge", { badgeTrackId: UNKNOWN_ID }],
      ['still loading', { status: 'loading', theme: null }],
    ];
    for (const [fault, shows] of faults) {
      const wrong = rows.map((r) => (r.position === 452 ? { ...r, ...shows } : r));
      expect(() => expectRowsMatch(wrong, expected), fault).toThrow(/tracklist position 452 /);
    }
    expect(() => expectRowsMatch([], expected)).toThrow(/rendered track rows/);
  });

  test('badgeMarkupProblems finds each fault of the public markup, and none in right markup', () => {
    expect(badgeMarkupProblems(badge(CHILL_ID))).toEqual([]);
    expect(badgeMarkupProblems(badge(UNKNOWN_ID))).toEqual([]);
    expect(badgeMarkupProblems(badge(CHILL_ID, { status: 'error', theme: null, role: 'button', tabIndex: '0' }))).toEqual([]);
    const faults: [Partial<DocumentBadge>, RegExp][] = [
      [{ trackId: 'not-an-id' }, /data-track-id "not-an-id" is not a track ID/],
      [{ status: 'done', tabIndex: null }, /data-status "done" is not one of/],
      [{ ariaLabel: null }, /aria-label null does not start with "Playlist Predictor: "/],
      [{ tabIndex: null }, /role "img" and tabindex null, not "img" and "0"/],
      [{ status: 'error' }, /not "button" and "0"/],
    ];
    for (const [shows, message] of faults) {
      const problems = badgeMarkupProblems(badge(CHILL_ID, shows));
      expect(problems, JSON.stringify(shows)).toHaveLength(1);
      expect(problems[0]).toMatch(message);
    }
  });

  test('expectDocumentBadges passes right badges and lists every wrong one', () => {
    const badges = Array.from({ length: 300 }, (_, i) => badge(i % 5 === 0 ? UNKNOWN_ID : CHILL_ID, { position: i }));
    expect(expectDocumentBadges(badges, expected)).toBe(badges);
    const wrong = badges.map((b) =>
      b.position === 10 ? { ...b, region: 'sidebar' as const } : b.position === 11 ? { ...b, shownTrackId: UNKNOWN_ID } : b.position === 12 ? { ...b, theme: 'party' } : b,
    );
    expect(() => expectDocumentBadges(wrong, expected)).toThrow(/tracklist 10 .*only on the main view's track rows[\s\S]*tracklist 11 .*its container shows U{22}[\s\S]*tracklist 12 .*shows ok party, not ok chill/);
    // Unsettled: a loading badge is fine, the placement and markup are still checked.
    const loading = badges.map((b) => ({ ...b, status: 'loading', theme: null, tabIndex: null }));
    expect(expectDocumentBadges(loading, expected, { settled: false })).toBe(loading);
    expect(() => expectDocumentBadges(loading, expected)).toThrow(/shows loading null, not ok chill/);
  });
});
