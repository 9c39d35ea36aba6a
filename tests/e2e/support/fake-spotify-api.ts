import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BrowserContext } from '@playwright/test';
import type { AudioFeatures } from '../../../model/features';

/** One request to the fake Web API, whichever way it arrived (Playwright's routing or a Node server). */
export interface ApiRequest {
  readonly method: string;
  readonly url: URL;
  /** The `Authorization` header, if any. */
  readonly authorization: string | undefined;
  /** The JSON body, parsed (`undefined` without one). */
  readonly body: unknown;
}

/** The fake's answer: a status and a JSON body, or `drop` (the connection is reset, the answer lost). */
export type ApiAnswer = { readonly status: number; readonly body: unknown } | 'drop';

/** A track the fake Spotify search knows. */
export interface SearchableTrack {
  readonly id: string;
  readonly name: string;
  readonly artists: readonly string[];
}

/**
 * Spotify's Web API answered at the network level (`context.route` reaches the service worker; or
 * a Node HTTPS server's requests through {@link handleHttp}, as in the Firefox harness):
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
  /**
   * Playlists created through `POST /v1/me/playlists` (issue 12), by ID: what was asked for and
   * the items added through `POST /v1/playlists/{id}/items`, in order.
   */
  readonly playlists = new Map<string, { name: string; public: boolean; description: string; items: string[] }>();
  /** Every add request's URIs, in order (including failed ones). */
  readonly addRequests: string[][] = [];
  /** Item reads (`GET /v1/playlists/{id}/items`), as `offset` values. */
  readonly itemReads: number[] = [];
  /**
   * What the next add requests meet, one entry each: `500` answers 500 without adding; `drop`
   * adds the items and then fails the request at the network level (the answer is lost).
   */
  readonly addFaults: ('500' | 'drop' | undefined)[] = [];
  /** Lists of the user's library the Web API serves whole (`GET /v1/playlists/{id}/items`), by playlist ID. */
  readonly sourceLists = new Map<string, readonly SearchableTrack[]>();
  /** Reading a source list answers 403, as a development-mode app may be refused (issue 12). */
  readForbidden = false;
  /** Reads of source lists, as `playlistId@offset`. */
  readonly sourceReads: string[] = [];

  constructor(
    private readonly features: ReadonlyMap<string, AudioFeatures>,
    private readonly catalogue: readonly SearchableTrack[],
    private readonly isValidToken: (token: string) => boolean,
    private readonly durations: ReadonlyMap<string, number> = new Map(),
    /** The scopes a token grants (space-separated); playlist writes need `playlist-modify-private`. */
    private readonly scopesOf: (token: string) => string = () => '',
  ) {}

  private durationOf(id: string): { duration_ms?: number } {
    const ms = this.durations.get(id);
    return ms === undefined ? {} : { duration_ms: ms };
  }

  async install(context: BrowserContext): Promise<void> {
    await context.route('https://api.spotify.com/**', async (route) => {
      const request = route.request();
      const answer = await this.answer({ method: request.method(), url: new URL(request.url()), authorization: (await request.headerValue('authorization')) ?? undefined, body: request.postData() ? request.postDataJSON() : undefined });
      if (answer === 'drop') return route.abort('connectionreset');
      return route.fulfill({ status: answer.status, contentType: 'application/json', body: JSON.stringify(answer.body) });
    });
  }

  /** Answers one request that a Node HTTP(S) server received for api.spotify.com (see {@link answer}). */
  async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const answer = await this.answer({ method: req.method ?? 'GET', url: new URL(req.url ?? '/', 'https://api.spotify.com'), authorization: req.headers.authorization, body: text === '' ? undefined : JSON.parse(text) });
    if (answer === 'drop') return void req.socket.destroy();
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  }

  /** The fake's answer to `request` (see the class comment); it records what it was asked. */
  async answer(request: ApiRequest): Promise<ApiAnswer> {
    const { url } = request;
    const json = (status: number, body: unknown): ApiAnswer => ({ status, body });
    const token = /^Bearer (.+)$/.exec(request.authorization ?? '')?.[1];
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
    const items = /^\/v1\/playlists\/([0-9A-Za-z]+)\/items$/.exec(url.pathname);
    const canModify = this.scopesOf(token).split(' ').includes('playlist-modify-private');
    if (url.pathname === '/v1/me/playlists' && request.method === 'POST') {
      if (!canModify) return json(403, { error: { status: 403, message: 'Insufficient client scope' } });
      const body = (request.body ?? {}) as { name?: string; public?: boolean; description?: string };
      const id = `pl${String(this.playlists.size + 1).padStart(20, '0')}`;
      this.playlists.set(id, { name: body.name ?? '', public: body.public ?? true, description: body.description ?? '', items: [] });
      return json(201, { id, name: body.name, public: body.public, type: 'playlist', external_urls: { spotify: `https://open.spotify.com/playlist/${id}` } });
    }
    if (items && request.method === 'POST') {
      if (!canModify) return json(403, { error: { status: 403, message: 'Insufficient client scope' } });
      const playlist = this.playlists.get(items[1] ?? '');
      if (!playlist) return json(404, { error: { status: 404, message: 'Resource not found' } });
      const uris = ((request.body ?? {}) as { uris?: string[] }).uris ?? [];
      this.addRequests.push(uris);
      if (uris.length > 100) return json(400, { error: { status: 400, message: 'Too many ids requested' } });
      const fault = this.addFaults.shift();
      if (fault === '500') return json(500, { error: { status: 500, message: 'Server error' } });
      playlist.items.push(...uris);
      if (fault === 'drop') return 'drop';
      return json(201, { snapshot_id: `snap${playlist.items.length}` });
    }
    const source = items ? this.sourceLists.get(items[1] ?? '') : undefined;
    if (items && source && request.method === 'GET') {
      const offset = Number(url.searchParams.get('offset') ?? '0');
      this.sourceReads.push(`${items[1] ?? ''}@${offset}`);
      if (!this.scopesOf(token).split(' ').includes('playlist-read-private')) return json(403, { error: { status: 403, message: 'Insufficient client scope' } });
      if (this.readForbidden) return json(403, { error: { status: 403, message: 'Forbidden' } });
      return json(200, itemsPage(url, source, (t) => ({ id: t.id, type: 'track', uri: `spotify:track:${t.id}`, name: t.name, artists: t.artists.map((name) => ({ name })), ...this.durationOf(t.id) })));
    }
    if (items && request.method === 'GET') {
      const playlist = this.playlists.get(items[1] ?? '');
      if (!playlist) return json(404, { error: { status: 404, message: 'Resource not found' } });
      this.itemReads.push(Number(url.searchParams.get('offset') ?? '0'));
      return json(200, itemsPage(url, playlist.items, (uri) => ({ uri, type: 'track', id: uri.split(':')[2] })));
    }
    return json(404, { error: { status: 404, message: 'Service not found' } });
  }
}

/**
 * One page of `GET /v1/playlists/{id}/items` over `all` as Spotify pages it (`limit` at most 50,
 * default 20; `offset`; `next` until the end; each entry's track under `item`, February 2026).
 */
function itemsPage<T>(url: URL, all: readonly T[], track: (value: T) => Record<string, unknown>) {
  const limit = Math.min(50, Number(url.searchParams.get('limit') ?? '20'));
  const offset = Number(url.searchParams.get('offset') ?? '0');
  const items = all.slice(offset, offset + limit).map((value) => ({ added_at: '2026-12-05T00:00:00Z', item: track(value) }));
  const next = offset + limit < all.length ? `${url.origin}${url.pathname}?limit=${limit}&offset=${offset + limit}` : null;
  return { items, next, total: all.length, limit, offset };
}
