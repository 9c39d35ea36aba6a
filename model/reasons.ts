import type { AudioFeatureName } from './features';

/**
 * The words of a badge's "why" line (issue 11), kept apart from the explanation's arithmetic
 * (`model/explanation.ts`) and free of zod and TF.js, so the content script can word the reasons
 * it receives from the background.
 */

/**
 * An input the explanation moves: the 10 continuous audio features (every one but `key`, a pitch
 * class without a meaningful mean) and the track's duration.
 */
export type ExplainedInput = Exclude<AudioFeatureName, 'key'> | 'duration';

/** Most reasons given per track (model/explanation.ts). */
export const MAX_REASONS = 3;

/** Whether the track's value of an input is above (`high`) or below (`low`) the training mean. */
export type ReasonDirection = 'high' | 'low';

/** One input that pushed a theme's probability up. */
export interface Reason {
  readonly input: ExplainedInput;
  readonly direction: ReasonDirection;
  /**
   * How much higher the theme's probability is with the track's own value than with the input at
   * the training mean, in probability points (0..1, always > 0 for a reason).
   */
  readonly change: number;
}

/**
 * How each input reads when the track's value is above or below the training mean, in the words
 * of Spotify's audio-features reference
 * (developer.spotify.com/documentation/web-api/reference/get-audio-features): e.g. valence
 * "high ... sound more positive (e.g. happy, cheerful)", speechiness "the presence of spoken words".
 */
export const REASON_PHRASES: Readonly<Record<ExplainedInput, Readonly<Record<ReasonDirection, string>>>> = {
  acousticness: { high: 'acoustic', low: 'electric sound' },
  danceability: { high: 'danceable', low: 'hard to dance to' },
  energy: { high: 'high energy', low: 'low energy' },
  instrumentalness: { high: 'instrumental', low: 'vocals' },
  liveness: { high: 'live recording', low: 'studio sound' },
  loudness: { high: 'loud', low: 'quiet' },
  mode: { high: 'major key', low: 'minor key' },
  speechiness: { high: 'spoken words', low: 'little speech' },
  tempo: { high: 'fast tempo', low: 'slow tempo' },
  valence: { high: 'happy mood', low: 'sad mood' },
  duration: { high: 'long', low: 'short' },
};

/** The "why" line of `reasons` in order, e.g. `"high energy, fast tempo"`; `''` when there are none. */
export function describeReasons(reasons: readonly Pick<Reason, 'input' | 'direction'>[]): string {
  return reasons.map((r) => REASON_PHRASES[r.input][r.direction]).join(', ');
}
