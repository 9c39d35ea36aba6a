import { z } from 'zod';
import { DURATION_RANGE_MS, normalizeDurationMs } from './duration';

// The duration rule lives in ./duration (no zod: the content script uses it too); re-exported here with the encoding.
export { DURATION_RANGE_MS, normalizeDurationMs };

/**
 * The audio features the classifier reads: the 11 that both Spotify's
 * `GET /v1/audio-features` and ReccoBeats' `GET /v1/audio-features` return
 * (developer.spotify.com/documentation/web-api/reference/get-audio-features; reccobeats.com/docs).
 * `time_signature` is left out because ReccoBeats does not return it; the duration travels next to
 * the features ({@link ModelInput}) because it comes from the page or the track object, not from
 * the audio-features endpoints.
 *
 * Order matters only for documentation and CSV columns; the encoded vector's layout is
 * {@link ENCODED_FEATURE_NAMES}.
 */
export const AUDIO_FEATURE_NAMES = [
  'acousticness',
  'danceability',
  'energy',
  'instrumentalness',
  'key',
  'liveness',
  'loudness',
  'mode',
  'speechiness',
  'tempo',
  'valence',
] as const;

/** One of the 11 audio-feature names. */
export type AudioFeatureName = (typeof AUDIO_FEATURE_NAMES)[number];

const unit = z.number().min(0).max(1);

/**
 * zod schema of one track's audio features, with Spotify's documented ranges:
 * the seven perceptual features in [0, 1]; `loudness` in dB (Spotify documents about -60..0;
 * a few masters are louder than 0, so up to +10 is accepted); `tempo` in BPM (0..300);
 * `key` a pitch class 0..11 with -1 for "no key detected"; `mode` 1 major, 0 minor.
 * Unknown keys are stripped, so a provider's extra fields (id, href, isrc) pass through parse.
 */
export const AudioFeaturesSchema = z.object({
  acousticness: unit,
  danceability: unit,
  energy: unit,
  instrumentalness: unit,
  key: z.number().int().min(-1).max(11),
  liveness: unit,
  loudness: z.number().min(-80).max(10),
  mode: z.union([z.literal(0), z.literal(1)]),
  speechiness: unit,
  tempo: z.number().min(0).max(300),
  valence: unit,
});

/** One track's audio features (see {@link AudioFeaturesSchema} for units and ranges). */
export type AudioFeatures = z.infer<typeof AudioFeaturesSchema>;

/**
 * Features that are standardized as `(x - mean) / std` with training-set constants: every audio
 * feature but `key`, in {@link AUDIO_FEATURE_NAMES} order. (`mode` is 0/1 and standardizes fine.)
 */
export const CONTINUOUS_FEATURE_NAMES: readonly Exclude<AudioFeatureName, 'key'>[] = AUDIO_FEATURE_NAMES.filter(
  (name): name is Exclude<AudioFeatureName, 'key'> => name !== 'key',
);

/** Number of pitch classes; `key` is one-hot encoded over them (key -1 encodes as all zeros). */
export const KEY_CLASSES = 12;

/**
 * The two encoded positions that carry the track's duration (issue 10), one encoding for
 * training and runtime:
 *
 * - `log_duration`: `(ln(seconds) - mean) / std` of the duration after {@link normalizeDurationMs}
 *   (rounded to the second, clamped to {@link DURATION_RANGE_MS}), with `mean` / `std` of ln(seconds)
 *   over the training tracks; **0 when the duration is unknown**;
 * - `duration_missing`: 1 when the duration is unknown (`durationMs` null, not finite), else 0.
 *
 * Training masks a seeded share of its rows as missing so the network learns that case
 * (training/train.ts `DURATION_MASK_SHARE`).
 */
export const DURATION_FEATURE_NAMES = ['log_duration', 'duration_missing'] as const;

/** Name of the duration encoding, declared in `metadata.json` and checked at load. */
export const DURATION_ENCODING = 'standardized-log-seconds+missing-indicator' as const;

/**
 * Names of the encoded input vector's positions, in order: the 10 standardized continuous
 * features, `log_duration`, `duration_missing`, then `key_0` .. `key_11`. Length
 * {@link ENCODED_LENGTH} (24).
 */
