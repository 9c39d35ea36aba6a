// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BADGE_HOST_TAG } from '@/lib/content/badge-element';
import { BADGES_AREA } from '@/lib/content/badge-placement';
import { TOOLTIP_HOST_TAG } from '@/lib/content/badge-tooltip';
import { createBadgeSlots, keepBadgesInSync, type BadgeSlots } from '@/lib/content/badge-slots';
import { createResultsStore, FIRST_REQUEST_DELAY_MS, type ResultsStore } from '@/lib/content/results-store';
import { scanTrackRows } from '@/lib/content/spotify-dom';
import type { SeenTrack, TrackResult } from '@/lib/shared/messaging';
import type { TrackId } from '@/lib/shared/track-id';
import { THEMES, type ThemeId } from '@/model/themes';
import { trackId } from './support/fixtures';

/**
 * Spotify's title block as platform.md describes it (written with the longhand properties, which
 * happy-dom computes; the e2e layout test checks the real engine with Spotify-like CSS).
 */
const STYLE = `<style>
  .ttl { display: grid; grid-template-areas: "title title" "badges subtitle"; grid-template-columns: auto 1fr; column-gap: 8px; }
  .ttl > a { grid-area: title; }
  .expl { grid-area: badges; }
  .sub { grid-area: subtitle; }
</style>`;

function rowHtml(id: string, options: { explicit?: boolean; grid?: boolean } = {}): string {
  const explicit = options.explicit ? '<span class="expl" aria-label="Explicit" title="Explicit"><span>E</span></span>' : '';
  const title = `<a data-testid="internal-track-link" href="/track/${id}"><div>Song ${id.slice(-3)}</div></a>`;
  const block = options.grid === false ? `<div>${title}<span><a href="/artist/x">Artist</a></span></div>` : `<div class="ttl">${title}${explicit}<span class="sub"><a href="/artist/x">Artist</a></span></div>`;
  return `<div role="row"><div data-testid="tracklist-row"><div role="gridcell" aria-colindex="2">${block}</div></div></div>`;
}

function page(rows: string[]): void {
  document.head.innerHTML = STYLE;
  document.body.innerHTML = `<div data-testid="playlist-tracklist">${rows.join('')}</div>`;
}

/** Reads a row's badge through its public markup. */
function badgeOf(row: Element) {
  const hosts = row.querySelectorAll(BADGE_HOST_TAG);
  const host = hosts[0];
  const badge = host?.shadowRoot?.querySelector<HTMLElement>('.badge');
  return { count: hosts.length, host, badge, trackId: badge?.dataset.trackId, status: badge?.dataset.status, theme: badge?.dataset.theme, role: badge?.getAttribute('role'), name: badge?.getAttribute('aria-label') };
}

const rowEls = () => [...document.querySelectorAll<HTMLElement>('div[data-testid="tracklist-row"]')];

/** Rewrites a row in place for another track, as Spotify does when it reuses a row element. */
function reuse(row: HTMLElement, id: string): void {
  row.querySelector('a[data-testid="internal-track-link"]')?.setAttribute('href', `/track/${id}`);
}

const themeOf = (id: string): ThemeId => (THEMES[id.charCodeAt(21) % 4]?.id ?? 'chill');
const ok = (id: TrackId): TrackResult => ({ trackId: id, status: 'ok', theme: themeOf(id), probability: 0.9, uncertain: false, probabilities: { [themeOf(id)]: 0.9 }, provider: 'reccobeats', fetchedAt: 0, topThemes: [{ theme: themeOf(id), probability: 0.9 }], why: [] });

let store: ResultsStore;
let slots: BadgeSlots;
let requests: TrackId[][];
let answer: (id: TrackId) => TrackResult;
let userColors: Partial<Record<ThemeId, string>>;

beforeEach(() => {
  vi.useFakeTimers();
  requests = [];
  answer = ok;
  userColors = {};
  store = createResultsStore({
    classify: async (ids) => {
      requests.push([...ids]);
      return ids.map((id) => answer(id));
    },
  });
  slots = createBadgeSlots({ store, colors: () => userColors });
});
afterEach(() => {
  slots.clear();
  store.dispose();
  vi.useRealTimers();
});

const sync = () => slots.sync(scanTrackRows(document.body));
const settle = () => vi.advanceTimersByTimeAsync(FIRST_REQUEST_DELAY_MS);

