import { BADGE_CSS, describeBadge, type BadgeState } from '@/lib/shared/badge-look';
import type { ThemeId } from '@/model/themes';

/** Props of {@link ThemeBadge}. */
export interface ThemeBadgeProps {
  /** The track the badge is about (rendered as `data-track-id`, so what is shown is traceable). */
  readonly trackId: string;
  readonly state: BadgeState;
  /** Badge colour per theme (the user's choice); themes missing here use their catalogue colour. */
  readonly colors?: Partial<Record<ThemeId, string>>;
}

/**
 * The popup's theme badge: the same markup, states and stylesheet as the pill the content script
 * draws on open.spotify.com (`lib/shared/badge-look.ts`). The stylesheet is rendered once per
 * document (React 19 dedupes `<style>` by `href`).
 */
export function ThemeBadge({ trackId, state, colors }: ThemeBadgeProps) {
  const look = describeBadge(state, colors);
  return (
    <>
      <style href="playlist-predictor-badge" precedence="default">
        {BADGE_CSS}
      </style>
      <span className="badge" data-track-id={trackId} data-status={look.status} data-theme={look.theme} data-provider={state.status === 'ok' ? state.provider : undefined} title={look.title} aria-label={look.title} role="img" style={look.color ? { backgroundColor: look.color, color: look.textColor } : undefined}>
        {look.icon && (
          <span className="icon" aria-hidden="true">
            {look.icon}
          </span>
        )}
        {look.label}
      </span>
    </>
  );
}
