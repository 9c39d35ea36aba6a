// @vitest-environment happy-dom
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createListTracker, type ListedTrack } from '@/lib/content/list-tracker';
import { loadPanel, PANEL_REGISTRY_KEY, PANEL_SCRIPT, registerPanel } from '@/lib/content/panel-loader';
import { analyseWholeList, DRAW_POLL_MS, DRAW_WAIT_MS, screenDrawn } from '@/lib/content/panel/analysis';
import { DIMMED_ATTRIBUTE, keepRowsDimmed } from '@/lib/content/panel/dimming';
import { CSV_COLUMNS, csvFileName, selectionCsv } from '@/lib/shared/occasions/export';
import { apiReadSummary, coverageText, isComplete, profileOf, profileThemes, type ListedResult } from '@/lib/shared/occasions/profile';
import { isDimmed, matchesFilter, pickedInOrder, rankByTheme, selectionOf, trackLinks } from '@/lib/shared/occasions/selection';
import { createResultsStore } from '@/lib/content/results-store';
import { scanTrackRows } from '@/lib/content/spotify-dom';
import type { BadgeState } from '@/lib/shared/badge-look';
import type { TrackResult } from '@/lib/shared/messaging';
import type { ThemeId } from '@/model/themes';
import { trackId } from './support/fixtures';

/** An answered state: `theme` confident (or uncertain) with the given model probabilities. */
function answered(id: string, theme: ThemeId, probabilities: Partial<Record<ThemeId, number>>, uncertain = false): TrackResult {
  return {
    trackId: id,
    status: 'ok',
    theme,
    probability: probabilities[theme] ?? 0,
    uncertain,
    probabilities,
    provider: 'reccobeats',
    fetchedAt: 0,
    topThemes: [{ theme, probability: probabilities[theme] ?? 0 }],
    why: [],
  };
}

const listed = (position: number, state: BadgeState, extra: Partial<ListedTrack> = {}): ListedResult => ({
  track: { position, trackId: 'trackId' in state ? state.trackId : trackId(position), name: `Song ${position}`, artists: ['Artist'], ...extra },
  state,
});

const [a, b, c, d, e, f] = [1, 2, 3, 4, 5, 6].map((n) => trackId(n));
/** A list of six: two confident chill, one confident workout, one uncertain, one unknown, one loading. */
const LIST: ListedResult[] = [
  listed(0, answered(a ?? '', 'chill', { chill: 0.8, workout: 0.2 })),
  listed(1, answered(b ?? '', 'workout', { chill: 0.1, workout: 0.9 })),
  listed(2, answered(c ?? '', 'chill', { chill: 0.6, workout: 0.4 })),
  listed(3, answered(d ?? '', 'chill', { chill: 0.5, workout: 0.5 }, true)),
  listed(4, { trackId: e ?? '', status: 'unknown' }),
  listed(5, { status: 'loading' }),
];

