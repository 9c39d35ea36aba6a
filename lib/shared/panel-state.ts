import { storage } from 'wxt/utils/storage';
import * as z from 'zod/mini';

/**
 * Whether the occasion panel (issue 11) is open, kept in `storage.local` so it holds across
 * Spotify pages, tabs and browser restarts. A value that is not a boolean (hand-edited storage)
 * reads as closed and is replaced at the next toggle.
 */

/** Storage key of the panel's open state. */
export const PANEL_OPEN_KEY = 'local:occasionPanelOpen';

const PanelOpenSchema = z.boolean();

/** The stored open state, with WXT's storage (injectable for tests). */
export interface PanelOpenState {
  /** Whether the panel was left open; `false` when never set or invalid. */
  read(): Promise<boolean>;
  /** Remembers `open`. Rejects when storage refuses (quota): the panel still toggles. */
  write(open: boolean): Promise<void>;
}

/** The {@link PanelOpenState} in `storage.local` ({@link PANEL_OPEN_KEY}). */
export function panelOpenState(): PanelOpenState {
  const item = storage.defineItem<unknown>(PANEL_OPEN_KEY, { fallback: false });
  return {
    read: async () => {
      const parsed = PanelOpenSchema.safeParse(await item.getValue());
      return parsed.success && parsed.data;
    },
    write: (open) => item.setValue(open),
  };
}
