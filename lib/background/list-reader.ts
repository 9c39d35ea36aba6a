import { z } from 'zod';
import { scopeSet, type SpotifyActionScope } from '@/lib/background/auth/spotify-auth';
import type { ActionAccount } from '@/lib/background/save-service';
import { SpotifyApiError, type SpotifyClient } from '@/lib/background/spotify-client';
import { MAX_SAVE_TRACKS, SEEN_MAX_ARTISTS, SEEN_NAME_MAX_LENGTH, type ApiList, type PanelNotice, type ReadJobView, type ReadTrack } from '@/lib/shared/messaging';
import { TrackIdSchema } from '@/lib/shared/track-id';
import { normalizeDurationMs } from '@/model/duration';
import { errorMessage } from '@/lib/shared/error-message';

/**
 * Whole lists through the Spotify Web API (issue 12), paged, with the February 2026 endpoints
 * (shared/notes/platform.md): `GET /v1/playlists/{id}/items` (scope `playlist-read-private`),
 * `GET /v1/albums/{id}/tracks` (no scope), `GET /v1/me/tracks` for Liked Songs (scope
 * `user-library-read`). A development-mode app may be refused some of these (403): the read then
 * ends as a `fallback`, and the page's panel reads the list by scrolling instead, saying why.
 */

/** Items per page (the endpoints' maximum `limit`). */
export const READ_PAGE_LIMIT = 50;

/** The scope a list's read needs, if any (developer.spotify.com/documentation/web-api/concepts/scopes). */
export function scopeFor(list: ApiList): SpotifyActionScope | undefined {
  return list.kind === 'playlist' ? 'playlist-read-private' : list.kind === 'liked' ? 'user-library-read' : undefined;
}

/** A track object as the three endpoints give it; anything else (an episode, a local file, `null`) reads as no track. */
const TrackObjectSchema = z.object({
  id: TrackIdSchema,
  type: z.literal('track').optional(),
  name: z.string(),
  artists: z.array(z.object({ name: z.string() })),
  duration_ms: z.number().optional().catch(undefined),
});
/** One page: album tracks are track objects; playlist items carry `item` (before February 2026 `track`); saved tracks `track`. */
const PageSchema = z.object({
  items: z.array(z.unknown()),
  next: z.string().nullable(),
  total: z.number().int().nonnegative(),
});

/** The track in one page entry, or `null` when the entry holds none. */
function trackOf(entry: unknown, list: ApiList): ReadTrack | null {
  const candidate = list.kind === 'album' ? entry : typeof entry === 'object' && entry !== null ? (Reflect.get(entry, 'item') ?? Reflect.get(entry, 'track')) : undefined;
  const parsed = TrackObjectSchema.safeParse(candidate);
  if (!parsed.success) return null;
  const t = parsed.data;
  const durationMs = normalizeDurationMs(t.duration_ms);
  return { trackId: t.id, name: t.name.slice(0, SEEN_NAME_MAX_LENGTH), artists: t.artists.slice(0, SEEN_MAX_ARTISTS).map((a) => a.name.slice(0, SEEN_NAME_MAX_LENGTH)), ...(durationMs === null ? {} : { durationMs }) };
}

/** The API path of a list's page. */
function pagePath(list: ApiList, offset: number): string {
  const query = `limit=${READ_PAGE_LIMIT}&offset=${offset}`;
  if (list.kind === 'playlist') return `playlists/${encodeURIComponent(list.id)}/items?${query}`;
  if (list.kind === 'album') return `albums/${encodeURIComponent(list.id)}/tracks?${query}`;
  return `me/tracks?${query}`;
}

/** A whole-list read: the entries read, and how many the list holds. */
export interface WholeListRead {
  /** The entries in list order (`null` where an entry holds no track); at most {@link MAX_SAVE_TRACKS}. */
  readonly tracks: (ReadTrack | null)[];
  /**
   * The list's length as Spotify's last page gave it (`total`), or the entries read if more:
   * above `tracks.length` when the list is longer than one read takes ({@link MAX_SAVE_TRACKS}).
   */
  readonly total: number;
}

/**
 * Reads the entries of `list` in order, up to {@link MAX_SAVE_TRACKS} (a longer list, such as a
 * large Liked Songs, is read from its start and its `total` says how much is left out).
 * @throws SpotifyApiError (a 403 included) / SpotifyAuthError as {@link SpotifyClient.call}.
 */