describe('profile (issue 11)', () => {
  it('counts confident tracks per theme, averages each theme\'s probability over the tracks with features, and counts the rest apart', () => {
    const profile = profileOf(LIST, ['workout', 'chill', 'sleep'], 250);
    expect(profile).toMatchObject({ total: 250, listed: 6, analysed: 5, confident: 3, uncertain: 1, unknown: 1, pending: 1 });
    // chill: (0.8 + 0.1 + 0.6 + 0.5) / 4; workout: (0.2 + 0.9 + 0.4 + 0.5) / 4; sleep: no probability given.
    expect(profile.themes.map((t) => [t.theme, t.count, t.meanProbability])).toEqual([
      ['workout', 1, expect.closeTo(0.5, 12)],
      ['chill', 2, expect.closeTo(0.5, 12)],
      ['sleep', 0, 0],
    ]);
    expect(coverageText(profile)).toBe('Analysed 5 of 250 tracks · 1 uncertain · 1 unknown · 1 waiting');
    expect(isComplete(profile)).toBe(false);
  });

  it('shows the enabled themes in catalogue order, even one no track ranks; until the settings are read, the themes the answers rank', () => {
    expect(profileThemes(LIST, ['chill', 'sleep', 'workout'])).toEqual(['workout', 'sleep', 'chill']);
    // LIST's answers rank only their own theme (topThemes of one): chill and workout.
    expect(profileThemes(LIST, undefined)).toEqual(['workout', 'chill']);
    expect(profileThemes([], undefined)).toEqual([]);
  });

  it('never claims the whole list: an unknown length reads "at least", and complete means every track answered', () => {
    expect(coverageText(profileOf(LIST.slice(0, 2), ['chill'], undefined))).toBe('Analysed 2 of at least 2 tracks');
    expect(isComplete(profileOf(LIST.slice(0, 2), ['chill'], undefined))).toBe(false);
    expect(isComplete(profileOf(LIST.slice(0, 2), ['chill'], 2))).toBe(true);
    expect(profileOf([], ['chill'], 0).themes).toEqual([{ theme: 'chill', count: 0, meanProbability: 0 }]);
  });

  it('a Web API read says "all" only when it read the whole list, and otherwise how much of it', () => {
    expect(apiReadSummary(120, 120)).toBe('Read all 120 tracks through your Spotify account.');
    expect(apiReadSummary(10_000, 12_345)).toBe('Read the first 10000 of 12345 tracks through your Spotify account (one read takes at most 10000).');
    expect(apiReadSummary(0, 0)).toBe('Read all 0 tracks through your Spotify account.');
  });
});

describe('filter, sort view and selection (issue 11)', () => {
  it('a track is of a picked theme only when its badge shows it with confidence; loading rows are never dimmed', () => {
    const chill = new Set<ThemeId>(['chill']);
    expect(LIST.map((i) => matchesFilter(i.state, chill))).toEqual([true, false, true, false, false, false]);
    expect(LIST.map((i) => isDimmed(i.state, chill))).toEqual([false, true, false, true, true, false]);
    expect(LIST.map((i) => isDimmed(i.state, new Set()))).toEqual([false, false, false, false, false, false]);
    expect(selectionOf(LIST, chill).map((i) => i.track.position)).toEqual([0, 2]);
    expect(selectionOf(LIST, new Set<ThemeId>(['chill', 'workout'])).map((i) => i.track.position)).toEqual([0, 1, 2]);
    expect(selectionOf(LIST, new Set())).toHaveLength(6);
  });

  it('ranks the tracks with features by one theme\'s probability, ties in list order', () => {
    expect(rankByTheme(LIST, 'workout', ['workout', 'chill']).map((r) => [r.item.track.position, r.probability])).toEqual([
      [1, 0.9],
      [3, 0.5],
      [2, 0.4],
      [0, 0.2],
    ]);
    // Equal probabilities keep list order: a later track as probable as the first comes after it.
    const tied = [...LIST, listed(6, answered(f ?? '', 'chill', { chill: 0.4, workout: 0.1 }))];
    expect(rankByTheme(tied, 'chill', ['workout', 'chill']).map((r) => r.item.track.position).slice(0, 2)).toEqual([0, 6]);
  });

  it('ranks by the probability among the enabled themes, as the badge decides: mass on a theme that is off does not count', () => {
    // The model's chill is 0.45 for g and 0.6 for h, but g's other 0.5 is on roadtrip, which is off:
    // among the enabled themes g is 0.9 chill (a confident Chill badge), h only 0.6.
    const [g, h] = [trackId(7), trackId(8)];
    const items = [listed(0, answered(h ?? '', 'chill', { chill: 0.6, workout: 0.4 })), listed(1, answered(g ?? '', 'chill', { chill: 0.45, workout: 0.05, roadtrip: 0.5 }))];
    expect(rankByTheme(items, 'chill', ['workout', 'chill']).map((r) => [r.item.track.position, r.probability])).toEqual([
      [1, expect.closeTo(0.9, 12)],
      [0, expect.closeTo(0.6, 12)],
    ]);
    // The profile's means use the same scale and sum to 1 over the enabled themes.
    const profile = profileOf(items, ['workout', 'chill'], 2);
    expect(profile.themes.map((t) => [t.theme, t.meanProbability])).toEqual([
      ['workout', expect.closeTo((0.4 + 0.1) / 2, 12)],
      ['chill', expect.closeTo((0.6 + 0.9) / 2, 12)],
    ]);
  });

  it('lists the picked themes in catalogue order, whatever order they were pressed in', () => {
    expect(pickedInOrder(new Set<ThemeId>(['chill', 'sleep', 'workout']))).toEqual(['workout', 'sleep', 'chill']);
    expect(pickedInOrder(new Set<ThemeId>())).toEqual([]);
  });

  it('copies one open.spotify.com link per line, each track once, in list order', () => {
    const twice = [...LIST.slice(0, 2), listed(9, answered(a ?? '', 'chill', { chill: 0.8 }))];
    expect(trackLinks(twice)).toBe(`https://open.spotify.com/track/${a}\nhttps://open.spotify.com/track/${b}`);
    expect(trackLinks([])).toBe('');
  });
});

