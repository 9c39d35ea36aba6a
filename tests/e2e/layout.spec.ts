import { chromium, type Browser, type BrowserContext } from '@playwright/test';
import { SpotifyPage, type Box, type NowPlayingGeometry, type RowGeometry } from './pages/spotify-page';
import { pageFixture } from './support/badge-checks';
import { FakeReccoBeats } from './support/fake-reccobeats';
import type { FakeSpotifyOptions, PageSpec } from './support/fake-spotify';
import { chromiumPath, expect, test } from './support/fixtures';
import { featureTable, type FixtureTrack } from './support/tracks';

/**
 * Badge placement (issue 8, point 2): the badge sits in the title block's `badges` grid area,
 * beside Spotify's explicit "E". Against the same page in a plain Chromium without the extension
 * (same HTML, same viewport), per list position once the badges have settled: the row's height,
 * the title block's and the title link's boxes, and the artist line's vertical position and height
 * are unchanged within ±1 px; the artist line may move right. The badge lies inside the title
 * block, within the artist line's vertical band, and overlaps neither the title link, the "E" nor
 * the artist line. Both variants of the `badges` area, and the now-playing widget.
 *
 * A control checks the checker: in the plain browser, a badge-sized element appended after each
 * title link without a grid area (the naive placement) must be reported, since it opens a third
 * grid line on rows whose `badges` cell is taken (support/fake-spotify.ts, title grid comment).
 */

const TOLERANCE_PX = 1;
/** Most room between Spotify's labels (or the block's start) and the badge, in px: "beside" the "E". */
const MAX_LABEL_GAP_PX = 8;
/** Least room between Spotify's "E" and the badge, in px: apart, not touching. */
const MIN_LABEL_GAP_PX = 4;

const tracks: FixtureTrack[] = pageFixture(40, 'layout', [2, 9]).map((t, i) =>
  // A title far too long for its cell (ellipsis), and a second featured artist now and then.
  i === 4 ? { ...t, title: 'An extremely long track title that Spotify cuts off with an ellipsis long before it ends, really long' } : i % 7 === 3 ? { ...t, featuring: ['Guest A', 'Guest B'] } : t,
);

/** Undefined until `beforeAll` has started it (and when it could not: no Chromium). */
let plainBrowser: Browser | undefined;
let plainContext: BrowserContext;
test.beforeAll(async () => {
  plainBrowser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu'] });
});
test.afterAll(async () => {
  await plainBrowser?.close();
});
test.beforeEach(async () => {
  if (!plainBrowser) throw new Error('Chromium did not start (see beforeAll)');
  plainContext = await plainBrowser.newContext();
});
test.afterEach(async () => {
  await plainContext.close();
});

const right = (b: Box): number => b.x + b.width;
const bottom = (b: Box): number => b.y + b.height;
const fmt = (b: Box): string => `[x ${b.x.toFixed(1)}, y ${b.y.toFixed(1)}, w ${b.width.toFixed(1)}, h ${b.height.toFixed(1)}]`;

/** Whether two boxes share an area (touching edges, within half a pixel, do not count). */
function overlaps(a: Box, b: Box): boolean {
  return Math.min(right(a), right(b)) - Math.max(a.x, b.x) > 0.5 && Math.min(bottom(a), bottom(b)) - Math.max(a.y, b.y) > 0.5;
}

/** What both a row's title block and the now-playing widget's are compared by. */
interface TitleLayout {
  readonly label: string;
  /** The row (or the widget): its height must not change. */
  readonly outer: Box;
  readonly titleBlock: Box;
  readonly titleLink: Box;
  readonly artistLine: Box;
  readonly explicitLabel: Box | null;
  readonly badge: Box | null;
}

/** Largest differences seen, for the report. */
interface Deltas {
  compared: number;
  maxUnchanged: number;
  maxArtistShift: number;
}

/**
 * Every way `after` (with a badge) breaks the layout of `before` (the same title block without
 * the extension); empty when the badge fits as issue 8 asks.
 */
