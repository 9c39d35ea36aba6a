import { keepBadgesInSync, type BadgeFeatureDeps } from '../badge-slots';
import type { Feature } from '../features';
import { readNowPlaying } from '../spotify-dom';

/**
 * A badge for the playing track in the now-playing bar, on every page. It follows the track as it
 * changes (Spotify rewrites the bar's links in place) and disappears when nothing, or something
 * other than a track, is playing. Reading the bar is a few selector lookups, and a sync while the
 * track stays changes nothing, so it runs on every DOM change.
 */
export function createNowPlayingBadge(deps: BadgeFeatureDeps): Feature {
  return {
    id: 'now-playing-badge',
    pageTypes: 'every-page',
    init(signal) {
      keepBadgesInSync(deps, signal, (doc) => {
        const playing = readNowPlaying(doc);
        return playing ? [playing] : [];
      });
    },
  };
}
