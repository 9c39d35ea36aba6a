import { describeReasons } from '@/model/reasons';
import { readableTextColor } from './contrast';
import { getTheme, type ThemeId } from '@/model/themes';
import type { TrackResult } from './messaging';
import { PROVIDER_NAMES } from './providers';

/**
 * How a theme badge looks in every context: the pill beside a track on open.spotify.com (drawn
 * with plain DOM by the content script) and the popup's badge (React). One description of each
 * state, one stylesheet, so both show the same thing.
 */

/** What a badge shows: waiting for the background, or its answer for one track. */
export type BadgeState = { readonly status: 'loading' } | TrackResult;

/**
 * The badge's public state, written to its `data-status` attribute: `loading` (features on the
 * way), `ok` (a theme above the threshold), `uncertain` (the best theme is below the threshold),
 * `unknown` (no provider has audio features for the track) or `error` (the lookup failed).
 */
export type BadgeStatus = 'loading' | 'ok' | 'uncertain' | 'unknown' | 'error';

/** The public status of a state (see {@link BadgeStatus}). */
export function badgeStatus(state: BadgeState): BadgeStatus {
  return state.status === 'ok' && state.uncertain ? 'uncertain' : state.status;
}

/** Everything needed to draw one badge. */
export interface BadgeLook {
  readonly status: BadgeStatus;
  /**
   * The visible word: the theme's name; for `uncertain`, the two most probable themes
   * ("Chill · Focus", or "uncertain" when only one theme is enabled); "unknown", "…" or "!".
   */
  readonly label: string;
  /**
   * A symbol that tells the state apart without reading the word (`?` uncertain, `∅` unknown,
   * `!` error), or `''` for none (a theme, loading). Decorative: the accessible name says it all.
   */
  readonly icon: string;
  /** Background of the filled states (`ok`: the theme's colour, `error`: {@link ERROR_COLOR}); `undefined` for the outlined ones. */
  readonly color: string | undefined;
  /**
   * Text colour of the filled states: black or white, whichever contrasts more with `color`
   * (WCAG AA, `readableTextColor`); `undefined` for the outlined ones, whose text is the
   * context's neutral grey.
   */
  readonly textColor: string | undefined;
  /** Accessible name and tooltip: what the badge means, with the probability and feature source. */
  readonly title: string;
  /**
   * What the badge means in a few words ("Playlist Predictor: Chill", "Playlist Predictor:
   * uncertain, perhaps Chill or Focus"), for an accessible name that goes on with
   * {@link detailsText}; equal to `title` for states without details.
   */
  readonly summary: string;
  /** The theme shown (or guessed, for `uncertain`), for `data-theme`. */
  readonly theme: ThemeId | undefined;
}

/** Red of the error state; 8.6:1 against its white text (WCAG AA needs 4.5:1). */
export const ERROR_COLOR = '#8a1c1c';

/**
 * Describes a badge state.
 * @param colors the user's colour per theme; themes missing here use their catalogue colour.
 */
export function describeBadge(state: BadgeState, colors: Readonly<Partial<Record<ThemeId, string>>> = {}): BadgeLook {
  const status = badgeStatus(state);
  switch (state.status) {
    case 'loading': {
      const title = 'Playlist Predictor: looking up audio features';
      return { status, label: '…', icon: '', color: undefined, textColor: undefined, theme: undefined, title, summary: title };
    }
    case 'unknown': {
      const title = 'Playlist Predictor: no provider has audio features for this track';
      return { status, label: 'unknown', icon: '∅', color: undefined, textColor: undefined, theme: undefined, title, summary: title };
    }
    case 'error': {
      const title = `Playlist Predictor: lookup failed (${state.message})`;
      return { status, label: '!', icon: '', color: ERROR_COLOR, textColor: readableTextColor(ERROR_COLOR), theme: undefined, title, summary: title };
    }
    case 'ok': {
      const theme = getTheme(state.theme);
      const percent = Math.round(state.probability * 100);
      const source = `audio features from ${PROVIDER_NAMES[state.provider]}`;
      if (state.uncertain) {
        const [, second] = state.topThemes;
        const names = second ? `${theme.name} · ${getTheme(second.theme).name}` : undefined;
        const perhaps = second ? `${theme.name} or ${getTheme(second.theme).name}` : theme.name;
        const summary = `Playlist Predictor: uncertain, perhaps ${perhaps}`;
        return { status, label: names ?? 'uncertain', icon: '?', color: undefined, textColor: undefined, theme: theme.id, title: `${summary} (${percent} %; ${source})`, summary };
      }
      const summary = `Playlist Predictor: ${theme.name}`;
      const color = colors[theme.id] ?? theme.color;
      return { status, label: theme.name, icon: '', color, textColor: readableTextColor(color), theme: theme.id, title: `${summary} (${percent} %; ${source})`, summary };
    }
  }
}

