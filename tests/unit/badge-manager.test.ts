// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { BADGE_HOST_TAG, createBadgeManager, type BadgeManager, type BadgeState, type BadgeView } from '@/lib/badge-manager';
import type { SeenTrack, TrackResult } from '@/lib/messaging';
import type { TrackRow } from '@/lib/spotify-dom';
import type { TrackId } from '@/lib/track-id';
import type { ThemeId } from '@/model/themes';
import { trackId } from './support/fixtures';

const HOST = 'playlist-predictor-badge';

/** A fake badge: an element inserted after the title link that records what it was told to show. */
function fakeBadges() {
  const created: { host: HTMLElement; shows: { trackId: TrackId; state: BadgeState }[]; removed: boolean }[] = [];
  const createBadge = ({ link }: TrackRow): BadgeView => {
    const host = document.createElement(HOST);
    link.after(host);
    const record = { host, shows: [] as { trackId: TrackId; state: BadgeState }[], removed: false };
    created.push(record);
    return {
      host,
      show(id, state) {
        host.setAttribute('data-track-id', id);
        host.setAttribute('data-status', state.status);
        host.textContent = state.status === 'ok' ? state.theme : state.status === 'error' ? `! ${state.message}` : state.status;
        record.shows.push({ trackId: id, state });
      },
      remove() {
        record.removed = true;
        host.remove();
      },
    };
  };
  return { createBadge, created };
}

const THEMES: ThemeId[] = ['workout', 'party', 'sleep', 'chill'];
/** The theme the fake background gives a track: fixed per ID, so tests can predict it. */
const themeOf = (id: string): ThemeId => THEMES[id.charCodeAt(21) % THEMES.length] as ThemeId;

/** A fake `classify` that answers ok for every ID and records each request. */
function fakeClassify(options: { fail?: (ids: readonly TrackId[]) => Error | undefined; shift?: boolean } = {}) {
  const calls: TrackId[][] = [];
  const seen: SeenTrack[][] = [];
  let round = 0;
  const classify = async (ids: readonly TrackId[], seenTracks: readonly SeenTrack[]): Promise<TrackResult[]> => {
    calls.push([...ids]);
    seen.push([...seenTracks]);
    await new Promise((r) => setTimeout(r, 1));
    const error = options.fail?.(ids);
    if (error) throw error;
    const theme = (id: string) => (options.shift ? (THEMES[(THEMES.indexOf(themeOf(id)) + round) % THEMES.length] as ThemeId) : themeOf(id));
    return ids.map((id) => ({ trackId: id, status: 'ok', theme: theme(id), probability: 0.9, uncertain: false, probabilities: { [theme(id)]: 0.9 }, provider: 'reccobeats' }));
  };
  /** With `shift`, every answer after {@link nextRound} gives each track the next theme. */
  const nextRound = () => {
    round++;
  };
  return { classify, calls, seen, nextRound };
}

/** Appends a Spotify-like row for `id` to the list and returns its wrapper. */
function addRow(id: string, index = document.querySelectorAll('[role="row"]').length): HTMLElement {
  const list = document.getElementById('rows');
  if (!list) throw new Error('no list');
  const wrapper = document.createElement('div');
  wrapper.setAttribute('role', 'row');
  wrapper.setAttribute('aria-rowindex', String(index + 2));
  wrapper.innerHTML = `<div data-testid="tracklist-row"><div role="gridcell" aria-colindex="2"><a data-testid="internal-track-link" href="/track/${id}">Song ${index}</a><span><a href="/artist/x">Artist</a>, <a href="/artist/y">Other</a></span></div></div>`;
  list.append(wrapper);
  return wrapper;
}

function setup(ids: string[], classifyOptions: Parameters<typeof fakeClassify>[0] = {}) {
  document.body.innerHTML = '<div data-testid="playlist-tracklist" role="grid"><div id="rows"></div></div>';
  const rows = ids.map((id, i) => addRow(id, i));
  const badges = fakeBadges();
  const api = fakeClassify(classifyOptions);
  const manager = createBadgeManager({ root: document.body, classify: api.classify, createBadge: badges.createBadge, batchDelayMs: 5 });
  managers.push(manager);
  return { rows, badges, api, manager };
}

