import { scopeSet, type SpotifyActionScope, type SpotifyAuth } from '@/lib/background/auth/spotify-auth';
import { playlistDescription, playlistName, runSaveJob, SaveJobSchema, type SaveJob, type SaveJobStore } from '@/lib/background/playlist-saver';
import type { PlaylistsApi } from '@/lib/background/spotify-playlists';
import type { PrepareSaveRequest, SaveJobView } from '@/lib/shared/messaging';
import { getTheme } from '@/model/themes';

/**
 * "Save as new playlist" (issue 12), as the background runs it: the panel's selection becomes a
 * stored job and a confirmation window opens (`prepareSave`, which the content script may send:
 * it only opens the window); the window shows the job (`saveJob`) and, when the user confirms,
 * starts it (`startSave`, extension pages only), which first asks Spotify for the
 * `playlist-modify-private` scope if the connection lacks it, then runs the job
 * (`playlist-saver.ts`). Jobs live in `storage.session`, so a restarted background can resume one.
 */

/** The scope saving needs (developer.spotify.com/documentation/web-api/concepts/scopes). */
export const SAVE_SCOPE: SpotifyActionScope = 'playlist-modify-private';
/** Most jobs kept (the oldest are dropped). */
export const MAX_KEPT_JOBS = 5;

/** The Spotify connection as the account actions (saving, whole-list reads) need it. */
export interface ActionAccount {
  /** Whether connected, and the granted scopes (space-separated). */
  connection(): Promise<{ connected: boolean; scope: string }>;
  /** Asks Spotify for the scopes if not granted (the PKCE flow); see `SpotifyAuth.ensureScopes`. */
  ensureScopes(scopes: readonly SpotifyActionScope[]): Promise<void>;
}

/** The {@link ActionAccount} of a {@link SpotifyAuth}: its status's connection and granted scopes, and its scope escalation. */
export function actionAccountOf(auth: Pick<SpotifyAuth, 'status' | 'ensureScopes'>): ActionAccount {
  return {
    connection: async () => {
      const status = await auth.status();
      return { connected: status.connected, scope: status.connected ? status.scope : '' };
    },
    ensureScopes: (scopes) => auth.ensureScopes(scopes),
  };
}

/** What {@link createSaveService} needs. */
export interface SaveServiceDeps {
  readonly account: ActionAccount;
  readonly api: PlaylistsApi;
  readonly jobs: SaveJobStore;
  /** Opens the confirmation window for a job (`browser.windows.create` of `save.html?job=<id>`). */
  readonly openConfirmation: (jobId: string) => Promise<void>;
  readonly now?: () => number;
  readonly newId?: () => string;
  readonly retry?: Parameters<typeof runSaveJob>[1]['retry'];
}

/** The save service. */
export interface SaveService {
  /** Stores the selection as a `ready` job and opens its confirmation window; resolves with the job's ID. */
  prepare(request: PrepareSaveRequest): Promise<string>;
  /** The job as the window shows it. @throws Error when there is no such job (expired with the browser session). */
  view(jobId: string): Promise<SaveJobView>;
  /**
   * Saves (or resumes) the job under `name`: the scope first, then the playlist; resolves when it
   * is `done` or `failed` (the view says why). A job already saving is not started twice.
   * @throws Error when there is no such job, or Spotify is not connected.
   */
  start(jobId: string, name: string): Promise<SaveJobView>;
}

/** Creates the {@link SaveService}. */
export function createSaveService(deps: SaveServiceDeps): SaveService {
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const running = new Map<string, Promise<SaveJob>>();

  async function load(jobId: string): Promise<SaveJob> {
    const job = await deps.jobs.load(jobId);
    if (!job) throw new Error('This save is no longer known (the browser was restarted): start it again from the list.');
    return job;
  }

  async function view(job: SaveJob): Promise<SaveJobView> {
    const { connected, scope } = await deps.account.connection();
    return {
      id: job.id,
      name: job.name,
      description: job.description,
      count: job.uris.length,
      preview: job.preview,
      added: job.added,
      state: job.state,
      ...(job.error === undefined ? {} : { error: job.error }),
      ...(job.playlist ? { playlistUrl: job.playlist.url } : {}),
      connected,
      needsScope: !scopeSet(scope).has(SAVE_SCOPE),
    };
  }

  return {
    async prepare(request) {
      const themeNames = request.themes.map((t) => getTheme(t).name);
      const seen = new Set<string>();
      const tracks = request.tracks.filter((t) => !seen.has(t.trackId) && seen.add(t.trackId));
      const job = SaveJobSchema.parse({
        id: newId(),
        name: playlistName(request.listName, themeNames),
        description: playlistDescription(request.listName, themeNames, tracks.length, new Date(now())),
        uris: tracks.map((t) => `spotify:track:${t.trackId}`),
        preview: tracks.slice(0, 5).map((t) => (t.artists.length > 0 ? `${t.name || t.trackId} — ${t.artists.join(', ')}` : t.name || t.trackId).slice(0, 300)),
        added: 0,
        unsure: false,
        state: 'ready',
        createdAt: now(),
      });
      await deps.jobs.save(job);
      await deps.openConfirmation(job.id);
      return job.id;
    },

    async view(jobId) {
      return view(await load(jobId));
    },

    async start(jobId, name) {
      const existing = running.get(jobId);
      if (existing) return view(await existing);
      const job = await load(jobId);
      if (job.state === 'done') return view(job);
      const { connected } = await deps.account.connection();
      if (!connected) throw new Error('Spotify is not connected: connect your Spotify app in the options first.');
      const run = (async () => {
        await deps.account.ensureScopes([SAVE_SCOPE]);
        // The name can change until the playlist exists.
        const named = job.playlist ? job : { ...job, name };
        return runSaveJob(named, { api: deps.api, store: deps.jobs, ...(deps.retry ? { retry: deps.retry } : {}) });
      })();
      running.set(jobId, run);
      try {
        return await view(await run);
      } finally {
        running.delete(jobId);
      }
    },
  };
}

/**
 * A {@link SaveJobStore} over one storage item holding the latest {@link MAX_KEPT_JOBS} jobs
 * (each validated when read; an invalid one reads as absent).
 */
export function jobStoreOver(item: { getValue(): Promise<unknown>; setValue(value: SaveJob[]): Promise<void> }): SaveJobStore {
  const all = async (): Promise<SaveJob[]> => {
    const value = await item.getValue();
    return Array.isArray(value) ? value.flatMap((v) => {
      const parsed = SaveJobSchema.safeParse(v);
      return parsed.success ? [parsed.data] : [];
    }) : [];
  };
  return {
    load: async (id) => (await all()).find((j) => j.id === id),
    save: async (job) => {
      const others = (await all()).filter((j) => j.id !== job.id);
      await item.setValue([...others, job].sort((a, b) => a.createdAt - b.createdAt).slice(-MAX_KEPT_JOBS));
    },
  };
}