/** What a badge's tooltip shows for an answered track (see {@link describeDetails}). */
export interface BadgeDetails {
  /** Up to three themes, most probable first, with the probability among the enabled themes in whole percent. */
  readonly themes: readonly { readonly theme: ThemeId; readonly name: string; readonly percent: number; readonly color: string }[];
  /** Where the audio features came from and how long ago, e.g. "Audio features from ReccoBeats, 3 days ago". */
  readonly source: string;
  /** Why the first theme, e.g. "Why: high energy, fast tempo", or a sentence saying no single input stands out. */
  readonly why: string;
}

/** Whole units of the age of a fetch, largest first, for {@link describeAge}. */
const AGE_UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

let ageFormat: Intl.RelativeTimeFormat | undefined;

/**
 * How long ago `then` was (ms since the epoch) at `now`, in words from `Intl.RelativeTimeFormat`
 * (English): "just now" under a minute, "5 minutes ago", "yesterday", "3 months ago". A `then`
 * in the future (another device's clock) reads "just now".
 */
export function describeAge(then: number, now: number): string {
  const elapsed = now - then;
  // One formatter for every badge: describeAge runs on each badge render.
  ageFormat ??= new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, ms] of AGE_UNITS) if (elapsed >= ms) return ageFormat.format(-Math.floor(elapsed / ms), unit);
  return 'just now';
}

/**
 * The tooltip of an answered track (issue 11): its three most probable enabled themes with their
 * probabilities renormalized over the enabled themes (the scale of the "uncertain" threshold and
 * of the popup's bars: `npm run classify`'s `p_<theme>` divided by their sum over the enabled
 * themes), the feature source and its age,
 * and why the first theme (model/explanation.ts). `undefined` for states without an answer.
 * @param colors the user's colour per theme; themes missing here use their catalogue colour.
 * @param now ms since the epoch (default `Date.now()`).
 */
export function describeDetails(state: BadgeState, colors: Readonly<Partial<Record<ThemeId, string>>> = {}, now = Date.now()): BadgeDetails | undefined {
  if (state.status !== 'ok') return undefined;
  const reasons = describeReasons(state.why);
  return {
    themes: state.topThemes.map(({ theme, probability }) => ({ theme, name: getTheme(theme).name, percent: Math.round(probability * 100), color: colors[theme] ?? getTheme(theme).color })),
    source: `Audio features from ${PROVIDER_NAMES[state.provider]}, ${describeAge(state.fetchedAt, now)}`,
    why: reasons === '' ? 'Why: no single audio feature stands out' : `Why: ${reasons}`,
  };
}

/** The details as one sentence, for a screen reader (the badge's accessible description). */
export function detailsText(details: BadgeDetails): string {
  return `${details.themes.map((t) => `${t.name} ${t.percent} %`).join(', ')}. ${details.source}. ${details.why}.`;
}

/**
 * The badge's stylesheet (`.badge` with `data-status`), for the content script's shadow roots and
 * the popup. Each state differs by more than its word: `ok` is a filled pill in the theme's
 * colour; `uncertain` a dashed outline with `?`; `unknown` a solid outline with `∅`; `loading` a
 * dotted outline that pulses (still when the user prefers reduced motion); `error` a filled red
 * pill with `!` that is a button. At most 16 px high, so it fits Spotify's artist line. The
 * outlined states use `--pp-neutral` for text and outline (set by the context: Spotify's grey on
 * its dark page, the popup's muted colour).
 */
export const BADGE_CSS = `
.badge {
  box-sizing: border-box; display: inline-flex; align-items: center; gap: 3px;
  height: 16px; padding: 0 7px; border-radius: 8px; border: 1px solid transparent; margin: 0;
  font: 600 11px/14px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  letter-spacing: 0.02em; white-space: nowrap; vertical-align: middle; cursor: default;
  color: #fff; background: transparent;
}
.badge[data-status="uncertain"] { border: 1px dashed var(--pp-neutral, #5f6368); color: var(--pp-neutral, #5f6368); }
.badge[data-status="unknown"] { border: 1px solid var(--pp-neutral, #5f6368); color: var(--pp-neutral, #5f6368); }
.badge[data-status="loading"] { border: 1px dotted var(--pp-neutral, #5f6368); color: var(--pp-neutral, #5f6368); min-width: 24px; justify-content: center; animation: pp-pulse 1.2s ease-in-out infinite; }
.badge[data-status="error"] { cursor: pointer; }
.badge:focus-visible { outline: 2px solid var(--pp-neutral, #5f6368); outline-offset: 1px; }
.badge .icon { font-weight: 700; }
@keyframes pp-pulse { 50% { opacity: 0.45; } }
@media (prefers-reduced-motion: reduce) { .badge[data-status="loading"] { animation: none; } }
`;