export async function readWholeList(client: SpotifyClient, list: ApiList): Promise<WholeListRead> {
  const tracks: (ReadTrack | null)[] = [];
  let total = 0;
  for (let offset = 0; offset < MAX_SAVE_TRACKS; offset += READ_PAGE_LIMIT) {
    const page = await client.call((api) => api.makeRequest('GET', pagePath(list, offset)), PageSchema);
    total = page.total;
    for (const entry of page.items.slice(0, MAX_SAVE_TRACKS - tracks.length)) tracks.push(trackOf(entry, list));
    if (page.next === null || page.items.length === 0 || tracks.length >= page.total) break;
  }
  return { tracks, total: Math.max(total, tracks.length) };
}

/** What the read service needs. */
export interface ReadServiceDeps {
  readonly client: SpotifyClient;
  readonly account: ActionAccount;
  /** Opens the confirmation window (`save.html?read=<id>`). */
  readonly openConfirmation: (jobId: string) => Promise<void>;
  /** Sends the result to the tab the read was asked from (`tabs.sendMessage`). */
  readonly notifyTab: (tabId: number, notice: PanelNotice) => Promise<void>;
  readonly newId?: () => string;
}

/** The whole-list read service: prepare (from the panel), view and start (from the window). */
export interface ReadService {
  prepare(list: ApiList, listName: string, tabId: number | undefined): Promise<string>;
  view(jobId: string): Promise<ReadJobView>;
  /** Asks for the scope if needed, reads, and sends the tracks (or the refusal) to the tab. */
  start(jobId: string): Promise<ReadJobView>;
}

interface ReadJob {
  readonly id: string;
  readonly list: ApiList;
  readonly listName: string;
  readonly tabId: number;
  state: ReadJobView['state'];
  count?: number;
  total?: number;
  reason?: string;
}

/** Most read jobs kept in memory. */
const MAX_READ_JOBS = 5;

/** Creates the {@link ReadService} (jobs in memory: a read is cheap to ask again). */
export function createReadService(deps: ReadServiceDeps): ReadService {
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const jobs = new Map<string, ReadJob>();
  const find = (id: string): ReadJob => {
    const job = jobs.get(id);
    if (!job) throw new Error('This read is no longer known: start it again from the list.');
    return job;
  };
  const view = async (job: ReadJob): Promise<ReadJobView> => {
    const { connected, scope } = await deps.account.connection();
    const needed = scopeFor(job.list);
    return {
      id: job.id,
      listName: job.listName,
      list: job.list,
      state: job.state,
      ...(job.count === undefined ? {} : { count: job.count }),
      ...(job.total === undefined ? {} : { total: job.total }),
      ...(job.reason === undefined ? {} : { reason: job.reason }),
      connected,
      scope: needed ?? '',
      needsScope: needed !== undefined && !scopeSet(scope).has(needed),
    };
  };
  return {
    async prepare(list, listName, tabId) {
      if (tabId === undefined) throw new Error('a whole-list read must come from a Spotify tab');
      const job: ReadJob = { id: newId(), list, listName, tabId, state: 'ready' };
      jobs.set(job.id, job);
      for (const old of [...jobs.keys()].slice(0, Math.max(0, jobs.size - MAX_READ_JOBS))) jobs.delete(old);
      await deps.openConfirmation(job.id);
      return job.id;
    },
    view: (id) => view(find(id)),
    async start(id) {
      const job = find(id);
      if (job.state === 'reading' || job.state === 'done') return view(job);
      if (!(await deps.account.connection()).connected) throw new Error('Spotify is not connected: connect your Spotify app in the options first.');
      job.state = 'reading';
      try {
        const scope = scopeFor(job.list);
        if (scope) await deps.account.ensureScopes([scope]);
        const { tracks, total } = await readWholeList(deps.client, job.list);
        await deps.notifyTab(job.tabId, { type: 'playlist-predictor:list', jobId: job.id, list: job.list, tracks, total });
        job.state = 'done';
        job.count = tracks.length;
        job.total = total;
      } catch (error) {
        const message = errorMessage(error);
        if (error instanceof SpotifyApiError && error.status === 403) {
          job.state = 'fallback';
          job.reason = `Spotify refused to read this list for your app (${message}); the panel reads it by scrolling instead.`.slice(0, 500);
          await deps.notifyTab(job.tabId, { type: 'playlist-predictor:list-refused', jobId: job.id, list: job.list, reason: job.reason }).catch(() => undefined);
        } else {
          job.state = 'failed';
          job.reason = `Could not read the list: ${message}`.slice(0, 500);
        }
      }
      return view(job);
    },
  };
}
