import { createRoot } from 'react-dom/client';
import { BADGE_HOST_CSS, ThemeBadge, THEME_BADGE_CSS } from '@/components/ThemeBadge';
import { BADGE_HOST_TAG, type BadgeView } from '@/lib/badge-manager';
import type { TrackRow } from '@/lib/spotify-dom';
import type { ThemeId } from '@/model/themes';

/**
 * Mounts a {@link ThemeBadge} in its own open shadow root, inserted right after the row's title
 * link, so Spotify's CSS and ours never touch. Created synchronously so the badge manager can
 * guarantee one badge per row.
 *
 * @param colors the user's badge colours, read at every render.
 */
export function createShadowBadge({ link }: TrackRow, colors: () => Partial<Record<ThemeId, string>>): BadgeView {
  const host = document.createElement(BADGE_HOST_TAG);
  const shadow = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = `${BADGE_HOST_CSS}\n${THEME_BADGE_CSS}`;
  const container = document.createElement('span');
  shadow.append(style, container);
  link.after(host);
  const root = createRoot(container);
  return {
    host,
    show(trackId, state) {
      host.dataset.trackId = trackId;
      root.render(<ThemeBadge trackId={trackId} state={state} colors={colors()} />);
    },
    remove() {
      root.unmount();
      host.remove();
    },
  };
}
