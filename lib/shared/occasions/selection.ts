import type { BadgeState } from '@/lib/shared/badge-look';
import { probabilityAmong } from '@/model/theme-choice';
import { THEME_IDS, type ThemeId } from '@/model/themes';
import type { ListedResult } from './profile';

/**
 * The panel's filter, sort view and selection (issue 11). Pure functions of the listed tracks and
 * their states.
 *
 * The filter keeps a track when its badge shows one of the picked themes with confidence: the
 * same tracks the profile counts for those themes. Uncertain, unknown and failed tracks are not of
 * any picked theme; tracks still loading are left alone until they are answered.
 */

/** Whether a track in `state` is of one of `themes` (see the module comment). With no theme picked, every track is. */
export function matchesFilter(state: BadgeState, themes: ReadonlySet<ThemeId>): boolean {
  if (themes.size === 0) return true;
  return state.status === 'ok' && !state.uncertain && themes.has(state.theme);
}

/** Whether a row showing a track in `state` is dimmed: a filter is on, the track is answered, and it does not match. */
export function isDimmed(state: BadgeState, themes: ReadonlySet<ThemeId>): boolean {
  return themes.size > 0 && state.status !== 'loading' && !matchesFilter(state, themes);
}

/**
 * The picked themes in catalogue order (`THEME_IDS`, the order of the theme buttons), not in the
 * order they were pressed: the line that names them and the saved playlist's name ("Mix · Party +
 * Chill", `playlistName`) are then the same for the same themes, in the panel and the popup alike.
 */
export function pickedInOrder(themes: ReadonlySet<ThemeId>): ThemeId[] {
  return THEME_IDS.filter((t) => themes.has(t));
}

/** The selection: the tracks that match the filter, in list order (every listed track when no theme is picked). */
export function selectionOf(items: readonly ListedResult[], themes: ReadonlySet<ThemeId>): ListedResult[] {
  return items.filter((item) => matchesFilter(item.state, themes));
}

/**
 * The sort view: the tracks with audio features, most probable for `theme` first, confident or
 * not, by the probability renormalized over `themes` (the enabled themes: what the badge and its
 * tooltip give, `probabilityAmong`); equal probabilities keep list order.
 */
export function rankByTheme(items: readonly ListedResult[], theme: ThemeId, themes: readonly ThemeId[]): { item: ListedResult; probability: number }[] {
  return items
    .flatMap((item) => (item.state.status === 'ok' ? [{ item, probability: probabilityAmong(item.state.probabilities, theme, themes) }] : []))
    .sort((a, b) => b.probability - a.probability || a.item.track.position - b.item.track.position);
}

/** A track's link as Spotify shares it. */
export const trackUrl = (trackId: string): string => `https://open.spotify.com/track/${trackId}`;

/**
 * The selection's links, one `https://open.spotify.com/track/<id>` per line (Spotify's apps add
 * pasted track links to a playlist), in list order, each track once.
 */
export function trackLinks(items: readonly ListedResult[]): string {
  return [...new Set(items.map((i) => i.track.trackId))].map(trackUrl).join('\n');
}