const managers: BadgeManager[] = [];
afterEach(() => {
  for (const m of managers.splice(0)) m.dispose();
  document.body.innerHTML = '';
});

const badgesIn = (el: Element) => [...el.querySelectorAll(HOST)];
const linkOf = (row: Element) => {
  const a = row.querySelector('a[data-testid="internal-track-link"]');
  if (!a) throw new Error('no link');
  return a;
};

describe('badge manager', () => {
  it('uses the documented host tag', () => {
    expect(BADGE_HOST_TAG).toBe(HOST);
  });

  it('puts exactly one badge after each title link, however often it scans', async () => {
    const ids = [trackId(1), trackId(2), trackId(3), trackId(4), trackId(5)];
    const { rows, badges, manager } = setup(ids);
    manager.scan();
    manager.scan();
    await manager.idle();
    manager.scan();
    manager.scan();
    await manager.idle();
    expect(badges.created).toHaveLength(5);
    rows.forEach((row, i) => {
      const hosts = badgesIn(row);
      expect(hosts).toHaveLength(1);
      expect(linkOf(row).nextElementSibling).toBe(hosts[0]);
      expect(hosts[0]?.getAttribute('data-track-id')).toBe(ids[i]);
      expect(hosts[0]?.textContent).toBe(themeOf(ids[i] as string));
    });
  });

  it('shows pending first, then the answer', async () => {
    const id = trackId(1);
    const { badges, manager } = setup([id]);
    manager.scan();
    expect(badges.created[0]?.shows).toEqual([{ trackId: id, state: { status: 'pending' } }]);
    await manager.idle();
    expect(badges.created[0]?.shows.at(-1)).toEqual({ trackId: id, state: { trackId: id, status: 'ok', theme: themeOf(id), probability: 0.9, uncertain: false, probabilities: { [themeOf(id)]: 0.9 }, provider: 'reccobeats' } });
  });

  it('updates the same badge when a reused row switches to another track', async () => {
    const [a, b, c] = [trackId(1), trackId(2), trackId(3)];
    const { rows, badges, manager } = setup([a, b]);
    manager.scan();
    await manager.idle();
    const row = rows[0] as HTMLElement;
    const host = badgesIn(row)[0];

    linkOf(row).setAttribute('href', `/track/${c}`);
    manager.scan();
    await manager.idle();

    expect(badgesIn(row)).toEqual([host]);
    expect(host?.getAttribute('data-track-id')).toBe(c);
    expect(host?.textContent).toBe(themeOf(c));
    expect(badges.created).toHaveLength(2);
    expect(document.querySelectorAll(HOST)).toHaveLength(2);
  });

  it('never lets a late answer for the old track overwrite a reused row', async () => {
    const [a, c] = [trackId(1), trackId(3)];
    const { rows, badges, manager } = setup([a]);
    manager.scan();
    // Scroll before the first answer arrives.
    linkOf(rows[0] as HTMLElement).setAttribute('href', `/track/${c}`);
    manager.scan();
    await manager.idle();
    const [badge] = badges.created;
    expect(badges.created).toHaveLength(1);
    expect(badge?.host.getAttribute('data-track-id')).toBe(c);
    expect(badge?.shows.at(-1)?.state).toMatchObject({ status: 'ok', trackId: c });
    expect(badge?.shows.filter((s) => s.trackId === a && s.state.status === 'ok')).toEqual([]);
  });

  it('replaces a badge the page wiped out when it re-rendered the row, keeping one', async () => {
    const [a, b] = [trackId(1), trackId(2)];
    const { rows, manager } = setup([a]);
    manager.scan();
    await manager.idle();
    const row = rows[0] as HTMLElement;
    // Spotify re-renders the row's content: our host is gone, the link is new.
    (row.querySelector('[data-testid="tracklist-row"]') as HTMLElement).innerHTML =
      `<div role="gridcell" aria-colindex="2"><a data-testid="internal-track-link" href="/track/${b}">Other</a></div>`;
    manager.scan();
    await manager.idle();
    const hosts = badgesIn(row);
    expect(hosts).toHaveLength(1);
    expect(hosts[0]?.getAttribute('data-track-id')).toBe(b);
    expect(hosts[0]?.isConnected).toBe(true);
  });

  it('removes a stray badge host it does not own', async () => {
    const a = trackId(1);
    const { rows, manager } = setup([a]);
    linkOf(rows[0] as HTMLElement).after(document.createElement(HOST));
    manager.scan();
    await manager.idle();
    expect(badgesIn(rows[0] as HTMLElement)).toHaveLength(1);
    expect(badgesIn(rows[0] as HTMLElement)[0]?.getAttribute('data-track-id')).toBe(a);
  });

  it('badges rows added later on the next scan', async () => {
    const { badges, manager, api } = setup([trackId(1)]);
    manager.scan();
    await manager.idle();
    const late = addRow(trackId(2));
    expect(badgesIn(late)).toHaveLength(0);
    manager.scan();
    await manager.idle();
    expect(badgesIn(late)).toHaveLength(1);
    expect(badgesIn(late)[0]?.textContent).toBe(themeOf(trackId(2)));
    expect(badges.created).toHaveLength(2);
    expect(api.calls).toEqual([[trackId(1)], [trackId(2)]]);
  });

  it(`sends IDs in batches of at most 100, each ID once`, async () => {
    const ids = Array.from({ length: 230 }, (_, i) => trackId(i));
    const { api, manager } = setup(ids);
    manager.scan();
    await manager.idle();
    expect(api.calls.map((c) => c.length)).toEqual([100, 100, 30]);
    expect(api.calls.flat().sort()).toEqual([...ids].sort());
    expect(document.querySelectorAll(`${HOST}[data-status="ok"]`)).toHaveLength(230);
  });

  it('gathers IDs from several scans into one request', async () => {
    const { api, manager } = setup([trackId(1)]);
    manager.scan();
    addRow(trackId(2));
    manager.scan();
    await manager.idle();
    expect(api.calls).toEqual([[trackId(1), trackId(2)]]);
  });

  it('does not ask again for a track already answered, even on another row', async () => {
    const a = trackId(1);
    const { api, manager } = setup([a]);
    manager.scan();
    await manager.idle();
    const again = addRow(a);
    manager.scan();
    await manager.idle();
    manager.scan();
    await manager.idle();
    expect(api.calls).toEqual([[a]]);
    expect(badgesIn(again)[0]?.textContent).toBe(themeOf(a));
  });

  it('shows an error on the badges of a request that failed', async () => {
    const ids = Array.from({ length: 120 }, (_, i) => trackId(i));
    const { badges, manager, api } = setup(ids, { fail: (batch) => (batch.length === 20 ? new Error('background unreachable') : undefined) });
    manager.scan();
    await manager.idle();
    expect(api.calls.map((c) => c.length)).toEqual([100, 20]);
    const failed = new Set(api.calls[1]);
    for (const badge of badges.created) {
      const last = badge.shows.at(-1);
      if (failed.has(last?.trackId ?? '')) expect(last?.state).toEqual({ trackId: last?.trackId, status: 'error', message: 'background unreachable' });
      else expect(last?.state.status).toBe('ok');
    }
    expect(document.querySelectorAll(`${HOST}[data-status="error"]`)).toHaveLength(20);
  });

  it('shows an error for a track the answer left out', async () => {
    document.body.innerHTML = '<div id="rows"></div>';
    const [a, b] = [trackId(1), trackId(2)];
    addRow(a);
    addRow(b);
    const badges = fakeBadges();
    const manager = createBadgeManager({
      root: document.body,
      classify: async () => [{ trackId: a, status: 'unknown' }],
      createBadge: badges.createBadge,
    });
    managers.push(manager);
    manager.scan();
    await manager.idle();
    expect(badges.created.map((c) => c.shows.at(-1)?.state.status)).toEqual(['unknown', 'error']);
  });

  it('removes the badges of rows that left the DOM', async () => {
    const ids = [trackId(1), trackId(2), trackId(3)];
    const { rows, badges, manager } = setup(ids);
    manager.scan();
    await manager.idle();
    rows[1]?.remove();
    manager.scan();
    expect(badges.created.map((b) => b.removed)).toEqual([false, true, false]);
    expect(document.querySelectorAll(HOST)).toHaveLength(2);
  });

  it('dispose removes every badge and stops badging', async () => {
    const ids = [trackId(1), trackId(2)];
    const { badges, manager, api } = setup(ids);
    manager.scan();
    await manager.idle();
    manager.dispose();
    expect(document.querySelectorAll(HOST)).toHaveLength(0);
    expect(badges.created.every((b) => b.removed)).toBe(true);
    addRow(trackId(3));
    manager.scan();
    await manager.idle();
    expect(document.querySelectorAll(HOST)).toHaveLength(0);
    expect(api.calls).toHaveLength(1);
  });

  it('dispose while a request is in flight renders nothing afterwards', async () => {
    const { badges, manager } = setup([trackId(1)]);
    manager.scan();
    const pending = manager.idle();
    manager.dispose();
    await pending;
    expect(document.querySelectorAll(HOST)).toHaveLength(0);
    expect(badges.created[0]?.shows.map((s) => s.state.status)).toEqual(['pending']);
  });

  it('dispose before the batch is sent: nothing is sent, even when idle() is awaited afterwards', async () => {
    const { manager, api } = setup([trackId(1)]);
    manager.scan();
    manager.dispose();
    await manager.idle();
    await new Promise((r) => setTimeout(r, 20));
    expect(api.calls).toEqual([]);
  });
});

