import { describe, expect, it, vi } from 'vitest';
import { createListWarmStart } from '@/lib/content/features/list-warm-start';
import { PAGE_TYPES } from '@/lib/content/pages';
import { pageTypeOf } from '@/lib/content/page-type';
import { createResultsStore } from '@/lib/content/results-store';
import type { ApiList, TrackResult } from '@/lib/shared/messaging';
import { trackId } from './support/fixtures';

/** Starts the feature as the runner would on `pathname`, when the feature applies there; returns what the background was asked. */
async function startOn(pathname: string, answer: (list: ApiList) => Promise<readonly TrackResult[]> = async () => []) {
  const asked: ApiList[] = [];
  const log = { warn: vi.fn() };
  const store = createResultsStore({ classify: async (ids) => ids.map((id) => ({ trackId: id, status: 'unknown' as const })) });
  const feature = createListWarmStart({
    store,
    warmList: (list) => {
      asked.push(list);
      return answer(list);
    },
    log,
  });
  const pageType = pageTypeOf(pathname, PAGE_TYPES);
  if (pageType && feature.pageTypes !== 'every-page' && feature.pageTypes.includes(pageType.id)) feature.init(new AbortController().signal, { pageType, pathname });
  // The answer (or the failure) settles in later microtasks.
  await new Promise((resolve) => setTimeout(resolve, 0));
  return { asked, log, store };
}

describe('list warm start', () => {
  it('asks once for the list the page shows: a playlist, an album, Liked Songs', async () => {
    expect((await startOn('/playlist/37i9dQZF1DXcBWIGoYBM5M')).asked).toEqual([{ kind: 'playlist', id: '37i9dQZF1DXcBWIGoYBM5M' }]);
    expect((await startOn('/album/4aawyAB9vmqN3uQ7FjRGTy')).asked).toEqual([{ kind: 'album', id: '4aawyAB9vmqN3uQ7FjRGTy' }]);
    expect((await startOn('/collection/tracks')).asked).toEqual([{ kind: 'liked' }]);
  });

  it('asks nothing on pages that show no whole list (artist, search, home)', async () => {
    for (const path of ['/artist/0TnOYISbd1XYRBk9myaseg', '/search/abc/tracks', '/']) expect((await startOn(path)).asked, path).toEqual([]);
  });

  it('the answers go into the tab\'s results store; a failed warm start is a warning and nothing else', async () => {
    const a = trackId(1);
    const { store } = await startOn('/playlist/abc', async () => [{ trackId: a, status: 'unknown' }]);
    expect(store.state(a)).toEqual({ trackId: a, status: 'unknown' });
    const failed = await startOn('/playlist/abc', async () => Promise.reject(new Error('Could not establish connection')));
    expect(failed.log.warn).toHaveBeenCalledWith('Playlist Predictor: no warm start for this list', expect.objectContaining({ message: 'Could not establish connection' }));
  });
});
