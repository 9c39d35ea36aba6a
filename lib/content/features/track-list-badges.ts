import { keepBadgesInSync, type BadgeFeatureDeps } from '../badge-slots';
import type { Feature } from '../features';

/**
 * Badges on every row of the page's track list (playlist, album, Liked Songs, artist top tracks,
 * search, queue); the page type says where its rows are. Reconciled in the same callback as the
 * DOM change that caused it (rows drawn, reused for other tracks, removed), so a reused row never
 * shows its previous track's badge.
 */
export function createTrackListBadges(deps: BadgeFeatureDeps): Feature {
  return {
    id: 'track-list-badges',
    pageTypes: ['playlist', 'album', 'liked-songs', 'artist', 'search', 'queue'],
    init(signal, { pageType }) {
      if (pageType) keepBadgesInSync(deps, signal, (doc) => pageType.trackRows(doc));
    },
  };
}
