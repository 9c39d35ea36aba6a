import type { ListedTrack } from '@/lib/shared/occasions/listed-track';
import type { TrackRow } from './spotify-dom';

/**
 * Remembers every track of the page's list that has been drawn since the page opened (issue 11).
 * Spotify draws only the 20-25 rows near the viewport and reuses their elements, so the list as a
 * whole exists nowhere in the page: the tracker reads the rows on every DOM change and keeps, per
 * list position (the row's `aria-rowindex`), the track last drawn there. The list's length comes
 * from the grid's `aria-rowcount` (shared/notes/platform.md, "open.spotify.com page structure":
 * the header row is counted).
 */

export type { ListedTrack } from '@/lib/shared/occasions/listed-track';

/** The tracker of one list page. */
export interface ListTracker {
  /** Reads the rows drawn now; tells the subscribers when a position was new or changed. */
  update(): void;
  /** Every track seen so far, by position. */
  tracks(): ListedTrack[];
  /** The list's length in tracks from its grid's `aria-rowcount`, or `undefined` while unknown. */
  total(): number | undefined;
  /** Calls `listener` after each {@link update} that changed what is known, until `signal` aborts. */
  subscribe(listener: () => void, signal: AbortSignal): void;
  /**
   * Takes the whole list as Spotify's Web API gave it (issue 12): entry `i` is list position `i`
   * (`null`: no track there, e.g. an episode); the length becomes the list's total. Tells the
   * subscribers.
   */
  fill(tracks: readonly (Omit<ListedTrack, 'position'> | null)[]): void;
}

/** Where the tracker reads the list: its rows and its grid. */
export interface ListTrackerDeps {
  readonly rows: () => readonly TrackRow[];
  /** The list's grid element (`aria-rowcount`, header rows), when drawn. */
  readonly list: () => HTMLElement | undefined;
}

/** Header rows of a grid: rows holding column headers (playlists and albums have one, search lists none). */
function headerRows(grid: HTMLElement): number {
  let headers = 0;
  for (const row of grid.querySelectorAll('[role="row"]')) if (row.querySelector('[role="columnheader"]')) headers++;
  return headers;
}

/** A whole number from an attribute, or `undefined` when it is not one. */
function intAttribute(element: Element | null, name: string): number | undefined {
  const text = element?.getAttribute(name);
  if (!text || !/^[0-9]{1,7}$/.test(text)) return undefined;
  return Number(text);
}

/** Creates a {@link ListTracker}; nothing is read until the first {@link ListTracker.update}. */
export function createListTracker(deps: ListTrackerDeps): ListTracker {
  const byPosition = new Map<number, ListedTrack>();
  const listeners = new Set<() => void>();
  let total: number | undefined;

  return {
    update() {
      const grid = deps.list();
      const headers = grid ? headerRows(grid) : 0;
      const count = intAttribute(grid ?? null, 'aria-rowcount');
      let changed = false;
      if (count !== undefined && count - headers !== total) {
        total = Math.max(0, count - headers);
        changed = true;
      }
      for (const row of deps.rows()) {
        const index = intAttribute(row.row.closest('[role="row"][aria-rowindex]'), 'aria-rowindex');
        // Rows without an index cannot be placed in the list: they are badged but not listed.
        if (index === undefined || index <= headers) continue;
        const position = index - headers - 1;
        const known = byPosition.get(position);
        if (known?.trackId === row.trackId && known.name === row.name && known.durationMs === row.durationMs) continue;
        byPosition.set(position, { position, trackId: row.trackId, name: row.name, artists: row.artists, ...(row.durationMs === undefined ? {} : { durationMs: row.durationMs }) });
        changed = true;
      }
      if (changed) for (const listener of [...listeners]) listener();
    },
    fill(tracks) {
      tracks.forEach((track, position) => {
        if (track) byPosition.set(position, { ...track, position });
      });
      total = tracks.length;
      for (const listener of [...listeners]) listener();
    },
    tracks: () => [...byPosition.values()].sort((a, b) => a.position - b.position),
    total: () => total,
    subscribe(listener, signal) {
      if (signal.aborted) return;
      listeners.add(listener);
      signal.addEventListener('abort', () => listeners.delete(listener));
    },
  };
}