describe('CSV export (issue 11)', () => {
  const awkward = [
    listed(0, answered(a ?? '', 'chill', { chill: 0.75, workout: 0.25 }), { name: 'Comma, "quote" and\nnew line', artists: ['A, B', 'C "D"'], durationMs: 187_000 }),
    listed(1, answered(b ?? '', 'workout', { chill: 0.1, workout: 0.9 }, true), { name: 'أغنية الليل – שיר', artists: ['فنان'] }),
    listed(2, { trackId: c ?? '', status: 'unknown' }, { name: '=HYPERLINK("http://x")', artists: ['+Plus', '@at'] }),
  ];

  it('writes every column, quotes commas, quotes and new lines, keeps right-to-left text, and parses back to the same values', () => {
    const csv = selectionCsv(awkward, ['workout', 'chill']);
    expect(csv.startsWith('\ufeff')).toBe(true);
    const rows: string[][] = parse(csv, { bom: true });
    expect(rows[0]).toEqual([...CSV_COLUMNS, 'p_workout', 'p_chill']);
    expect(rows[1]).toEqual(['1', a, 'Comma, "quote" and\nnew line', 'A, B, C "D"', '187000', 'ok', 'chill', 'ReccoBeats', '0.250000', '0.750000']);
    expect(rows[2]).toEqual(['2', b, 'أغنية الليل – שיר', 'فنان', '', 'uncertain', 'workout', 'ReccoBeats', '0.900000', '0.100000']);
    // Cells a spreadsheet would run as formulas stay text; a track without features has no theme or probabilities.
    expect(rows[3]).toEqual(['3', c, `'=HYPERLINK("http://x")`, "'+Plus, @at", '', 'unknown', '', '', '', '']);
    expect(rows).toHaveLength(4);
    // RFC 4180: CRLF between records, quotes doubled inside quoted cells.
    expect(csv).toContain('"Comma, ""quote"" and\nnew line"');
    expect(csv.split('\r\n')).toHaveLength(5);
  });

  it('names the file after the list, without characters file systems refuse', () => {
    expect(csvFileName('Morning Run')).toBe('Morning Run - occasions.csv');
    expect(csvFileName('AC/DC: "Best"?\n')).toBe('AC DC Best - occasions.csv');
    expect(csvFileName('  ')).toBe('Spotify list - occasions.csv');
    expect(csvFileName('x'.repeat(300))).toHaveLength(80 + ' - occasions.csv'.length);
  });
});

/** A list grid as Spotify draws it: a header row, then rows with `aria-rowindex` (platform.md). */
function drawList(ids: readonly (string | undefined)[], firstIndex = 2, rowCount = ids.length + 1): void {
  const rows = ids
    .map(
      (id, i) =>
        `<div role="row" aria-rowindex="${firstIndex + i}"><div data-testid="tracklist-row"><div role="gridcell" aria-colindex="2"><a data-testid="internal-track-link" href="/track/${id}">Song ${id?.slice(-2)}</a><a href="/artist/x">Artist</a></div><div role="gridcell" aria-colindex="5">3:07</div></div></div>`,
    )
    .join('');
  document.body.innerHTML = `<main><div data-testid="playlist-tracklist" role="grid" aria-rowcount="${rowCount}"><div role="row" aria-rowindex="1"><div role="columnheader">#</div></div>${rows}</div></main>`;
}

