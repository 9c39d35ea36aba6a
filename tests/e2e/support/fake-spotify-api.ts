import type { BrowserContext, Route } from '@playwright/test';
import type { AudioFeatures } from '../../../model/features';

/** A track the fake Spotify search knows. */
export interface SearchableTrack {
  readonly id: string;
  readonly name: string;
  readonly artists: readonly string[];
}

/**
 * Spotify's Web API answered at the network level (`context.route` reaches the service worker):
 * `GET /v1/audio-features?ids=` (`{audio_features: [features | null]}`, in request order) and
 * `GET /v1/search?type=track` (limit above 10 is a 400, as since February 2026). Requests need a
 * bearer token that `isValidToken` accepts. With `audioFeaturesForbidden`, audio features answer
 * 403 with Spotify's bare body, as for apps created after 2024-11-27 (shared/notes/platform.md).
 * Both answers carry each track's `duration_ms` from `durations` (left out for a track without one).
 */
export class FakeSpotifyApi {
  readonly audioFeatureRequests: string[][] = [];
  readonly searchRequests: URLSearchParams[] = [];
  audioFeaturesForbidden = false;

  constructor(
    private readonly features: ReadonlyMap<string, AudioFeatures>,
    private readonly catalogue: readonly SearchableTrack[],
    private readonly isValidToken: (token: string) => boolean,
    private readonly durations: ReadonlyMap<string, number> = new Map(),
  ) {}

  private durationOf(id: string): { duration_ms?: number } {
    const ms = this.durations.get(id);
    return ms === undefined ? {} : { duration_ms: ms };
  }

  async install(context: BrowserContext): Promise<void> {
    await context.route('https://api.spotify.com/**', (route) => this.handle(route));
  }

  private async handle(route: Route): Promise<void> {
    const request = route.request();
    const url = new URL(request.url());
    const json = (status: number, body: unknown) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
    const token = /^Bearer (.+)$/.exec((await request.headerValue('authorization')) ?? '')?.[1];
    if (!token || !this.isValidToken(token)) return json(401, { error: { status: 401, message: 'Invalid access token' } });
    if (url.pathname === '/v1/audio-features') {
      const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
      this.audioFeatureRequests.push(ids);
      if (this.audioFeaturesForbidden) return json(403, { error: { status: 403 } });
      return json(200, {
        audio_features: ids.map((id) => {
          const f = this.features.get(id);
          return f ? { ...f, id, type: 'audio_features', uri: `spotify:track:${id}`, ...this.durationOf(id), time_signature: 4 } : null;
        }),
      });
    }
    if (url.pathname === '/v1/search') {
      this.searchRequests.push(url.searchParams);
      const limit = Number(url.searchParams.get('limit') ?? '20');
      if (limit > 10) return json(400, { error: { status: 400, message: 'Invalid limit' } });
      const words = (url.searchParams.get('q') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
      const items = this.catalogue
        .filter((t) => words.every((w) => `${t.name} ${t.artists.join(' ')}`.toLowerCase().includes(w)))
        .slice(0, limit)
        .map((t) => ({
          id: t.id,
          name: t.name,
          type: 'track',
          uri: `spotify:track:${t.id}`,
          artists: t.artists.map((name, i) => ({ id: `artist${i}`, name, type: 'artist', uri: `spotify:artist:artist${i}` })),
          album: { id: 'album1', name: 'Fake album', images: [] },
          ...this.durationOf(t.id),
        }));
      return json(200, { tracks: { href: url.toString(), items, limit, offset: 0, total: items.length, next: null, previous: null } });
    }
    return json(404, { error: { status: 404, message: 'Service not found' } });
  }
}
