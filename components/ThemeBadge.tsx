import type { BadgeState } from '@/lib/badge-manager';
import { getTheme } from '@/model/themes';

/** Grey used for states that carry no theme (pending, unknown, error); 4.6:1 on white text. */
const NEUTRAL = '#5f6368';

/** Props of {@link ThemeBadge}. */
export interface ThemeBadgeProps {
  /** The track the badge is about (rendered as `data-track-id`, so what is shown is traceable). */
  readonly trackId: string;
  readonly state: BadgeState;
}

function describe(state: BadgeState): { label: string; color: string; title: string } {
  switch (state.status) {
    case 'pending':
      return { label: '…', color: NEUTRAL, title: 'Playlist Predictor: looking up audio features' };
    case 'unknown':
      return { label: 'unknown', color: NEUTRAL, title: 'Playlist Predictor: no audio features are available for this track' };
    case 'error':
      return { label: '!', color: '#8a1c1c', title: `Playlist Predictor: ${state.message}` };
    case 'ok': {
      const theme = getTheme(state.theme);
      const p = state.probabilities[state.theme] ?? 0;
      return { label: theme.name, color: theme.color, title: `Playlist Predictor: ${theme.name} (model probability ${Math.round(p * 100)} %)` };
    }
  }
}

/**
 * The small pill shown next to a track title: the predicted theme in its colour, or a neutral
 * pending / unknown / error state. The full explanation is in the tooltip and the accessible name.
 */
export function ThemeBadge({ trackId, state }: ThemeBadgeProps) {
  const { label, color, title } = describe(state);
  return (
    <span className="badge" data-track-id={trackId} data-status={state.status} data-theme={state.status === 'ok' ? state.theme : undefined} title={title} aria-label={title} style={{ backgroundColor: color }}>
      {label}
    </span>
  );
}

/** Styles of the badge, injected into its shadow root. */
export const THEME_BADGE_CSS = `
:host { all: initial; display: inline-flex; vertical-align: middle; margin-inline-start: 8px; }
.badge {
  display: inline-block; padding: 1px 8px; border-radius: 9999px;
  font: 600 11px/16px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #fff; white-space: nowrap; letter-spacing: 0.02em; cursor: default;
}
.badge[data-status="pending"] { opacity: 0.7; }
`;