describe('failed tracks are asked for again later', () => {
  it('re-requests a failed track at the first scan after errorRetryMs, not before', async () => {
    document.body.innerHTML = '<div data-testid="playlist-tracklist" role="grid"><div id="rows"></div></div>';
    const id = trackId(77);
    addRow(id, 0);
    const badges = fakeBadges();
    let failing = true;
    const api = fakeClassify({ fail: () => (failing ? new Error('offline') : undefined) });
    let clock = 1_000;
    const manager = createBadgeManager({ root: document.body, classify: api.classify, createBadge: badges.createBadge, batchDelayMs: 1, errorRetryMs: 30_000, now: () => clock });
    managers.push(manager);

    manager.scan();
    await manager.idle();
    expect(document.querySelector(HOST)?.getAttribute('data-status')).toBe('error');

    failing = false;
    clock += 29_999;
    manager.scan();
    await manager.idle();
    expect(api.calls).toHaveLength(1);

    clock += 1;
    manager.scan();
    await manager.idle();
    expect(api.calls).toEqual([[id], [id]]);
    expect(document.querySelector(HOST)?.getAttribute('data-status')).toBe('ok');
  });
});

describe('settings changes on an open page', () => {
  it('refresh asks again for every track on the page and shows the new answers, keeping the old ones meanwhile', async () => {
    const ids = [trackId(1), trackId(2), trackId(3)];
    document.body.innerHTML = '<div data-testid="playlist-tracklist" role="grid"><div id="rows"></div></div>';
    const rows = ids.map((id, i) => addRow(id, i));
    const badges = fakeBadges();
    const api = fakeClassify({ shift: true });
    const manager = createBadgeManager({ root: document.body, classify: api.classify, createBadge: badges.createBadge, batchDelayMs: 5 });
    managers.push(manager);
    manager.scan();
    await manager.idle();
    api.nextRound();
    manager.refresh();
    // Until the new answer arrives, no badge goes back to pending.
    for (const b of badges.created) expect(b.shows.at(-1)?.state.status).toBe('ok');
    await manager.idle();
    expect(api.calls).toEqual([ids, ids]);
    rows.forEach((row, i) => {
      const id = ids[i] as string;
      const shifted = THEMES[(THEMES.indexOf(themeOf(id)) + 1) % THEMES.length];
      expect(badgesIn(row)).toHaveLength(1);
      expect(badgesIn(row)[0]?.textContent).toBe(shifted);
    });
  });

  it('rerender shows every badge again without asking the background', async () => {
    const ids = [trackId(1), trackId(2)];
    const { badges, api, manager } = setup(ids);
    manager.scan();
    await manager.idle();
    const before = badges.created.map((b) => b.shows.length);
    manager.rerender();
    expect(badges.created.map((b) => b.shows.length)).toEqual(before.map((n) => n + 1));
    expect(api.calls).toHaveLength(1);
  });

  it('sends the title and artists the rows show along with the IDs', async () => {
    const ids = [trackId(1), trackId(2)];
    const { api, manager } = setup(ids);
    manager.scan();
    await manager.idle();
    expect(api.seen).toEqual([ids.map((id, i) => ({ trackId: id, name: `Song ${i}`, artists: ['Artist', 'Other'] }))]);
  });
});
