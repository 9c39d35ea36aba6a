import type { BadgeState } from '@/lib/badge-manager';
import { getTheme, type ThemeId } from '@/model/themes';

/** Grey used for states that carry no theme (pending, unknown, uncertain); 6.0:1 against white text. */
export const NEUTRAL_COLOR = '#5f6368';
/** Red of the error state; 8.6:1 against white text. */
export const ERROR_COLOR = '#8a1c1c';

/** Display names of the feature providers, for tooltips and the popup. */
export const PROVIDER_NAMES = { spotify: 'Spotify', reccobeats: 'ReccoBeats' } as const;

/** Props of {@link ThemeBadge}. */
export interface ThemeBadgeProps {
  /** The track the badge is about (rendered as `data-track-id`, so what is shown is traceable). */
  readonly trackId: string;
  readonly state: BadgeState;
  /** Badge colour per theme (the user's choice); themes missing here use their catalogue colour. */
  readonly colors?: Partial<Record<ThemeId, string>>;
}

/** Label, colour and tooltip of a badge state. */
export function describeBadge(state: BadgeState, colors: Partial<Record<ThemeId, string>> = {}): { label: string; color: string; title: string } {
  switch (state.status) {
    case 'pending':
      return { label: '…', color: NEUTRAL_COLOR, title: 'Playlist Predictor: looking up audio features' };
    case 'unknown':
      return { label: 'unknown', color: NEUTRAL_COLOR, title: 'Playlist Predictor: no provider has audio features for this track' };
    case 'error':
      return { label: '!', color: ERROR_COLOR, title: `Playlist Predictor: ${state.message}` };
    case 'ok': {
      const theme = getTheme(state.theme);
      const percent = Math.round(state.probability * 100);
      const source = `audio features from ${PROVIDER_NAMES[state.provider]}`;
      if (state.uncertain) {
        return { label: 'uncertain', color: NEUTRAL_COLOR, title: `Playlist Predictor: uncertain, perhaps ${theme.name} (${percent} %; ${source})` };
      }
      return { label: theme.name, color: colors[theme.id] ?? theme.color, title: `Playlist Predictor: ${theme.name} (${percent} %; ${source})` };
    }
  }
}

/**
 * The small pill shown next to a track title: the predicted theme in its colour, "uncertain"
 * when the top probability is below the threshold, or a neutral pending / unknown / error state.
 * The full explanation is in the tooltip and the accessible name.
 */
export function ThemeBadge({ trackId, state, colors }: ThemeBadgeProps) {
  const { label, color, title } = describeBadge(state, colors);
  return (
    <span
      className="badge"
      data-track-id={trackId}
      data-status={state.status === 'ok' && state.uncertain ? 'uncertain' : state.status}
      data-theme={state.status === 'ok' ? state.theme : undefined}
      data-provider={state.status === 'ok' ? state.provider : undefined}
      title={title}
      aria-label={title}
      role="img"
      style={{ backgroundColor: color }}
    >
      {label}
    </span>
  );
}

/** Styles of the badge, injected into its shadow root (content script) or the page (popup). */
export const THEME_BADGE_CSS = `
.badge {
  display: inline-block; padding: 1px 8px; border-radius: 9999px;
  font: 600 11px/16px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #fff; white-space: nowrap; letter-spacing: 0.02em; cursor: default;
}
.badge[data-status="pending"] { opacity: 0.7; }
`;

/** Host styles of the shadow root the content script mounts a badge in. */
export const BADGE_HOST_CSS = `:host { all: initial; display: inline-flex; vertical-align: middle; margin-inline-start: 8px; }`;