function layoutViolations(before: TitleLayout, after: TitleLayout, deltas: Deltas): string[] {
  const out: string[] = [];
  const at = after.label;
  const same = (name: string, was: number, now: number): void => {
    deltas.maxUnchanged = Math.max(deltas.maxUnchanged, Math.abs(now - was));
    if (Math.abs(now - was) > TOLERANCE_PX) out.push(`${at}: ${name} changed from ${was.toFixed(1)} to ${now.toFixed(1)}`);
  };
  deltas.compared++;
  same('row height', before.outer.height, after.outer.height);
  same('row y', before.outer.y, after.outer.y);
  for (const [name, was, now] of [
    ['title block', before.titleBlock, after.titleBlock],
    ['title link', before.titleLink, after.titleLink],
  ] as const) {
    same(`${name} x`, was.x, now.x);
    same(`${name} y`, was.y, now.y);
    same(`${name} width`, was.width, now.width);
    same(`${name} height`, was.height, now.height);
  }
  same('artist line y', before.artistLine.y, after.artistLine.y);
  same('artist line height', before.artistLine.height, after.artistLine.height);
  deltas.maxArtistShift = Math.max(deltas.maxArtistShift, after.artistLine.x - before.artistLine.x);
  if (after.artistLine.x < before.artistLine.x - TOLERANCE_PX) out.push(`${at}: artist line moved left from ${before.artistLine.x} to ${after.artistLine.x}`);
  const badge = after.badge;
  if (!badge) return [...out, `${at}: no badge`];
  const block = after.titleBlock;
  const t = TOLERANCE_PX;
  if (badge.x < block.x - t || right(badge) > right(block) + t || badge.y < block.y - t || bottom(badge) > bottom(block) + t) out.push(`${at}: badge ${fmt(badge)} outside the title block ${fmt(block)}`);
  if (badge.y < after.artistLine.y - t || bottom(badge) > bottom(after.artistLine) + t) out.push(`${at}: badge ${fmt(badge)} outside the artist line's band ${fmt(after.artistLine)}`);
  if (overlaps(badge, after.titleLink)) out.push(`${at}: badge ${fmt(badge)} overlaps the title link ${fmt(after.titleLink)}`);
  if (after.explicitLabel && overlaps(badge, after.explicitLabel)) out.push(`${at}: badge ${fmt(badge)} overlaps the explicit label ${fmt(after.explicitLabel)}`);
  if (overlaps(badge, after.artistLine)) out.push(`${at}: badge ${fmt(badge)} overlaps the artist line ${fmt(after.artistLine)}`);
  // Beside Spotify's labels: right after the "E" (or at the start of the block without one), and
  // the artist line right after the badge, with the grid's own gap, not further.
  const labelsEnd = (l: TitleLayout): number => (l.explicitLabel ? right(l.explicitLabel) : l.titleBlock.x);
  const gapBefore = badge.x - labelsEnd(after);
  const minGap = after.explicitLabel ? MIN_LABEL_GAP_PX : 0;
  if (gapBefore < minGap - t || gapBefore > MAX_LABEL_GAP_PX) out.push(`${at}: badge ${gapBefore.toFixed(1)} px after ${after.explicitLabel ? 'the explicit label' : 'the start of the title block'} (beside it: ${minGap} to ${MAX_LABEL_GAP_PX} px)`);
  const gapAfter = after.artistLine.x - right(badge);
  const gridGap = before.artistLine.x - labelsEnd(before);
  if (gapAfter > gridGap + t) out.push(`${at}: artist line ${gapAfter.toFixed(1)} px after the badge, ${gridGap.toFixed(1)} px after the labels without the extension`);
  return out;
}

const rowLayout = (g: RowGeometry): TitleLayout => ({
  label: `position ${g.position}${g.explicit ? ' (explicit)' : ''}`,
  outer: g.row,
  titleBlock: g.titleBlock,
  titleLink: g.titleLink,
  artistLine: g.artistLine,
  explicitLabel: g.explicitLabel,
  badge: g.badge,
});