const list = () => document.querySelector<HTMLElement>('[data-testid="playlist-tracklist"]') ?? undefined;

describe('list tracker (issue 11)', () => {
  it('keeps the track last drawn at each list position, the header excluded, and the length from aria-rowcount', () => {
    const tracker = createListTracker({ rows: () => scanTrackRows(document), list });
    let changes = 0;
    const life = new AbortController();
    tracker.subscribe(() => changes++, life.signal);
    drawList([a, b], 2, 101);
    tracker.update();
    expect(tracker.total()).toBe(100);
    expect(tracker.tracks().map((t) => [t.position, t.trackId, t.durationMs])).toEqual([
      [0, a, 187_000],
      [1, b, 187_000],
    ]);
    // Scrolled: the same row elements now show positions 50 and 51 (reuse), nothing is lost.
    drawList([c, d], 52, 101);
    tracker.update();
    expect(tracker.tracks().map((t) => [t.position, t.trackId])).toEqual([
      [0, a],
      [1, b],
      [50, c],
      [51, d],
    ]);
    expect(changes).toBe(2);
    tracker.update();
    expect(changes).toBe(2);
    life.abort();
    drawList([e], 100, 101);
    tracker.update();
    expect(changes).toBe(2);
    expect(tracker.tracks()).toHaveLength(5);
  });

  it('ignores rows without an index and an aria-rowcount that is not a number', () => {
    document.body.innerHTML = `<div data-testid="playlist-tracklist" role="grid" aria-rowcount="many"><div data-testid="tracklist-row"><a data-testid="internal-track-link" href="/track/${a}">x</a></div></div>`;
    const tracker = createListTracker({ rows: () => scanTrackRows(document), list });
    tracker.update();
    expect(tracker.total()).toBeUndefined();
    expect(tracker.tracks()).toEqual([]);
  });
});

describe('dimming rows (issue 11)', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('dims exactly the answered rows of other themes, follows a reused row to its new track, and lights every row when stopped', async () => {
    const answers = new Map<string, TrackResult>([
      [a ?? '', answered(a ?? '', 'chill', { chill: 0.9 })],
      [b ?? '', answered(b ?? '', 'workout', { workout: 0.9 })],
      [c ?? '', answered(c ?? '', 'chill', { chill: 0.9 })],
    ]);
    const store = createResultsStore({ classify: async (ids) => ids.map((id) => answers.get(id) ?? { trackId: id, status: 'unknown' }) });
    drawList([a, b, d]);
    for (const id of [a, b, c, d]) store.watch(id ?? '', () => {});
    await new Promise((resolve) => setTimeout(resolve, 0));
    const picked = new Set<ThemeId>(['chill']);
    const stop = new AbortController();
    const refresh = keepRowsDimmed({ doc: document, rows: () => scanTrackRows(document), store, themes: () => picked, signal: stop.signal });
    const dimmed = () => scanTrackRows(document).map((r) => r.row.hasAttribute(DIMMED_ATTRIBUTE) && r.row.style.opacity === '0.35');
    expect(dimmed()).toEqual([false, true, true]);
    // The second row element is reused for a chill track: lit in the same observer callback.
    document.querySelectorAll('a[data-testid="internal-track-link"]')[1]?.setAttribute('href', `/track/${c}`);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(dimmed()).toEqual([false, false, true]);
    picked.clear();
    refresh();
    expect(dimmed()).toEqual([false, false, false]);
    picked.add('workout');
    refresh();
    expect(dimmed()).toEqual([true, true, true]);
    stop.abort();
    expect(dimmed()).toEqual([false, false, false]);
    expect(scanTrackRows(document).every((r) => r.row.style.opacity === '')).toBe(true);
    store.dispose();
  });
});

