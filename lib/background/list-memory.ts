import { z } from 'zod';
import type { ApiList, ListReport } from '@/lib/shared/messaging';
import { MAX_SAVE_TRACKS } from '@/lib/shared/save-limits';
import { TrackIdSchema, type TrackId } from '@/lib/shared/track-id';
import { PredictorDatabase } from './cache';

/**
 * The list memory: which track sits at which position of the lists the Spotify tabs have shown
 * (playlists, albums, Liked Songs), as their content scripts report them (`reportList`), kept in
 * the background's IndexedDB (`lists` table). It serves the warm start: when a tab opens a list
 * it has shown before (a reload, another tab, another day), the background answers at once for
 * the list's tracks whose audio features are cached, so their badges are final when their rows
 * are drawn instead of one round trip later (`warmList`; issue 8's cached revisit).
 *
 * Only track IDs and positions are kept, never titles; "Clear cache" empties it; the
 * {@link MAX_REMEMBERED_LISTS} least recently reported lists are kept.
 */
export interface ListMemory {
  /**
   * Notes a report of `list`: each item's track ID at its position replaces what was known there;
   * positions the report does not cover keep theirs (a report holds the rows seen so far), and
   * positions at or past `total` (the list's length, when the page says it) are dropped.
   * Rejects when the database cannot be written (e.g. quota).
   */
  remember(list: ApiList, report: Pick<ListReport, 'items' | 'total'>, now?: number): Promise<void>;
  /**
   * The list's known track IDs in position order (each once), at most `limit`; `[]` for a list
   * never reported, or whose stored row is invalid. Rejects when the database cannot be read.
   */
  trackIds(list: ApiList, limit: number): Promise<TrackId[]>;
  /** How many lists are remembered (0 to {@link MAX_REMEMBERED_LISTS}). Rejects when the database cannot be read. */
  count(): Promise<number>;
  /** Forgets every list. */
  clear(): Promise<void>;
}

/** Most lists remembered; the least recently reported are forgotten first. At 10,000 tracks of 22-character IDs a list is about 250 kB, so the bound is about 12 MB at worst (and under 1 MB for lists of 1,000). */
export const MAX_REMEMBERED_LISTS = 50;

const ListRowSchema = z.object({
  key: z.string(),
  tracks: z.array(z.union([TrackIdSchema, z.literal('')])).max(MAX_SAVE_TRACKS),
  seenAt: z.number(),
});

/** The `lists` key of a list: `playlist:<id>`, `album:<id>` or `liked` (IDs as in `ApiListSchema`). */
export function listKey(list: ApiList): string {
  return list.kind === 'liked' ? 'liked' : `${list.kind}:${list.id}`;
}

/** Creates the {@link ListMemory} over the extension's database. */
export function createListMemory(db: PredictorDatabase = new PredictorDatabase(), clock: () => number = Date.now): ListMemory {
  /** The stored positions of `key`, or `[]` (none, or an invalid row). */
  async function read(key: string): Promise<string[]> {
    const parsed = ListRowSchema.safeParse(await db.lists.get(key));
    return parsed.success ? parsed.data.tracks : [];
  }

  return {
    async remember(list, { items, total }, now = clock()) {
      if (items.length === 0) return;
      const key = listKey(list);
      await db.transaction('rw', db.lists, async () => {
        const tracks = await read(key);
        for (const { position, trackId } of items) {
          while (tracks.length < position) tracks.push('');
          tracks[position] = trackId;
        }
        const length = Math.min(total ?? Infinity, MAX_SAVE_TRACKS);
        if (tracks.length > length) tracks.length = length;
        await db.lists.put({ key, tracks, seenAt: now });
        const count = await db.lists.count();
        if (count > MAX_REMEMBERED_LISTS) await db.lists.orderBy('seenAt').limit(count - MAX_REMEMBERED_LISTS).delete();
      });
    },

    async trackIds(list, limit) {
      const ids = new Set<TrackId>();
      for (const id of await read(listKey(list))) {
        if (ids.size >= limit) break;
        if (id !== '') ids.add(id);
      }
      return [...ids];
    },

    count: () => db.lists.count(),

    clear: () => db.lists.clear(),
  };
}
