import type { ThemeId } from '@/model/themes';
import type { ResultsStore } from '../results-store';
import type { TrackRow } from '../spotify-dom';
import { isDimmed } from '@/lib/shared/occasions/selection';

/**
 * The filter on the page (issue 11): rows of tracks outside the picked themes are dimmed, not
 * removed, so Spotify's own list keeps working. Spotify reuses row elements for other tracks
 * while scrolling, so every DOM change is checked in the same `MutationObserver` callback that
 * the badges use, before the page is painted: a reused row is dimmed or lit for its new track.
 * Only the row's inline `opacity` and a `data-playlist-predictor-dimmed` attribute are written
 * (set through the CSSOM, which page CSPs allow), and both are removed when the filter is
 * cleared or the panel goes away.
 */

/** Opacity of a dimmed row. */
export const DIMMED_OPACITY = '0.35';
/** Attribute marking a dimmed row, for tests and user styles. */
export const DIMMED_ATTRIBUTE = 'data-playlist-predictor-dimmed';

/** What {@link keepRowsDimmed} needs. */
export interface DimmingDeps {
  readonly doc: Document;
  /** The rows drawn now. */
  readonly rows: () => readonly TrackRow[];
  readonly store: ResultsStore;
  /** The picked themes (empty: no filter). */
  readonly themes: () => ReadonlySet<ThemeId>;
  /** Aborting it lights every row again and stops watching. */
  readonly signal: AbortSignal;
}

/** Starts dimming; returns `refresh`, to call when the picked themes or a track's state changed. */
export function keepRowsDimmed(deps: DimmingDeps): () => void {
  const dimmed = new Set<HTMLElement>();
  const light = (row: HTMLElement): void => {
    row.style.removeProperty('opacity');
    row.removeAttribute(DIMMED_ATTRIBUTE);
    dimmed.delete(row);
  };
  const refresh = (): void => {
    if (deps.signal.aborted) return;
    const themes = deps.themes();
    const now = new Set<HTMLElement>();
    for (const { row, trackId } of deps.rows()) {
      if (!isDimmed(deps.store.state(trackId), themes)) continue;
      now.add(row);
      if (row.style.opacity !== DIMMED_OPACITY) row.style.opacity = DIMMED_OPACITY;
      if (row.getAttribute(DIMMED_ATTRIBUTE) !== trackId) row.setAttribute(DIMMED_ATTRIBUTE, trackId);
      dimmed.add(row);
    }
    for (const row of [...dimmed]) if (!now.has(row)) light(row);
  };
  const observer = new MutationObserver(refresh);
  observer.observe(deps.doc.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['href'] });
  deps.signal.addEventListener('abort', () => {
    observer.disconnect();
    for (const row of [...dimmed]) light(row);
  });
  refresh();
  return refresh;
}