describe('whole-list analysis (issue 11)', () => {
  /**
   * A virtualized list of `count` rows of 50 px in a 200 px view: setting `scrollTop` draws the
   * rows it reveals (happy-dom has no layout, so the scroller's sizes are given here).
   */
  function virtualList(count: number, drawUpTo = count) {
    const ids = Array.from({ length: count }, (_, i) => trackId(100 + i));
    const scroller = document.createElement('div');
    let top = 0;
    const draw = (): void => {
      const first = Math.floor(top / 50);
      const shown = ids.slice(first, Math.min(first + 5, drawUpTo));
      drawList(shown, 2 + first, count + 1);
      document.body.append(scroller);
    };
    Object.defineProperties(scroller, {
      clientHeight: { get: () => 200 },
      scrollHeight: { get: () => count * 50 },
      scrollTop: {
        get: () => top,
        set: (v: number) => {
          top = Math.max(0, Math.min(count * 50 - 200, v));
          draw();
        },
      },
    });
    draw();
    return { scroller, ids, tracker: createListTracker({ rows: () => scanTrackRows(document), list }) };
  }
  const instant = () => Promise.resolve();

  it('reads every row from the top and puts the list back where it was', async () => {
    const { scroller, ids, tracker } = virtualList(40);
    scroller.scrollTop = 700;
    const progress: number[] = [];
    const end = await analyseWholeList({ scroller, tracker, signal: new AbortController().signal, wait: instant, onProgress: (seen) => progress.push(seen) });
    expect(end).toBe('complete');
    expect(tracker.tracks().map((t) => t.trackId)).toEqual(ids);
    expect(scroller.scrollTop).toBe(700);
    expect(progress.at(-1)).toBe(40);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
  });

  it('stops when cancelled or when the page draws no more, and still restores the position', async () => {
    const cancelled = virtualList(40);
    cancelled.scroller.scrollTop = 300;
    const stop = new AbortController();
    const end = await analyseWholeList({
      scroller: cancelled.scroller,
      tracker: cancelled.tracker,
      signal: stop.signal,
      wait: instant,
      onProgress: (seen) => {
        if (seen >= 10) stop.abort();
      },
    });
    expect(end).toBe('cancelled');
    expect(cancelled.scroller.scrollTop).toBe(300);
    expect(cancelled.tracker.tracks().length).toBeLessThan(40);

    const short = virtualList(40, 25);
    expect(await analyseWholeList({ scroller: short.scroller, tracker: short.tracker, signal: new AbortController().signal, wait: instant })).toBe('end-of-list');
    expect(short.tracker.tracks()).toHaveLength(25);
    expect(short.scroller.scrollTop).toBe(0);
  });
});

