import type { TrackId } from '@/lib/shared/track-id';

/** One track of the list, as its row showed it. */
export interface ListedTrack {
  /** 0-based position in the list (header excluded). */
  readonly position: number;
  readonly trackId: TrackId;
  /** Title as the row shows it ('' when it shows none). */
  readonly name: string;
  readonly artists: readonly string[];
  /** Duration the row shows, in ms, when it shows one. */
  readonly durationMs?: number;
}