export const ENCODED_FEATURE_NAMES: readonly string[] = [
  ...CONTINUOUS_FEATURE_NAMES,
  ...DURATION_FEATURE_NAMES,
  ...Array.from({ length: KEY_CLASSES }, (_, k) => `key_${k}`),
];

/** Length of the encoded input vector. */
export const ENCODED_LENGTH = ENCODED_FEATURE_NAMES.length;

/** Standardization constants, computed on the training split. */
export interface Normalization {
  /** Mean per feature in {@link CONTINUOUS_FEATURE_NAMES} order, in the feature's own unit. */
  readonly mean: readonly number[];
  /** Standard deviation per feature, same order; never 0 (see {@link computeNormalization}). */
  readonly std: readonly number[];
  /** Mean and standard deviation (never 0) of ln(duration in seconds) over the rows with a duration. */
  readonly logDuration: { readonly mean: number; readonly std: number };
}

/** ln(seconds) of a duration in ms after {@link normalizeDurationMs}, or `null` when unknown. */
export function logDurationSeconds(ms: number | null | undefined): number | null {
  const d = normalizeDurationMs(ms);
  return d === null ? null : Math.log(d / 1000);
}

/**
 * Computes standardization constants from training rows: the population mean and standard
 * deviation of each continuous feature, and of ln(seconds) over the rows whose duration is
 * known (mean 0, std 1 when none is). A feature with zero spread gets std 1 so encoding never
 * divides by zero. Throws `Error` on an empty input.
 */
export function computeNormalization(rows: readonly ModelInput[]): Normalization {
  if (rows.length === 0) throw new Error('computeNormalization needs at least one row');
  const mean: number[] = [];
  const std: number[] = [];
  const spread = (values: readonly number[]) => {
    const m = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
    const s = Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, values.length));
    return { mean: m, std: s > 1e-12 ? s : 1 };
  };
  for (const name of CONTINUOUS_FEATURE_NAMES) {
    const s = spread(rows.map((r) => r.features[name]));
    mean.push(s.mean);
    std.push(s.std);
  }
  const logs = rows.map((r) => logDurationSeconds(r.durationMs)).filter((v): v is number => v !== null);
  return { mean, std, logDuration: spread(logs) };
}

/**
 * Encodes one track as the model's input vector: {@link ENCODED_LENGTH} float32 values laid out
 * as {@link ENCODED_FEATURE_NAMES}. Training and the extension both call this, so the vector is
 * the same in both. Writes into `out` at `offset` when given (for batching).
 */
export function encodeInput(
  row: ModelInput,
  normalization: Normalization,
  out: Float32Array = new Float32Array(ENCODED_LENGTH),
  offset = 0,
): Float32Array {
  const { features } = row;
  CONTINUOUS_FEATURE_NAMES.forEach((name, i) => {
    out[offset + i] = (features[name] - (normalization.mean[i] ?? 0)) / (normalization.std[i] ?? 1);
  });
  const durationBase = offset + CONTINUOUS_FEATURE_NAMES.length;
  const log = logDurationSeconds(row.durationMs);
  out[durationBase] = log === null ? 0 : (log - normalization.logDuration.mean) / normalization.logDuration.std;
  out[durationBase + 1] = log === null ? 1 : 0;
  const keyBase = durationBase + DURATION_FEATURE_NAMES.length;
  for (let k = 0; k < KEY_CLASSES; k++) out[keyBase + k] = features.key === k ? 1 : 0;
  return out;
}

/** Encodes many tracks into one row-major `[rows.length, ENCODED_LENGTH]` Float32Array. */
export function encodeBatch(rows: readonly ModelInput[], normalization: Normalization): Float32Array {
  const out = new Float32Array(rows.length * ENCODED_LENGTH);
  rows.forEach((r, i) => encodeInput(r, normalization, out, i * ENCODED_LENGTH));
  return out;
}

/** What the model reads of one track: its audio features and its duration (ms, see {@link normalizeDurationMs}; `null` when unknown). */
export interface ModelInput {
  readonly features: AudioFeatures;
  readonly durationMs: number | null;
}
