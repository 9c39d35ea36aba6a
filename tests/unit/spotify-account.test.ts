import { describe, expect, it, vi } from 'vitest';
import { createSpotifyAccount, type SpotifyAccountDeps } from '@/lib/background/spotify-account';

function deps(connected: boolean): SpotifyAccountDeps & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    auth: {
      redirectUri: () => 'https://x.chromiumapp.org/',
      status: async () =>
        connected
          ? { connected: true, problem: null, clientId: 'c'.repeat(32), scope: '', connectedAt: 1, accessTokenExpiresAt: 2, audioFeatures: { state: 'available', checkedAt: 3 } }
          : { connected: false, problem: 'connect again' },
      connect: vi.fn(async () => (events.push('connect'), { connected: false as const, problem: null })),
      disconnect: vi.fn(async () => void events.push('disconnect')),
    },
    search: { searchTracks: vi.fn(async () => []) },
    cache: { clearUnknown: vi.fn(async () => (events.push('clearUnknown'), 0)) },
    savedClientId: async () => 'saved-client-id',
  };
}

describe('createSpotifyAccount', () => {
  it("reports the auth's connection, or the saved client ID and an unknown availability while not connected", async () => {
    expect(await createSpotifyAccount(deps(true)).status()).toEqual({ clientId: 'c'.repeat(32), connected: true, audioFeatures: { state: 'available', checkedAt: 3 }, problem: null });
    expect(await createSpotifyAccount(deps(false)).status()).toEqual({ clientId: 'saved-client-id', connected: false, audioFeatures: { state: 'unknown' }, problem: 'connect again' });
  });

  it('forgets the cached unknown answers after connecting, and searches with the given limit', async () => {
    const d = deps(false);
    const account = createSpotifyAccount(d);
    await account.connect('c'.repeat(32));
    expect(d.events).toEqual(['connect', 'clearUnknown']);
    await account.searchTracks('song', 7);
    expect(d.search.searchTracks).toHaveBeenCalledWith('song', { limit: 7 });
  });
});
