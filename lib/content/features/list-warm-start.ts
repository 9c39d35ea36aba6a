import type { ApiList, TrackResult } from '@/lib/shared/messaging';
import type { Feature } from '../features';
import { apiListOf } from '../page-type';
import type { ResultsStore } from '../results-store';

/**
 * The warm start of a list page (playlist, album, Liked Songs): as the page starts, before
 * Spotify draws its rows, the background is asked once for the results it already has for the
 * list's tracks (`warmList`: the tracks reported for this list before, in any tab, whose audio
 * features are cached), and the tab's results store takes them. A row of such a track then
 * shows its final badge when it is drawn, instead of `loading` for one round trip after it
 * (issue 8's cached revisit). Nothing is added to the page; tracks the background has no answer
 * for are asked for as usual, when their rows are drawn.
 */

/** What the feature needs. */
export interface ListWarmStartDeps {
  readonly store: Pick<ResultsStore, 'warm'>;
  /** Asks the background for the list's cached results (`warmList`); rejects when it cannot. */
  readonly warmList: (list: ApiList) => Promise<readonly TrackResult[]>;
  readonly log?: Pick<Console, 'warn'>;
}

/** Creates the feature. */
export function createListWarmStart(deps: ListWarmStartDeps): Feature {
  return {
    id: 'list-warm-start',
    pageTypes: ['playlist', 'album', 'liked-songs'],
    init(_signal, { pageType, pathname }) {
      const list = pageType && apiListOf(pageType.id, pathname);
      if (!list) return;
      // Answers stay true after the page goes (the store is the tab's), so the request is not aborted.
      deps.store.warm(() => deps.warmList(list)).catch((error: unknown) => (deps.log ?? console).warn('Playlist Predictor: no warm start for this list', error));
    },
  };
}
