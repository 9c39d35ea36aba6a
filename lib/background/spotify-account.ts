import type { SpotifyAuth } from '@/lib/background/auth/spotify-auth';
import type { FeatureCacheStore } from '@/lib/background/cache';
import type { SpotifyAccount } from '@/lib/background/message-handlers';
import type { SpotifySearch } from '@/lib/background/spotify-search';

/** What {@link createSpotifyAccount} wires together. */
export interface SpotifyAccountDeps {
  readonly auth: Pick<SpotifyAuth, 'redirectUri' | 'status' | 'connect' | 'disconnect'>;
  readonly search: SpotifySearch;
  readonly cache: Pick<FeatureCacheStore, 'clearUnknown'>;
  /** The client ID saved in the settings, shown while not connected (`null`: none). */
  readonly savedClientId: () => Promise<string | null>;
}

/**
 * The user's Spotify connection as the message handlers see it ({@link SpotifyAccount}), over the
 * auth, the search and the feature cache. Not connected: the settings' client ID and availability
 * `unknown`. Connecting also forgets the cached "unknown" answers, so tracks ReccoBeats did not
 * know are asked again at once (Spotify may know them), not in a day.
 */
export function createSpotifyAccount(deps: SpotifyAccountDeps): SpotifyAccount {
  return {
    redirectUri: () => deps.auth.redirectUri(),
    async status() {
      const s = await deps.auth.status();
      return s.connected
        ? { clientId: s.clientId, connected: true, audioFeatures: s.audioFeatures, problem: s.problem }
        : { clientId: await deps.savedClientId(), connected: false, audioFeatures: { state: 'unknown' }, problem: s.problem };
    },
    async connect(clientId) {
      await deps.auth.connect(clientId);
      await deps.cache.clearUnknown();
    },
    disconnect: () => deps.auth.disconnect(),
    searchTracks: (query, limit) => deps.search.searchTracks(query, { limit }),
  };
}