describe('badge slots: what the page shows goes with the request (issue 10)', () => {
  it("sends each row's title, artists and duration; a title-less row with a duration sends the duration alone", async () => {
    const sent: SeenTrack[][] = [];
    const own = createResultsStore({ classify: async (ids, seen) => (sent.push([...seen]), ids.map(ok)) });
    const ownSlots = createBadgeSlots({ store: own, colors: () => ({}) });
    const [a, b, c] = [trackId(11), trackId(12), trackId(13)];
    const withCell = (html: string, cell: string) => html.replace('</div></div></div>', `</div><div role="gridcell" aria-colindex="3"><div>${cell}</div></div></div></div>`);
    page([withCell(rowHtml(a), '3:07'), rowHtml(b), withCell(rowHtml(c), '1:02:03').replace(/<div>Song [^<]*<\/div>/, '')]);
    ownSlots.sync(scanTrackRows(document.body));
    await settle();
    expect(sent).toEqual([
      [
        { trackId: a, name: `Song ${a.slice(-3)}`, artists: ['Artist'], durationMs: 187_000 },
        { trackId: b, name: `Song ${b.slice(-3)}`, artists: ['Artist'] },
        { trackId: c, name: '', artists: ['Artist'], durationMs: 3_723_000 },
      ],
    ]);
    ownSlots.clear();
    own.dispose();
  });
});

