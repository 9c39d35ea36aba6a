/**
 * Fixtures shared by the unit tests, built in code (no data files, nothing from shared/data).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AudioFeatures } from '@/model/features';
import { THEME_IDS } from '@/model/themes';
import { DATA_LAYOUT } from '@/training/data';

/** The repository root (tests/unit/support → ../../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Where the real training data lives: `PLAYLIST_PREDICTOR_DATA`, else `../shared/data`,
 * resolved against the repository root. `exists` is false when the folder is absent.
 */
export function realDataDir(): { dir: string; exists: boolean } {
  const dir = resolve(REPO_ROOT, process.env.PLAYLIST_PREDICTOR_DATA ?? '../shared/data');
  return { dir, exists: existsSync(resolve(dir, 'README.md')) };
}

/** Makes `dir` a training data folder of `DATA_LAYOUT` (training/data.ts) whose files are empty: it passes the layout check, and reading it finds no rows. */
export function emptyDataLayout(dir: string): void {
  for (const f of DATA_LAYOUT) {
    mkdirSync(join(dir, f.endsWith('/') ? f : join(f, '..')), { recursive: true });
    if (!f.endsWith('/')) writeFileSync(join(dir, f), '');
  }
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A deterministic, valid 22-character base62 track ID for `n` (distinct `n` → distinct ID).
 * `prefix` (base62 characters) lets a test make IDs that sort in a chosen order.
 */
export function trackId(n: number, prefix = 'T'): string {
  let digits = '';
  let x = n;
  do {
    digits = BASE62[x % 62] + digits;
    x = Math.floor(x / 62);
  } while (x > 0);
  const body = `${prefix}${'0'.repeat(22)}`.slice(0, 22 - digits.length);
  return `${body}${digits}`;
}

/** A valid set of audio features (all in range); override any field. */
export function makeFeatures(overrides: Partial<AudioFeatures> = {}): AudioFeatures {
  return {
    acousticness: 0.25,
    danceability: 0.6,
    energy: 0.7,
    instrumentalness: 0.01,
    key: 5,
    liveness: 0.12,
    loudness: -6.5,
    mode: 1,
    speechiness: 0.05,
    tempo: 118,
    valence: 0.45,
    ...overrides,
  };
}

const NAMES_11 = [
  'acousticness', 'danceability', 'energy', 'instrumentalness', 'key', 'liveness',
  'loudness', 'mode', 'speechiness', 'tempo', 'valence',
];
const CONTINUOUS_10 = NAMES_11.filter((n) => n !== 'key');

/** A plausible evaluation block for `labels` (every number in range). */
function evaluationFor(labels: readonly string[]) {
  return {
    accuracy: 0.5,
    macroF1: 0.4,
    perTheme: Object.fromEntries(labels.map((l) => [l, { precision: 0.5, recall: 0.4, f1: 0.444, support: 10 }])),
    confusionMatrix: labels.map((_, i) => labels.map((__, j) => (i === j ? 4 : 1))),
  };
}

/**
 * A valid `metadata.json` value, written out by hand (the feature lists are spelled here rather
 * than taken from model/features.ts, so a change there is caught by the metadata tests).
 */
export function makeMetadataJson(options: { labels?: readonly string[]; experimental?: readonly string[] } = {}) {
  const labels = [...(options.labels ?? THEME_IDS)];
  return {
    formatVersion: 3,
    modelVersion: 'abc123def456',
    labels,
    experimental: [...(options.experimental ?? [])],
    minTracksPerTheme: 300,
    minPrecision: 1 / 3,
    features: {
      input: [...NAMES_11],
      encoded: [...CONTINUOUS_10, 'log_duration', 'duration_missing', ...Array.from({ length: 12 }, (_, k) => `key_${k}`)],
      normalization: {
        mean: [0.3, 0.5, 0.6, 0.2, 0.2, -9, 0.6, 0.1, 120, 0.4],
        std: [0.3, 0.2, 0.3, 0.3, 0.2, 6, 0.5, 0.1, 30, 0.25],
        logDuration: { mean: 5.3, std: 0.4 },
      },
      duration: {
        input: 'durationMs',
        roundedTo: 'second',
        rangeMs: [1000, 7_200_000] as [number, number],
        encoding: 'standardized-log-seconds+missing-indicator',
        missing: { value: 0, indicator: 'duration_missing' },
        maskedShare: 0.2,
      },
    },
    calibration: { temperature: 1.25, uncertainThreshold: 0.4, eceBefore: 0.08, eceAfter: 0.02 },
    quantization: { dtype: 'uint8', scheme: 'affine-per-tensor', weightBytes: 3816 },
    training: {
      seed: 42,
      trackCounts: Object.fromEntries(labels.map((l) => [l, 400])),
      splits: { train: 700, validation: 150, test: 150 },
      sources: [{ name: 'synthetic', file: 'synthetic.csv', rows: 1000, license: 'none' }],
      model: { hidden: [64, 32], dropout: 0.2, epochs: 40, classWeighting: 'balanced', softLabels: true, teacher: null, classBiases: null },
      crossValidation: {
        folds: 5,
        selected: { name: 'MLP', macroF1: { mean: 0.45, std: 0.02, min: 0.42, max: 0.48 }, accuracy: { mean: 0.5, std: 0.02, min: 0.47, max: 0.53 } },
        bestBaseline: { name: 'kNN', macroF1: { mean: 0.4, std: 0.02, min: 0.37, max: 0.43 }, accuracy: { mean: 0.45, std: 0.02, min: 0.42, max: 0.48 } },
        precision: Object.fromEntries(labels.map((l) => [l, 0.5])),
      },
    },
    metrics: { float32: evaluationFor(labels), float16: evaluationFor(labels), uint8: evaluationFor(labels), majorityBaseline: evaluationFor(labels) },
  };
}

/**
 * What `run` throws, for tests that look at a thrown value's fields (`toThrow` only matches its message).
 * @throws Error "expected a throw" when `run` returns, so the test fails.
 */
export function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/**
 * The message of the error of class `type` that `run` throws (e.g. a CLI's usage error, whose
 * message is the test's subject).
 * @throws the thrown value itself when it is not a `type`, and Error "expected a throw" when `run`
 *   returns, so the test fails on either.
 */
export function thrownMessage(run: () => unknown, type: abstract new (...args: never[]) => Error): string {
  const error = thrown(run);
  if (!(error instanceof type)) throw error;
  return error.message;
}