describe('whole-list analysis: moving on once the screen is drawn', () => {
  const ROW_PX = 50;
  const VIEW_PX = 200;
  /** Polls the walk makes while waiting the whole {@link DRAW_WAIT_MS}. */
  const FULL_WAIT_POLLS = Math.ceil(DRAW_WAIT_MS / DRAW_POLL_MS);

  /** A client rectangle from its top and height. */
  const rect = (top: number, height: number): DOMRect => ({ top, bottom: top + height, height, left: 0, right: 100, width: 100, x: 0, y: top, toJSON: () => ({}) });

  /**
   * A virtualized list laid out by hand (happy-dom has no layout): `count` rows of 50 px in a
   * 200 px view, inside the scroller as on Spotify's page. The page draws the run of rows around
   * the scroll position (one row of overscan each side) `lag` waits after a scroll, the walk's
   * waits standing in for animation frames; newly drawn positions show a placeholder for
   * `placeholderWaits` more waits. `waits` counts the walk's waits.
   */
  function lazyList(count: number, { lag = 1, placeholderWaits = 0, startAt = 0 } = {}) {
    const ids = Array.from({ length: count }, (_, i) => trackId(300 + i));
    const scroller = document.createElement('div');
    const grid = document.createElement('div');
    grid.setAttribute('data-testid', 'playlist-tracklist');
    grid.setAttribute('role', 'grid');
    grid.setAttribute('aria-rowcount', String(count + 1));
    const header = document.createElement('div');
    header.setAttribute('role', 'row');
    header.setAttribute('aria-rowindex', '1');
    header.innerHTML = '<div role="columnheader">#</div>';
    scroller.append(grid);
    document.body.replaceChildren(scroller);
    let top = startAt;
    let waits = 0;
    let redrawAt: number | undefined;
    const shownSince = new Map<number, number>();
    const draw = (): void => {
      const first = Math.max(0, Math.floor(top / ROW_PX) - 1);
      const last = Math.min(count - 1, Math.floor((top + VIEW_PX) / ROW_PX) + 1);
      const rows: HTMLElement[] = [];
      for (let p = first; p <= last; p++) {
        if (!shownSince.has(p)) shownSince.set(p, waits);
        const wrapper = document.createElement('div');
        wrapper.setAttribute('role', 'row');
        wrapper.setAttribute('aria-rowindex', String(p + 2));
        const placeholder = waits - (shownSince.get(p) ?? 0) < placeholderWaits;
        wrapper.innerHTML = placeholder
          ? '<div data-testid="tracklist-row-placeholder"></div>'
          : `<div data-testid="tracklist-row"><div role="gridcell" aria-colindex="2"><a data-testid="internal-track-link" href="/track/${ids[p]}">Song ${p}</a><a href="/artist/x">Artist</a></div></div>`;
        const y = p * ROW_PX;
        const place = (el: Element): void => {
          Object.defineProperty(el, 'getBoundingClientRect', { value: () => rect(y - top, ROW_PX) });
        };
        place(wrapper);
        for (const child of wrapper.querySelectorAll('*')) place(child);
        rows.push(wrapper);
      }
      grid.replaceChildren(header, ...rows);
    };
    Object.defineProperties(scroller, {
      clientHeight: { get: () => VIEW_PX },
      scrollHeight: { get: () => count * ROW_PX },
      getBoundingClientRect: { value: () => rect(0, VIEW_PX) },
      scrollTop: {
        get: () => top,
        set: (v: number) => {
          top = Math.max(0, Math.min(count * ROW_PX - VIEW_PX, v));
          redrawAt = waits + lag;
        },
      },
    });
    draw();
    const wait = (): Promise<void> => {
      waits++;
      if (redrawAt !== undefined && waits >= redrawAt) {
        redrawAt = undefined;
        draw();
      } else if (placeholderWaits > 0) draw();
      return Promise.resolve();
    };
    const tracker = createListTracker({ rows: () => scanTrackRows(document), list: () => grid });
    return { scroller, ids, tracker, wait, waits: () => waits };
  }

  it('screenDrawn: rows reaching the bottom of the view, or the list\'s last row inside it; never a placeholder in view, nor without layout', () => {
    const long = lazyList(40);
    expect(screenDrawn(long.scroller)).toBe(true);
    // Scrolled, not drawn yet: the rows drawn end 100 px above the view's bottom.
    long.scroller.scrollTop = 200;
    expect(screenDrawn(long.scroller)).toBe(false);

    // One row in the view still a placeholder: not drawn, though rows reach the bottom.
    const mixed = lazyList(40);
    const placeholder = document.createElement('div');
    placeholder.setAttribute('data-testid', 'tracklist-row-placeholder');
    Object.defineProperty(placeholder, 'getBoundingClientRect', { value: () => rect(ROW_PX, ROW_PX) });
    mixed.scroller.querySelector('[aria-rowindex="3"]')?.replaceChildren(placeholder);
    expect(screenDrawn(mixed.scroller)).toBe(false);

    // Three rows in a 200-px view: the last row ends inside it.
    const short = lazyList(3);
    expect(screenDrawn(short.scroller)).toBe(true);
    // The last row missing (a list that has not drawn its end): not drawn.
    short.scroller.querySelector('[aria-rowindex="4"]')?.remove();
    expect(screenDrawn(short.scroller)).toBe(false);

    const loading = lazyList(40, { placeholderWaits: 2 });
    expect(screenDrawn(loading.scroller)).toBe(false);

    // happy-dom's own zero rectangles (no layout): never "drawn", so the walk waits its longest.
    const flat = document.createElement('div');
    flat.innerHTML = '<div role="row" aria-rowindex="2"><div data-testid="tracklist-row"></div></div>';
    document.body.replaceChildren(flat);
    expect(screenDrawn(flat)).toBe(false);
  });

  it('moves on as soon as the page has drawn each screen, and still reads every row', async () => {
    for (const lag of [1, 3]) {
      const list = lazyList(40, { lag, startAt: 700 });
      const end = await analyseWholeList({ scroller: list.scroller, tracker: list.tracker, signal: new AbortController().signal, wait: list.wait });
      expect(end, `lag ${lag}`).toBe('complete');
      expect(list.tracker.tracks().map((t) => t.trackId)).toEqual(list.ids);
      expect(list.scroller.scrollTop).toBe(700);
      // The jump to the top waits the whole time; each step of 150 px (3 rows) to the end of the
      // list waits for its redraw only.
      const steps = Math.ceil((40 * ROW_PX - VIEW_PX) / 150);
      expect(list.waits(), `lag ${lag}`).toBeLessThanOrEqual(FULL_WAIT_POLLS + steps * lag);
      expect(list.waits(), `lag ${lag}`).toBeGreaterThanOrEqual(FULL_WAIT_POLLS + (steps - 1) * lag);
    }
  });

  it('waits for placeholders to be replaced before reading a screen', async () => {
    const list = lazyList(40, { lag: 1, placeholderWaits: 3 });
    expect(await analyseWholeList({ scroller: list.scroller, tracker: list.tracker, signal: new AbortController().signal, wait: list.wait })).toBe('complete');
    expect(list.tracker.tracks().map((t) => t.trackId)).toEqual(list.ids);
  });

  it('after the jump to the top, waits the whole time even though rows drawn further down fill the view\'s height', async () => {
    // The page redraws 5 waits after a scroll: rows still drawn around the user's position would
    // look like a drawn screen, and moving on at once would skip the top rows for good.
    const list = lazyList(40, { lag: 5, startAt: 1200 });
    expect(await analyseWholeList({ scroller: list.scroller, tracker: list.tracker, signal: new AbortController().signal, wait: list.wait })).toBe('complete');
    expect(list.tracker.tracks().map((t) => t.trackId)).toEqual(list.ids);
  });

  it('a page that does not redraw costs the longest wait per screen, as before, and ends at the end of the list', async () => {
    const list = lazyList(40, { lag: Number.POSITIVE_INFINITY });
    expect(await analyseWholeList({ scroller: list.scroller, tracker: list.tracker, signal: new AbortController().signal, wait: list.wait })).toBe('end-of-list');
    const steps = Math.ceil((40 * ROW_PX - VIEW_PX) / 150);
    expect(list.waits()).toBe(FULL_WAIT_POLLS * (steps + 1));
  });
});