describe('badge slots', () => {
  it('puts one badge per row in the title block\'s badges area, right after the title link, loading then the answer', async () => {
    const ids = [trackId(1), trackId(2), trackId(3)];
    page(ids.map((id) => rowHtml(id)));
    sync();
    sync();
    for (const [i, row] of rowEls().entries()) {
      const b = badgeOf(row);
      expect(b.count).toBe(1);
      expect(b.trackId).toBe(ids[i]);
      expect(b.status).toBe('loading');
      expect(b.host?.parentElement?.className).toBe('ttl');
      expect(b.host?.previousElementSibling?.getAttribute('data-testid')).toBe('internal-track-link');
      expect(b.host?.getAttribute('style')).toContain(`grid-area: ${BADGES_AREA}`);
    }
    await settle();
    expect(requests).toEqual([ids]);
    for (const [i, row] of rowEls().entries()) {
      expect(badgeOf(row)).toMatchObject({ status: 'ok', theme: themeOf(ids[i] ?? ''), role: 'img' });
      expect(badgeOf(row).badge?.getAttribute('part')).toBe('badge ok');
      expect(badgeOf(row).host?.shadowRoot?.mode).toBe('open');
    }
  });

  it('joins Spotify\'s own labels in the badges area without separating them from the artists, and sits after the link without a grid', () => {
    page([rowHtml(trackId(1), { explicit: true }), rowHtml(trackId(2), { grid: false })]);
    sync();
    const [explicit, plain] = rowEls();
    if (!explicit || !plain) throw new Error('rows');
    const e = badgeOf(explicit);
    // The explicit label is still right before the artists (Spotify's CSS may rely on it).
    expect(explicit.querySelector('.expl')?.nextElementSibling?.className).toBe('sub');
    // Its start margin (the label's width plus LABEL_GAP_PX) needs a layout engine: tests/e2e/layout.spec.ts.
    expect(e.host?.getAttribute('style')).toContain(`grid-area: ${BADGES_AREA}`);
    expect(e.host?.previousElementSibling?.getAttribute('data-testid')).toBe('internal-track-link');
    const p = badgeOf(plain);
    expect(p.host?.previousElementSibling?.getAttribute('data-testid')).toBe('internal-track-link');
    expect(p.host?.getAttribute('style')).not.toContain('grid-area');
  });

  it('a reused row switches to its new track in the same call: the known answer, or loading, never the old badge', async () => {
    const [a, b, c] = [trackId(1), trackId(2), trackId(3)];
    page([rowHtml(a), rowHtml(b)]);
    sync();
    await settle();
    const [row] = rowEls();
    if (!row) throw new Error('row');
    const host = badgeOf(row).host;
    reuse(row, b);
    sync();
    expect(badgeOf(row)).toMatchObject({ trackId: b, status: 'ok', theme: themeOf(b), count: 1 });
    reuse(row, c);
    sync();
    expect(badgeOf(row)).toMatchObject({ trackId: c, status: 'loading', count: 1 });
    // Same element, re-targeted, not a new badge.
    expect(badgeOf(row).host).toBe(host);
    await settle();
    expect(badgeOf(row)).toMatchObject({ trackId: c, status: 'ok' });
    // An answer for a track the row no longer shows does not land on it.
    reuse(row, a);
    sync();
    expect(badgeOf(row).trackId).toBe(a);
  });

  it('removes the badges of rows that left, of rows without a track link, and strays of an earlier instance', () => {
    page([rowHtml(trackId(1)), rowHtml(trackId(2)), rowHtml(trackId(3))]);
    const [first, second] = rowEls();
    if (!first || !second) throw new Error('rows');
    second.querySelector('.ttl')?.append(document.createElement(BADGE_HOST_TAG));
    sync();
    expect(badgeOf(second).count).toBe(1);
    first.closest('[role="row"]')?.remove();
    second.querySelector('a[data-testid="internal-track-link"]')?.setAttribute('href', '/episode/abc');
    sync();
    expect(document.querySelectorAll(BADGE_HOST_TAG)).toHaveLength(1);
    slots.clear();
    expect(document.querySelectorAll(BADGE_HOST_TAG)).toHaveLength(0);
  });

  it('an error badge is a button with an accessible name; activating it (click or Enter) asks again', async () => {
    const id = trackId(7);
    answer = (x) => ({ trackId: x, status: 'error', message: 'reccobeats: HTTP 500 for audio features' });
    page([rowHtml(id)]);
    sync();
    await settle();
    const [row] = rowEls();
    if (!row) throw new Error('row');
    let b = badgeOf(row);
    expect(b).toMatchObject({ status: 'error', role: 'button' });
    expect(b.name).toContain('HTTP 500');
    expect(b.badge?.tabIndex).toBe(0);
    let rowClicks = 0;
    row.addEventListener('click', () => rowClicks++);
    answer = ok;
    b.badge?.click();
    expect(badgeOf(row).status).toBe('loading');
    await settle();
    b = badgeOf(row);
    expect(b).toMatchObject({ status: 'ok', role: 'img' });
    expect(requests).toHaveLength(2);
    expect(rowClicks).toBe(0);
    answer = (x) => ({ trackId: x, status: 'error', message: 'again' });
    store.retry(id);
    await settle();
    badgeOf(row).badge?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await settle();
    expect(requests).toHaveLength(4);
  });

  it('every state has an accessible name and a distinct data-status; ok badges use the user\'s colour', async () => {
    const ids = [trackId(1), trackId(2), trackId(3), trackId(4)];
    userColors = { [themeOf(ids[0] ?? '')]: '#123456' };
    answer = (id) => (id === ids[1] ? { trackId: id, status: 'unknown' } : id === ids[2] ? { ...ok(id), uncertain: true } : id === ids[3] ? { trackId: id, status: 'error', message: 'x' } : ok(id));
    page(ids.map((id) => rowHtml(id)));
    sync();
    const names = new Set([badgeOf(rowEls()[0] as Element).name]);
    await settle();
    const rows = rowEls().map(badgeOf);
    expect(rows.map((r) => r.status)).toEqual(['ok', 'unknown', 'uncertain', 'error']);
    for (const r of rows) names.add(r.name);
    expect(names.size).toBe(5);
    for (const name of names) expect(name).toMatch(/^Playlist Predictor: /);
    const unknownIcon = rows[1]?.badge?.querySelector('.icon')?.textContent;
    const uncertainIcon = rows[2]?.badge?.querySelector('.icon')?.textContent;
    expect(new Set([unknownIcon, uncertainIcon]).size).toBe(2);
    expect(rows[0]?.badge?.style.backgroundColor).toMatch(/^(#123456|rgb\(18, 52, 86\))$/);
    userColors = {};
    slots.rerender();
    expect(rows[0]?.badge?.style.backgroundColor).not.toMatch(/^(#123456|rgb\(18, 52, 86\))$/);
  });
});

/** The page's badge tooltip as a user sees it: open or not, and its texts. */
function tooltipOf() {
  const box = document.querySelector(TOOLTIP_HOST_TAG)?.shadowRoot?.querySelector<HTMLElement>('.tooltip');
  return {
    open: box !== null && box !== undefined && !box.hidden,
    trackId: box?.dataset.trackId,
    themes: [...(box?.querySelectorAll<HTMLElement>('li') ?? [])].map((li) => [li.dataset.theme, Number(li.dataset.percent)]),
    source: box?.querySelector('.source')?.textContent,
    why: box?.querySelector('.why')?.textContent,
  };
}

describe('the badge explains itself (issue 11)', () => {
  const DAY = 86_400_000;
  const explained = (id: TrackId, uncertain = false): TrackResult => ({
    trackId: id,
    status: 'ok',
    theme: 'chill',
    probability: uncertain ? 0.45 : 0.7,
    uncertain,
    probabilities: { chill: 0.41, focus: 0.3, sleep: 0.2, party: 0.09 },
    provider: 'reccobeats',
    fetchedAt: Date.now() - 3 * DAY,
    topThemes: [{ theme: 'chill', probability: 0.41 }, { theme: 'focus', probability: 0.3 }, { theme: 'sleep', probability: 0.2 }],
    why: [{ input: 'energy', direction: 'low', change: 0.12 }, { input: 'acousticness', direction: 'high', change: 0.05 }],
  });

  it('opens on hover and on keyboard focus with the three themes, the source and its age, and why; closes on leave, blur and Escape', async () => {
    const [a, b] = [trackId(1), trackId(2)];
    answer = (id) => explained(id);
    page([rowHtml(a), rowHtml(b)]);
    sync();
    const loading = badgeOf(rowEls()[0] as Element).badge;
    loading?.dispatchEvent(new PointerEvent('pointerenter'));
    // Nothing to explain yet: no tooltip, and the loading badge is not a tab stop.
    expect(tooltipOf().open).toBe(false);
    expect(loading?.hasAttribute('tabindex')).toBe(false);
    await settle();
    const first = badgeOf(rowEls()[0] as Element).badge;
    expect(first?.tabIndex).toBe(0);
    expect(first?.hasAttribute('title')).toBe(false);
    first?.dispatchEvent(new PointerEvent('pointerenter'));
    expect(tooltipOf()).toEqual({
      open: true,
      trackId: a,
      themes: [['chill', 41], ['focus', 30], ['sleep', 20]],
      source: 'Audio features from ReccoBeats, 3 days ago',
      why: 'Why: low energy, acoustic',
    });
    // The screen reader hears the same.
    expect(badgeOf(rowEls()[0] as Element).name).toContain('Chill 41 %, Focus 30 %, Sleep 20 %. Audio features from ReccoBeats, 3 days ago. Why: low energy, acoustic.');
    first?.dispatchEvent(new PointerEvent('pointerleave'));
    expect(tooltipOf().open).toBe(false);

    const second = badgeOf(rowEls()[1] as Element).badge;
    second?.focus();
    expect(tooltipOf()).toMatchObject({ open: true, trackId: b });
    second?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(tooltipOf().open).toBe(false);
    second?.dispatchEvent(new FocusEvent('focus'));
    expect(tooltipOf().open).toBe(true);
    second?.blur();
    second?.dispatchEvent(new FocusEvent('blur'));
    expect(tooltipOf().open).toBe(false);
  });

  it('an uncertain badge shows its two most probable themes; a removed badge takes its tooltip with it', async () => {
    const id = trackId(3);
    answer = (x) => explained(x, true);
    page([rowHtml(id)]);
    sync();
    await settle();
    const b = badgeOf(rowEls()[0] as Element);
    expect(b.status).toBe('uncertain');
    expect(b.badge?.textContent).toBe('?Chill · Focus');
    expect(b.name).toMatch(/^Playlist Predictor: uncertain, perhaps Chill or Focus/);
    b.badge?.dispatchEvent(new PointerEvent('pointerenter'));
    expect(tooltipOf().open).toBe(true);
    page([]);
    sync();
    expect(tooltipOf().open).toBe(false);
    slots.clear();
    expect(document.querySelector(TOOLTIP_HOST_TAG)).toBeNull();
  });
});

describe('keepBadgesInSync', () => {
  it('badges what find returns on every DOM change, logs a throwing find once, and removes its badges when aborted', async () => {
    const id = trackId(5);
    page([rowHtml(id)]);
    const warn = vi.fn();
    const controller = new AbortController();
    let broken = false;
    keepBadgesInSync({ store, colors: () => ({}), onColorsChange: () => {}, log: { warn } }, controller.signal, (doc) => {
      if (broken) throw new Error('unexpected markup');
      return scanTrackRows(doc.body);
    });
    expect(document.querySelectorAll(BADGE_HOST_TAG)).toHaveLength(1);
    document.querySelector('[data-testid="playlist-tracklist"]')?.insertAdjacentHTML('beforeend', rowHtml(trackId(6)));
    await Promise.resolve();
    expect(document.querySelectorAll(BADGE_HOST_TAG)).toHaveLength(2);
    broken = true;
    document.body.append(document.createElement('div'));
    await Promise.resolve();
    document.body.append(document.createElement('div'));
    await Promise.resolve();
    expect(warn).toHaveBeenCalledTimes(1);
    controller.abort();
    expect(document.querySelectorAll(BADGE_HOST_TAG)).toHaveLength(0);
  });
});
