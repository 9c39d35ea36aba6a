import { pickTheme } from '../model/classifier';
import { type AudioFeatures, type ModelInput } from '../model/features';
import type { ThemeId } from '../model/themes';

/**
 * Robustness of the badge to small changes of one input (issue 10): the share of tracks whose
 * badge theme (most probable enabled theme) changes when a single feature moves by a small
 * step up or down, the size of the noise between Spotify's and ReccoBeats' values of the same
 * track. A track counts as flipped when either direction changes its theme.
 */

/** One perturbed input: the feature, its step, and the range the moved value is clamped to. */
export interface Perturbation {
  readonly feature: Exclude<keyof AudioFeatures, 'key' | 'mode'> | 'durationMs';
  readonly step: number;
  readonly unit: string;
  readonly min: number;
  readonly max: number;
}

/** The steps of the issue: ±0.02 for the 0–1 features, ±2 BPM tempo, ±0.5 dB loudness (and ±1 s duration, for information). */
export const PERTURBATIONS: readonly Perturbation[] = [
  ...(['acousticness', 'danceability', 'energy', 'instrumentalness', 'liveness', 'speechiness', 'valence'] as const).map((feature) => ({ feature, step: 0.02, unit: '', min: 0, max: 1 })),
  { feature: 'tempo', step: 2, unit: ' BPM', min: 0, max: 300 },
  { feature: 'loudness', step: 0.5, unit: ' dB', min: -80, max: 10 },
  { feature: 'durationMs', step: 1000, unit: ' ms', min: 1000, max: 7_200_000 },
];

/** Largest share of flipped tracks the issue accepts for each feature step. */
export const MAX_FLIP_SHARE = 0.05;

/** `row` with one feature moved by `sign · step`, clamped to the feature's range (a missing duration stays missing). */
export function perturb(row: ModelInput, p: Perturbation, sign: 1 | -1): ModelInput {
  const clamp = (v: number) => Math.min(p.max, Math.max(p.min, v));
  if (p.feature === 'durationMs') return { features: row.features, durationMs: row.durationMs === null ? null : clamp(row.durationMs + sign * p.step) };
  return { features: { ...row.features, [p.feature]: clamp(row.features[p.feature] + sign * p.step) }, durationMs: row.durationMs };
}

/** Flip share per perturbation of a probability function over rows. */
export interface FlipShare {
  readonly perturbation: Perturbation;
  readonly share: number;
}

/**
 * Share of `rows` whose badge theme changes under each {@link PERTURBATIONS} step (up or down).
 * @param probabilities maps inputs to one probability row per input (labels order).
 */
export function flipShares(rows: readonly ModelInput[], probabilities: (rows: readonly ModelInput[]) => number[][], labels: readonly ThemeId[], enabled: readonly ThemeId[]): FlipShare[] {
  const theme = (ps: number[][]) => ps.map((p) => pickTheme(p, labels, enabled).theme);
  const base = theme(probabilities(rows));
  return PERTURBATIONS.map((perturbation) => {
    const up = theme(probabilities(rows.map((r) => perturb(r, perturbation, 1))));
    const down = theme(probabilities(rows.map((r) => perturb(r, perturbation, -1))));
    const flipped = base.filter((t, i) => up[i] !== t || down[i] !== t).length;
    return { perturbation, share: rows.length > 0 ? flipped / rows.length : 0 };
  });
}
