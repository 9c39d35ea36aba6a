import { describe, expect, it, vi } from 'vitest';
import { createListWarmStart, type ListWarmStartDeps } from '@/lib/content/features/list-warm-start';
import { PAGE_TYPES } from '@/lib/content/pages';
import { pageTypeOf } from '@/lib/content/page-type';
import { createResultsStore } from '@/lib/content/results-store';
import type { ApiList } from '@/lib/shared/messaging';
import { trackId } from './support/fixtures';

/** Starts the feature as the runner would on `pathname`, when the feature applies there; returns what the background was asked. */
function startOn(pathname: string, answer: ListWarmStartDeps['warmList'] = async () => ({ results: [], next: null }), signal = new AbortController().signal) {
  const asked: [ApiList, number][] = [];
  const log = { warn: vi.fn() };
  const store = createResultsStore({ classify: async (ids) => ids.map((id) => ({ trackId: id, status: 'unknown' as const })) });
  const feature = createListWarmStart({
    store,
    warmList: (list, from) => {
      asked.push([list, from]);
      return answer(list, from);
    },
    log,
  });
  const pageType = pageTypeOf(pathname, PAGE_TYPES);
  if (pageType && feature.pageTypes !== 'every-page' && feature.pageTypes.includes(pageType.id)) feature.init(signal, { pageType, pathname });
  return { asked, log, store };
}

/** Lets the pages asked for so far settle (each is a few microtasks). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('list warm start', () => {
  it('asks for the list the page shows, from its top: a playlist, an album, Liked Songs', async () => {
    expect(startOn('/playlist/37i9dQZF1DXcBWIGoYBM5M').asked).toEqual([[{ kind: 'playlist', id: '37i9dQZF1DXcBWIGoYBM5M' }, 0]]);
    expect(startOn('/album/4aawyAB9vmqN3uQ7FjRGTy').asked).toEqual([[{ kind: 'album', id: '4aawyAB9vmqN3uQ7FjRGTy' }, 0]]);
    expect(startOn('/collection/tracks').asked).toEqual([[{ kind: 'liked' }, 0]]);
  });

  it('asks nothing on pages that show no whole list (artist, search, home)', () => {
    for (const path of ['/artist/0TnOYISbd1XYRBk9myaseg', '/search/abc/tracks', '/']) expect(startOn(path).asked, path).toEqual([]);
  });

  it('asks page after page, one at a time, until the background says there is no next page; each page goes into the tab\'s results store', async () => {
    const [a, b] = [trackId(1), trackId(2)];
    const { asked, store } = startOn('/playlist/abc', async (_list, from) => (from === 0 ? { results: [{ trackId: a, status: 'unknown' }], next: 250 } : { results: [{ trackId: b, status: 'unknown' }], next: null }));
    expect(asked.map(([, from]) => from)).toEqual([0]);
    await settle();
    expect(asked.map(([, from]) => from)).toEqual([0, 250]);
    expect(store.state(a)).toEqual({ trackId: a, status: 'unknown' });
    expect(store.state(b)).toEqual({ trackId: b, status: 'unknown' });
  });

  it('leaving the page stops asking for more pages, but keeps the page that was on its way', async () => {
    const a = trackId(1);
    const page = new AbortController();
    let release: () => void = () => {};
    const { asked, store } = startOn('/playlist/abc', (_list, from) => new Promise((resolve) => (release = () => resolve({ results: [{ trackId: a, status: 'unknown' }], next: from + 250 }))), page.signal);
    page.abort();
    release();
    await settle();
    expect(asked.map(([, from]) => from)).toEqual([0]);
    expect(store.state(a)).toEqual({ trackId: a, status: 'unknown' });
  });

  it('a failed warm start is a warning and nothing else', async () => {
    const failed = startOn('/playlist/abc', async () => Promise.reject(new Error('Could not establish connection')));
    await settle();
    expect(failed.log.warn).toHaveBeenCalledWith('Playlist Predictor: no warm start for this list (Could not establish connection)');
  });
});
