import { BADGE_CSS, describeBadge, describeDetails, detailsText, type BadgeState } from '@/lib/shared/badge-look';
import type { TrackId } from '@/lib/shared/track-id';
import type { ThemeId } from '@/model/themes';
import type { BadgeTooltip } from './badge-tooltip';
import { createShadowHost } from './shadow-host';

/**
 * The badge on open.spotify.com, drawn with plain DOM (no framework: the content script loads on
 * every Spotify page). Its markup is public and stable, for tests, user styles and other tools:
 *
 * ```html
 * <playlist-predictor-badge>        <!-- a plain element, not a registered custom element -->
 *   #shadow-root (open)
 *     <span class="badge" part="badge <status>" data-track-id="<id>"
 *           data-status="ok|uncertain|unknown|loading|error" data-theme="<theme id>"
 *           data-provider="spotify|reccobeats" role="img|button" tabindex="0" aria-label="...">…</span>
 * </playlist-predictor-badge>
 * ```
 *
 * An answered badge (`ok`, `uncertain`) is focusable; hovering or focusing it opens the page's
 * {@link BadgeTooltip} (top three themes, feature source and age, why), and its accessible name
 * says the same. An `error` badge is a button that asks again. Other states carry a `title`.
 *
 * `customElements` is null in a content script's isolated world, so the tag is never defined.
 */

/** Tag of the badge's host element; also how stray badges are found. */
export const BADGE_HOST_TAG = 'playlist-predictor-badge';

/**
 * Host styles: nothing of the page's CSS inherits into the badge; the outlined states use
 * Spotify's secondary text grey (#b3b3b3, 9.4:1 on its #121212 background).
 */
const HOST_CSS = ':host { all: initial; display: inline-flex; align-items: center; --pp-neutral: #b3b3b3; }';

/** One badge element. */
export interface BadgeElement {
  /** The host element to insert into the page. */
  readonly host: HTMLElement;
  /** Shows `state` for `trackId`, synchronously. */
  render(trackId: TrackId, state: BadgeState, colors: Readonly<Partial<Record<ThemeId, string>>>): void;
}

/**
 * Creates a badge (detached; the caller places it).
 * @param onActivate called with the track ID when the user activates an `error` badge (click,
 *   Enter or Space), to ask again.
 * @param tooltip where an answered badge shows its details on hover and focus (none: no tooltip).
 */
export function createBadgeElement(doc: Document, onActivate: (trackId: TrackId) => void, tooltip?: BadgeTooltip): BadgeElement {
  const { host, shadow } = createShadowHost(doc, BADGE_HOST_TAG, `${HOST_CSS}\n${BADGE_CSS}`);
  const badge = doc.createElement('span');
  badge.className = 'badge';
  const icon = doc.createElement('span');
  icon.className = 'icon';
  icon.setAttribute('aria-hidden', 'true');
  const label = doc.createTextNode('');
  badge.append(icon, label);
  shadow.append(badge);

  const activate = (event: Event): void => {
    // The row underneath would start playing or select itself: the badge handles this one.
    event.stopPropagation();
    event.preventDefault();
    const trackId = badge.dataset.trackId;
    if (badge.dataset.status === 'error' && trackId) onActivate(trackId);
  };
  badge.addEventListener('click', activate);
  badge.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') activate(event);
    if (event.key === 'Escape') tooltip?.hide(badge);
  });

  /** What the badge shows now, for the tooltip. */
  let shown: { trackId: TrackId; state: BadgeState; colors: Readonly<Partial<Record<ThemeId, string>>> } | undefined;
  const openTooltip = (): void => {
    const details = shown && describeDetails(shown.state, shown.colors);
    if (shown && details) tooltip?.show(badge, shown.trackId, details);
    else tooltip?.hide(badge);
  };
  const closeTooltip = (): void => tooltip?.hide(badge);
  if (tooltip) {
    badge.addEventListener('pointerenter', openTooltip);
    badge.addEventListener('pointerleave', () => {
      if (shadow.activeElement !== badge) closeTooltip();
    });
    badge.addEventListener('focus', openTooltip);
    badge.addEventListener('blur', closeTooltip);
  }

  return {
    host,
    render(trackId, state, colors) {
      shown = { trackId, state, colors };
      const look = describeBadge(state, colors);
      const details = tooltip && describeDetails(state, colors);
      const isError = look.status === 'error';
      badge.dataset.trackId = trackId;
      badge.dataset.status = look.status;
      // User styles reach into the shadow root through parts: ::part(badge), ::part(error), ...
      badge.setAttribute('part', `badge ${look.status}`);
      if (look.theme) badge.dataset.theme = look.theme;
      else delete badge.dataset.theme;
      if (state.status === 'ok') badge.dataset.provider = state.provider;
      else delete badge.dataset.provider;
      badge.style.backgroundColor = look.color ?? '';
      badge.style.color = look.textColor ?? '';
      // The tooltip replaces the browser's for answered badges.
      if (details) badge.removeAttribute('title');
      else badge.title = look.title;
      badge.setAttribute('aria-label', isError ? `${look.title}; activate to try again` : details ? `${look.summary}. ${detailsText(details)}` : look.title);
      badge.setAttribute('role', isError ? 'button' : 'img');
      if (isError || details) badge.tabIndex = 0;
      else badge.removeAttribute('tabindex');
      icon.textContent = look.icon;
      icon.hidden = look.icon === '';
      label.data = look.label;
      // An open tooltip follows the badge's track and answer (a reused row, a new answer).
      if (tooltip?.anchor === badge) openTooltip();
    },
  };
}
