import pRetry, { AbortError } from 'p-retry';
import { z } from 'zod';
import { SpotifyApiError } from '@/lib/background/spotify-client';
import { MAX_URIS_PER_ADD, TrackUriSchema, type PlaylistsApi } from '@/lib/background/spotify-playlists';
import { errorMessage } from '@/lib/shared/error-message';
import { MAX_PLAYLIST_NAME_LENGTH, MAX_SAVE_TRACKS } from '@/lib/shared/save-limits';

/**
 * Saving a selection as a new private playlist (issue 12), so that a failure loses nothing and
 * duplicates nothing:
 *
 * 1. The job (name, description, URIs in list order, each once) is stored before anything is sent,
 *    and again after every step, so a stopped background resumes where it was.
 * 2. The playlist is created once; its ID is stored before any item is added.
 * 3. Items go in batches of at most {@link MAX_URIS_PER_ADD}, in order. Before a batch is sent the
 *    job is marked `unsure`; only an answer clears it.
 * 4. After any failure of a batch (429, 5xx, a lost answer, offline), the playlist's items are read
 *    back before going on: they must be the first N URIs of the job, and N is where it continues.
 *    A batch that was applied although its answer never came is therefore never sent twice.
 * 5. Retryable failures (429, 5xx, timeouts, network) are retried with backoff (`p-retry`); the
 *    rest (403, 400, the connection) stop the job as `failed` with the reason, to be resumed.
 */

/** A job's state: `ready` (confirmed by nobody yet), `saving`, `done`, or `failed` (resumable). */
export const SaveStateSchema = z.enum(['ready', 'saving', 'done', 'failed']);

/** A save job as stored (`storage.session`) and shown to the confirmation page. */
export const SaveJobSchema = z.object({
  id: z.string().regex(/^[0-9a-f-]{36}$/),
  name: z.string().min(1).max(MAX_PLAYLIST_NAME_LENGTH),
  description: z.string().max(300),
  /** The tracks to save, in list order, each once. */
  uris: z.array(TrackUriSchema).min(1).max(MAX_SAVE_TRACKS),
  /** Titles of the first tracks, for the confirmation (at most 5). */
  preview: z.array(z.string().max(300)).max(5),
  playlist: z.object({ id: z.string(), url: z.string() }).optional(),
  /** How many of `uris` are known to be in the playlist (its first `added`). */
  added: z.number().int().nonnegative(),
  /** A batch was sent and its outcome is not known: read the playlist back before going on. */
  unsure: z.boolean(),
  state: SaveStateSchema,
  /** Why the job stopped, for the user (`failed`). */
  error: z.string().max(500).optional(),
  createdAt: z.number(),
});
export type SaveJob = z.infer<typeof SaveJobSchema>;

/** Where jobs are kept between steps (and background restarts). */
export interface SaveJobStore {
  load(id: string): Promise<SaveJob | undefined>;
  save(job: SaveJob): Promise<void>;
}

/** Backoff of a failed step: 4 retries after 1, 2, 4 and 8 s (Spotify's 429s usually ask for a few seconds). */
export const SAVE_RETRY = { retries: 4, minTimeout: 1_000, factor: 2, maxTimeout: 8_000 } as const;

/** What {@link runSaveJob} needs. */
export interface SaveDeps {
  readonly api: PlaylistsApi;
  readonly store: SaveJobStore;
  /** Called with the job after every stored step (progress). */
  readonly onProgress?: (job: SaveJob) => void;
  /** p-retry options of each step (default {@link SAVE_RETRY}; tests shorten the waits). */
  readonly retry?: { readonly retries: number; readonly minTimeout: number; readonly factor: number; readonly maxTimeout: number };
}

/** Whether a failed call is worth asking again: rate limits, server errors, timeouts, network. */
export function isRetryableSaveError(error: unknown): boolean {
  if (!(error instanceof SpotifyApiError)) return false;
  if (error.kind === 'timeout' || error.kind === 'network') return true;
  return error.kind === 'http' && (error.status === 429 || (error.status ?? 0) >= 500);
}

/** A failure as a sentence for the user. */
function reason(error: unknown): string {
  return errorMessage(error).slice(0, 400);
}