const widgetLayout = (g: NowPlayingGeometry, label: string): TitleLayout => ({
  label,
  outer: g.widget,
  titleBlock: g.titleBlock,
  titleLink: g.titleLink,
  artistLine: g.artistLine,
  explicitLabel: g.explicitLabel,
  badge: g.badge,
});

/** Compares every rendered row of `withBadges` with the same list position of `plain`. */
function rowViolations(plain: readonly RowGeometry[], withBadges: readonly RowGeometry[], deltas: Deltas): string[] {
  const byPosition = new Map(plain.map((g) => [g.position, g]));
  expect(withBadges.length, 'rows compared').toBeGreaterThan(0);
  return withBadges.flatMap((g) => {
    const before = byPosition.get(g.position);
    return before ? layoutViolations(rowLayout(before), rowLayout(g), deltas) : [`position ${g.position}: not rendered without the extension`];
  });
}

/** Appends a badge-sized element after every title link with no grid area: the placement this test must reject. */
async function addNaiveBadges(spotify: SpotifyPage, selector: string): Promise<void> {
  await spotify.page.evaluate((selector) => {
    for (const anchor of document.querySelectorAll(selector)) {
      const host = document.createElement('playlist-predictor-badge');
      const pill = document.createElement('span');
      pill.textContent = 'chill';
      pill.style.cssText = 'display:inline-flex;box-sizing:border-box;height:16px;padding:0 7px;font:600 11px/14px sans-serif';
      host.attachShadow({ mode: 'open' }).append(pill);
      host.style.cssText = 'display:inline-flex;margin-inline-start:8px';
      anchor.after(host);
    }
  }, selector);
}

/** The list positions scrolled to: the top, then windows further down and back up, drawn by reused row elements. */
const SCROLL_WALK = [0, 21, 0, 21, 0];

/**
 * Compares the rows of `spec` with and without the extension at each of `positions` (each window
 * drawn anew: row elements reused for other tracks, explicit or not, their badges placed anew),
 * then checks the checker with the naive placement.
 */
async function compareRows(context: BrowserContext, title: string, spec: PageSpec, options: FakeSpotifyOptions, positions: readonly number[]): Promise<void> {
  await new FakeReccoBeats(featureTable(tracks)).install(context);
  const plain = await SpotifyPage.open(plainContext, spec, options);
  const withExtension = await SpotifyPage.open(context, spec, options);
  const deltas: Deltas = { compared: 0, maxUnchanged: 0, maxArtistShift: 0 };
  for (const [step, position] of positions.entries()) {
    if (step > 0) {
      await plain.scrollToPosition(position);
      await withExtension.scrollToPosition(position);
    }
    await withExtension.settledRows();
    const before = await plain.rowGeometry();
    expect(before.every((g) => g.badge === null), 'no badge without the extension').toBe(true);
    const after = await withExtension.rowGeometry();
    expect(after.some((g) => g.explicit) && after.some((g) => !g.explicit), 'explicit and plain rows compared').toBe(true);
    expect(rowViolations(before, after, deltas), `layout changes at list position ${position} (step ${step})`).toEqual([]);
  }
  console.log(`layout (${title}): ${deltas.compared} rows compared, largest change ${deltas.maxUnchanged.toFixed(2)} px, artist line moved right by up to ${deltas.maxArtistShift.toFixed(1)} px`);
  expect(deltas.maxArtistShift, 'the badge takes room on the artist line').toBeGreaterThan(10);

  // The control: the naive placement is caught.
  const before = await plain.rowGeometry();
  await addNaiveBadges(plain, 'a[data-testid="internal-track-link"]');
  const naive = rowViolations(before, await plain.rowGeometry(), { compared: 0, maxUnchanged: 0, maxArtistShift: 0 });
  expect(naive.length, 'a badge appended after the title link without a grid area is reported').toBeGreaterThan(0);
  expect(naive.some((v) => /title link y|title block height/.test(v))).toBe(true);
}

