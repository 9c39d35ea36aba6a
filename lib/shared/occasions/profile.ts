import type { BadgeState } from '@/lib/shared/badge-look';
import { MAX_SAVE_TRACKS } from '@/lib/shared/save-limits';
import { probabilityAmong } from '@/model/theme-choice';
import { THEME_IDS, type ThemeId } from '@/model/themes';
import type { ListedTrack } from './listed-track';

/**
 * A list's occasion profile (issue 11): how many of its tracks the model gives each theme, the
 * mean probability of each theme, and honest coverage. Pure: it reads tracks and their states.
 */

/** A listed track with its current state in the results store. */
export interface ListedResult {
  readonly track: ListedTrack;
  readonly state: BadgeState;
}

/** One theme's line of the profile. */
export interface ThemeProfile {
  readonly theme: ThemeId;
  /** Tracks whose badge shows this theme with confidence (not `uncertain`). */
  readonly count: number;
  /**
   * Mean over the tracks with audio features (`ok`, confident or not) of this theme's probability
   * renormalized over the profile's themes (as the badge and its tooltip give it, `probabilityAmong`),
   * in [0, 1]; 0 when there are none. The themes' means sum to 1 when any track has features.
   */
  readonly meanProbability: number;
}

/** The profile of a list (see the module comment). */
export interface ListProfile {
  /** The list's length, when the page says it (`aria-rowcount`). */
  readonly total: number | undefined;
  /** Tracks seen so far (drawn at least once). */
  readonly listed: number;
  /** Seen tracks with an answer: confident, uncertain or unknown. */
  readonly analysed: number;
  /** Answered with a theme above the threshold (the sum of the theme counts). */
  readonly confident: number;
  /** Answered with the best theme below the threshold. */
  readonly uncertain: number;
  /** No provider has audio features for them. */
  readonly unknown: number;
  /** Seen but not answered yet (loading) or failed (error). */
  readonly pending: number;
  /** One line per theme in `themes` order. */
  readonly themes: readonly ThemeProfile[];
}

/**
 * The themes a profile of `items` shows, in catalogue order: the user's `enabled` themes, or,
 * while the settings are not read yet, the themes the answers rank (their `topThemes`, which are
 * enabled themes). The panel and the popup show the same ones.
 */
export function profileThemes(items: readonly ListedResult[], enabled: readonly ThemeId[] | undefined): ThemeId[] {
  if (enabled) return THEME_IDS.filter((t) => enabled.includes(t));
  const seen = new Set<ThemeId>();
  for (const { state } of items) if (state.status === 'ok') for (const t of state.topThemes) seen.add(t.theme);
  return THEME_IDS.filter((t) => seen.has(t));
}

/**
 * Aggregates `items` into a {@link ListProfile}.
 * @param themes the themes to report, in display order (the enabled themes); probabilities are
 *   renormalized over them.
 * @param total the list's length when known.
 */
export function profileOf(items: readonly ListedResult[], themes: readonly ThemeId[], total: number | undefined): ListProfile {
  const counts = new Map<ThemeId, number>(themes.map((t) => [t, 0]));
  const sums = new Map<ThemeId, number>(themes.map((t) => [t, 0]));
  let confident = 0;
  let uncertain = 0;
  let unknown = 0;
  let withFeatures = 0;
  for (const { state } of items) {
    if (state.status === 'unknown') unknown++;
    if (state.status !== 'ok') continue;
    withFeatures++;
    for (const t of themes) sums.set(t, (sums.get(t) ?? 0) + probabilityAmong(state.probabilities, t, themes));
    if (state.uncertain) uncertain++;
    else {
      confident++;
      counts.set(state.theme, (counts.get(state.theme) ?? 0) + 1);
    }
  }
  const analysed = confident + uncertain + unknown;
  return {
    total,
    listed: items.length,
    analysed,
    confident,
    uncertain,
    unknown,
    pending: items.length - analysed,
    themes: themes.map((theme) => ({ theme, count: counts.get(theme) ?? 0, meanProbability: withFeatures > 0 ? (sums.get(theme) ?? 0) / withFeatures : 0 })),
  };
}

/**
 * The profile's coverage in words, never claiming the whole list when part of it is not analysed:
 * "Analysed 180 of 250 tracks · 12 uncertain · 3 unknown", or "… of at least 40 tracks" while the
 * list's length is not known.
 */
export function coverageText(profile: ListProfile): string {
  const of = profile.total === undefined ? `at least ${profile.listed}` : String(profile.total);
  const parts = [`Analysed ${profile.analysed} of ${of} tracks`];
  if (profile.uncertain > 0) parts.push(`${profile.uncertain} uncertain`);
  if (profile.unknown > 0) parts.push(`${profile.unknown} unknown`);
  if (profile.pending > 0) parts.push(`${profile.pending} waiting`);
  return parts.join(' · ');
}

/**
 * The outcome of a whole-list read through the Web API in words, never claiming the whole list
 * when one read stopped short of it: `read` entries read of the `total` Spotify gives (issue 12;
 * one read takes at most MAX_SAVE_TRACKS entries).
 */
export function apiReadSummary(read: number, total: number): string {
  if (read >= total) return `Read all ${read} tracks through your Spotify account.`;
  return `Read the first ${read} of ${total} tracks through your Spotify account (one read takes at most ${MAX_SAVE_TRACKS}).`;
}

/** Whether every track of the list has an answer (the total is known and reached). */
export function isComplete(profile: ListProfile): boolean {
  return profile.total !== undefined && profile.analysed >= profile.total;
}
