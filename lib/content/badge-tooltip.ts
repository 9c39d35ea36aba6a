import type { BadgeDetails } from '@/lib/shared/badge-look';
import { createShadowHost } from './shadow-host';

/**
 * The tooltip of the theme badges on open.spotify.com (issue 11): one element per page feature,
 * appended to `<body>` in its own shadow root and placed with fixed coordinates next to the badge
 * it describes, so Spotify's clipped, transformed rows cannot cut it. It is drawn with plain DOM
 * (the content script loads on every Spotify page). Public markup, for tests and user styles:
 *
 * ```html
 * <playlist-predictor-tooltip>
 *   #shadow-root (open)
 *     <div class="tooltip" part="tooltip" role="tooltip" data-track-id="<id>" hidden>
 *       <ol class="themes"><li data-theme="<id>" data-percent="41"><span class="swatch"></span>Chill<span class="percent">41 %</span></li>…</ol>
 *       <p class="source">Audio features from ReccoBeats, 3 days ago</p>
 *       <p class="why">Why: low energy, acoustic</p>
 *     </div>
 * </playlist-predictor-tooltip>
 * ```
 *
 * The tooltip is visual only (`aria-hidden`): the badge's accessible name carries the same words.
 */

/** Tag of the tooltip's host element. */
export const TOOLTIP_HOST_TAG = 'playlist-predictor-tooltip';

/** Gap between the badge and the tooltip, and the least margin to the viewport's edges, in CSS px. */
const GAP_PX = 6;

const TOOLTIP_CSS = `
:host { all: initial; position: fixed; top: 0; left: 0; z-index: 2147483647; pointer-events: none; }
.tooltip {
  box-sizing: border-box; max-width: 260px; padding: 8px 10px; border-radius: 6px;
  background: #282828; color: #fff; box-shadow: 0 8px 24px rgb(0 0 0 / 50%);
  font: 400 12px/16px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
.tooltip[hidden] { display: none; }
.themes { list-style: none; margin: 0 0 6px; padding: 0; }
.themes li { display: flex; align-items: center; gap: 6px; font-weight: 600; }
.themes li:first-child { font-size: 13px; }
.swatch { width: 8px; height: 8px; border-radius: 50%; flex: none; }
.percent { margin-left: auto; padding-left: 12px; font-variant-numeric: tabular-nums; color: #b3b3b3; font-weight: 400; }
p { margin: 2px 0 0; color: #b3b3b3; }
`;

/** The page's tooltip for badges. */
export interface BadgeTooltip {
  /** Shows `details` for the track `trackId` next to `anchor` (the badge), replacing what it showed. */
  show(anchor: Element, trackId: string, details: BadgeDetails): void;
  /** Hides the tooltip if it is showing for `anchor` (any anchor when omitted). */
  hide(anchor?: Element): void;
  /** The anchor it is showing for, if any. */
  readonly anchor: Element | undefined;
  /** Removes the tooltip from the page. */
  dispose(): void;
}

/** Creates the tooltip (added to the page on first show). */
export function createBadgeTooltip(doc: Document): BadgeTooltip {
  const { host, shadow } = createShadowHost(doc, TOOLTIP_HOST_TAG, TOOLTIP_CSS);
  host.setAttribute('aria-hidden', 'true');
  const box = doc.createElement('div');
  box.className = 'tooltip';
  box.setAttribute('part', 'tooltip');
  box.setAttribute('role', 'tooltip');
  box.hidden = true;
  shadow.append(box);
  let anchor: Element | undefined;

  const place = (target: Element): void => {
    const view = { width: doc.documentElement.clientWidth || 1024, height: doc.documentElement.clientHeight || 768 };
    const badge = target.getBoundingClientRect();
    const own = box.getBoundingClientRect();
    const below = badge.bottom + GAP_PX;
    const top = below + own.height <= view.height - GAP_PX ? below : Math.max(GAP_PX, badge.top - GAP_PX - own.height);
    const left = Math.min(Math.max(GAP_PX, badge.left), Math.max(GAP_PX, view.width - GAP_PX - own.width));
    host.style.transform = `translate(${Math.round(left)}px, ${Math.round(top)}px)`;
  };

  return {
    show(target, trackId, details) {
      if (!host.isConnected) (doc.body ?? doc.documentElement).append(host);
      anchor = target;
      box.dataset.trackId = trackId;
      const list = doc.createElement('ol');
      list.className = 'themes';
      for (const t of details.themes) {
        const item = doc.createElement('li');
        item.dataset.theme = t.theme;
        item.dataset.percent = String(t.percent);
        const swatch = doc.createElement('span');
        swatch.className = 'swatch';
        swatch.style.background = t.color;
        const percent = doc.createElement('span');
        percent.className = 'percent';
        percent.textContent = `${t.percent} %`;
        item.append(swatch, t.name, percent);
        list.append(item);
      }
      const source = doc.createElement('p');
      source.className = 'source';
      source.textContent = details.source;
      const why = doc.createElement('p');
      why.className = 'why';
      why.textContent = details.why;
      box.replaceChildren(list, source, why);
      box.hidden = false;
      place(target);
    },
    hide(target) {
      if (target !== undefined && target !== anchor) return;
      anchor = undefined;
      box.hidden = true;
    },
    get anchor() {
      return anchor;
    },
    dispose() {
      anchor = undefined;
      host.remove();
    },
  };
}
