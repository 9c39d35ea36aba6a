import type { ApiList, TrackResult } from '@/lib/shared/messaging';
import { errorMessage } from '@/lib/shared/error-message';
import type { Feature } from '../features';
import { apiListOf } from '../page-type';
import type { ResultsStore } from '../results-store';

/**
 * The warm start of a list page (playlist, album, Liked Songs): as the page starts, before
 * Spotify draws its rows, the background is asked for the results it already has for the
 * list's tracks (`warmList`: the tracks reported for this list before, in any tab, whose audio
 * features are cached), page by page from the top of the list, one page at a time, and the
 * tab's results store takes each page. A row of such a track then shows its final badge when it
 * is drawn, instead of `loading` for one round trip after it (issue 8's cached revisit).
 * Nothing is added to the page; tracks the background has no answer for are asked for as usual,
 * when their rows are drawn. Leaving the page stops asking for more pages.
 */

/** What the feature needs. */
export interface ListWarmStartDeps {
  readonly store: Pick<ResultsStore, 'warm'>;
  /**
   * Asks the background for one page of the list's cached results (`warmList`, the page starting
   * at remembered track `from`): the results and the next page's `from`, or `null` after the
   * last. Rejects when it cannot.
   */
  readonly warmList: (list: ApiList, from: number) => Promise<{ readonly results: readonly TrackResult[]; readonly next: number | null }>;
  readonly log?: Pick<Console, 'warn'>;
}

/** Creates the feature. */
export function createListWarmStart(deps: ListWarmStartDeps): Feature {
  return {
    id: 'list-warm-start',
    pageTypes: ['playlist', 'album', 'liked-songs'],
    init(signal, { pageType, pathname }) {
      const list = pageType && apiListOf(pageType.id, pathname);
      if (!list) return;
      const warmFrom = async (from: number): Promise<void> => {
        const page = deps.warmList(list, from);
        // A page that arrives after the page was left still goes into the store (the tab's: its
        // answers stay true); only further pages are not asked for.
        await deps.store.warm(async () => (await page).results);
        const { next } = await page;
        if (next !== null && !signal.aborted) await warmFrom(next);
      };
      warmFrom(0).catch((error: unknown) => (deps.log ?? console).warn(`Playlist Predictor: no warm start for this list (${errorMessage(error)})`));
    },
  };
}