/**
 * How many of `uris`, from the start, the playlist holds: `items` must be exactly `uris`' first N
 * (N ≤ `uris.length`).
 * @throws Error when the playlist holds anything else (it was changed by someone else meanwhile).
 */
export function savedPrefix(items: readonly string[], uris: readonly string[]): number {
  if (items.length > uris.length || items.some((uri, i) => uri !== uris[i])) {
    throw new Error(`the new playlist holds ${items.length} items that are not the first ones of the selection: was it changed meanwhile? Nothing more was added`);
  }
  return items.length;
}

/**
 * Runs (or resumes) `job` until it is `done` or `failed`; see the module comment. Resolves with
 * the final job (also stored); never rejects for an API failure (the job says why).
 */
export async function runSaveJob(initial: SaveJob, deps: SaveDeps): Promise<SaveJob> {
  const retry = deps.retry ?? SAVE_RETRY;
  let job: SaveJob = { ...initial, state: 'saving', error: undefined };
  const commit = async (next: SaveJob): Promise<void> => {
    job = next;
    await deps.store.save(job);
    deps.onProgress?.(job);
  };
  /** Runs `step` with backoff on retryable failures; others end the retries at once. */
  const withRetry = <T>(step: (attempt: number) => Promise<T>): Promise<T> =>
    pRetry(
      async (attempt) => {
        try {
          return await step(attempt);
        } catch (error) {
          if (isRetryableSaveError(error)) throw error;
          throw new AbortError(error instanceof Error ? error : new Error(String(error)));
        }
      },
      { ...retry },
    );

  try {
    await commit(job);
    let playlist = job.playlist;
    if (!playlist) {
      // Not retried after a lost answer: that would make a second playlist. Only a 429 or 5xx
      // (with an answer: nothing was created) is retried.
      const created = await withRetry(() => deps.api.createPrivatePlaylist(job.name, job.description));
      playlist = created;
      await commit({ ...job, playlist: created });
    }
    while (job.added < job.uris.length) {
      await withRetry(async () => {
        if (job.unsure) {
          const items = await deps.api.itemUris(playlist.id);
          await commit({ ...job, added: savedPrefix(items, job.uris), unsure: false });
          if (job.added >= job.uris.length) return;
        }
        const batch = job.uris.slice(job.added, job.added + MAX_URIS_PER_ADD);
        await commit({ ...job, unsure: true });
        await deps.api.addItems(playlist.id, batch);
        await commit({ ...job, added: job.added + batch.length, unsure: false });
      });
    }
    await commit({ ...job, state: 'done' });
  } catch (error) {
    const where = job.playlist ? `after ${job.added} of ${job.uris.length} tracks were saved` : 'before the playlist was created';
    await commit({ ...job, state: 'failed', error: `Stopped ${where}: ${reason(error)}` }).catch(() => undefined);
  }
  return job;
}

/**
 * The new playlist's name: `"<list name> · <Theme>"`, `"… · <Theme> + <Theme>"` for two themes,
 * `"… · 3 themes"` for more, `"…"` alone with none; the list name is shortened (with `…`) so the
 * whole stays within {@link MAX_PLAYLIST_NAME_LENGTH}.
 */
export function playlistName(listName: string, themeNames: readonly string[]): string {
  const suffix = themeNames.length === 0 ? '' : themeNames.length <= 2 ? ` · ${themeNames.join(' + ')}` : ` · ${themeNames.length} themes`;
  const base = listName.trim() === '' ? 'Spotify list' : listName.trim();
  const room = MAX_PLAYLIST_NAME_LENGTH - suffix.length;
  return (base.length > room ? `${base.slice(0, Math.max(1, room - 1))}…` : base) + suffix;
}

/**
 * The new playlist's description (at most 300 characters, Spotify's limit): how it was made, for
 * whoever finds it in their library later.
 */
export function playlistDescription(listName: string, themeNames: readonly string[], count: number, date: Date): string {
  const which = themeNames.length === 0 ? 'every track read' : `the tracks whose badge was ${themeNames.join(' or ')}`;
  const day = date.toISOString().slice(0, 10);
  return `Made by Playlist Predictor on ${day} from “${listName.trim().slice(0, 120)}”: ${which} (${count}), themes predicted on-device from audio features.`.slice(0, 300);
}