describe('loading the panel on demand (issue 11)', () => {
  beforeEach(() => {
    Reflect.deleteProperty(globalThis, PANEL_REGISTRY_KEY);
  });

  it('imports the panel script once, by its extension URL; a failed load is tried again; a script that registers nothing is an error', async () => {
    const imported: string[] = [];
    const mount = () => {};
    const failing = async (url: string) => {
      imported.push(url);
      throw new Error('offline');
    };
    await expect(loadPanel((path) => `chrome-extension://id${path}`, failing)).rejects.toThrow('offline');
    const silent = async (url: string) => {
      imported.push(url);
    };
    await expect(loadPanel((path) => `chrome-extension://id${path}`, silent)).rejects.toThrow(`${PANEL_SCRIPT} loaded but registered no panel`);
    const registering = async (url: string) => {
      imported.push(url);
      registerPanel({ mount });
    };
    const first = await loadPanel((path) => `chrome-extension://id${path}`, registering);
    const second = await loadPanel((path) => `chrome-extension://id${path}`, registering);
    expect(first.mount).toBe(mount);
    expect(second).toBe(first);
    expect(imported).toEqual(['chrome-extension://id/occasion-panel.js', 'chrome-extension://id/occasion-panel.js', 'chrome-extension://id/occasion-panel.js']);
  });
});