const playlistSpec: PageSpec = { kind: 'playlist', id: '37i9dQZF1DX8Uebhn9wzrS', name: 'Layout', tracks };
const albumSpec: PageSpec = { kind: 'album', id: '4aawyAB9vmqN3uQ7FjRGTy', name: 'Layout Album', tracks };

test.describe('badge placement leaves Spotify\'s row layout as it is', () => {
  test('track rows: playlist, badges area only when explicit', async ({ context }) => {
    await compareRows(context, 'playlist, badges area only when explicit', playlistSpec, { badgeArea: 'explicit-only' }, SCROLL_WALK);
  });

  test('track rows: album (no cover column), badges area only when explicit', async ({ context }) => {
    await compareRows(context, 'album, badges area only when explicit', albumSpec, { badgeArea: 'explicit-only' }, SCROLL_WALK);
  });

  test('track rows: playlist, badges area always present, first display', async ({ context }) => {
    await compareRows(context, 'playlist, badges area always present, first display', playlistSpec, { badgeArea: 'always' }, [0]);
  });

  test('track rows: playlist, badges area always present, rows reused while scrolling', async ({ context }) => {
    await compareRows(context, 'playlist, badges area always present, reused rows', playlistSpec, { badgeArea: 'always' }, SCROLL_WALK);
  });

  test('now-playing widget: plain and explicit tracks', async ({ context }) => {
    const list = tracks.slice(0, 5);
    const [plainTrack, explicitTrack] = [tracks[6], tracks[7]] as [FixtureTrack, FixtureTrack];
    expect([plainTrack.explicit, explicitTrack.explicit]).toEqual([false, true]);
    await new FakeReccoBeats(featureTable(tracks)).install(context);
    const spec: PageSpec = { kind: 'playlist', id: '37i9dQZF1DX8Uebhn9wzrS', name: 'Layout', tracks: list };
    const plain = await SpotifyPage.open(plainContext, spec, { nowPlaying: plainTrack });
    const withExtension = await SpotifyPage.open(context, spec, { nowPlaying: plainTrack });
    const deltas: Deltas = { compared: 0, maxUnchanged: 0, maxArtistShift: 0 };

    for (const track of [plainTrack, explicitTrack, plainTrack]) {
      await plain.setNowPlaying(track);
      await withExtension.setNowPlaying(track);
      await withExtension.settledNowPlaying();
      const before = await plain.nowPlayingGeometry();
      const after = await withExtension.nowPlayingGeometry();
      if (!before || !after) throw new Error('the now-playing widget is missing');
      expect(before.badge).toBeNull();
      expect(after.explicitLabel !== null, 'explicit label shown').toBe(track.explicit === true);
      const label = `now-playing widget, ${track.explicit ? 'explicit' : 'plain'} track`;
      expect(layoutViolations(widgetLayout(before, label), widgetLayout(after, label), deltas), label).toEqual([]);
    }
    console.log(`layout (now-playing widget): ${deltas.compared} states compared, largest change ${deltas.maxUnchanged.toFixed(2)} px, artist line moved right by up to ${deltas.maxArtistShift.toFixed(1)} px`);

    // The control: the naive placement (after the title, no grid area) is caught on an explicit track.
    const before = await plain.nowPlayingGeometry();
    await plain.setNowPlaying(explicitTrack);
    const beforeExplicit = await plain.nowPlayingGeometry();
    await addNaiveBadges(plain, '[data-testid="now-playing-widget"] [data-testid="context-item-info-title"]');
    const naive = await plain.nowPlayingGeometry();
    if (!before || !beforeExplicit || !naive) throw new Error('the now-playing widget is missing');
    expect(layoutViolations(widgetLayout(beforeExplicit, 'naive'), widgetLayout(naive, 'naive'), { compared: 0, maxUnchanged: 0, maxArtistShift: 0 }).length, 'naive widget badge reported').toBeGreaterThan(0);
  });
});
