import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  AUDIO_FEATURE_NAMES,
  AudioFeaturesSchema,
  CONTINUOUS_FEATURE_NAMES,
  ENCODED_FEATURE_NAMES,
  ENCODED_LENGTH,
  computeNormalization,
  encodeBatch,
  encodeFeatures,
  type AudioFeatures,
  type Normalization,
} from '@/model/features';
import { parseFeatureColumns } from '@/training/data';
import { makeFeatures, realDataDir, trackId } from './support/fixtures';

/** The documented layout, spelled out here rather than imported. */
const CONTINUOUS = [
  'acousticness', 'danceability', 'energy', 'instrumentalness', 'liveness',
  'loudness', 'mode', 'speechiness', 'tempo', 'valence',
] as const;

/** Distinct constants per feature so a mix-up of positions shows. */
const NORM: Normalization = {
  mean: [0.3, 0.55, 0.6, 0.2, 0.18, -9.5, 0.6, 0.09, 117, 0.42],
  std: [0.35, 0.2, 0.28, 0.37, 0.19, 6.8, 0.49, 0.092, 32, 0.26],
};

describe('feature layout', () => {
  it('encodes 10 continuous features then 12 key classes (22 values)', () => {
    expect([...CONTINUOUS_FEATURE_NAMES]).toEqual([...CONTINUOUS]);
    expect([...ENCODED_FEATURE_NAMES]).toEqual([
      ...CONTINUOUS,
      'key_0', 'key_1', 'key_2', 'key_3', 'key_4', 'key_5', 'key_6', 'key_7', 'key_8', 'key_9', 'key_10', 'key_11',
    ]);
    expect(ENCODED_LENGTH).toBe(22);
    expect([...AUDIO_FEATURE_NAMES].sort()).toEqual([...CONTINUOUS, 'key'].sort());
  });
});

describe('encodeFeatures', () => {
  const features = makeFeatures({
    acousticness: 0.9, danceability: 0.15, energy: 0.05, instrumentalness: 0.8, liveness: 0.3,
    loudness: -22.4, mode: 0, speechiness: 0.2, tempo: 64.5, valence: 0.7, key: 3,
  });

  it('standardizes each continuous feature with its own mean and std, in order', () => {
    const out = encodeFeatures(features, NORM);
    expect(out).toBeInstanceOf(Float32Array);
    expect(out.length).toBe(22);
    // z-scores computed by hand: (x - mean) / std.
    const expected = [
      (0.9 - 0.3) / 0.35, // acousticness
      (0.15 - 0.55) / 0.2, // danceability
      (0.05 - 0.6) / 0.28, // energy
      (0.8 - 0.2) / 0.37, // instrumentalness
      (0.3 - 0.18) / 0.19, // liveness
      (-22.4 - -9.5) / 6.8, // loudness
      (0 - 0.6) / 0.49, // mode
      (0.2 - 0.09) / 0.092, // speechiness
      (64.5 - 117) / 32, // tempo
      (0.7 - 0.42) / 0.26, // valence
    ];
    expected.forEach((z, i) => expect(out[i]).toBe(Math.fround(z)));
  });

  it('one-hot encodes key 0..11 after the continuous block', () => {
    for (let key = 0; key < 12; key++) {
      const out = encodeFeatures(makeFeatures({ key }), NORM);
      const oneHot = Array.from(out.subarray(10));
      expect(oneHot).toEqual(Array.from({ length: 12 }, (_, k) => (k === key ? 1 : 0)));
    }
  });

  it('encodes key -1 ("no key detected") as all zeros', () => {
    const out = encodeFeatures(makeFeatures({ key: -1 }), NORM);
    expect(Array.from(out.subarray(10))).toEqual(new Array(12).fill(0));
  });

  it('writes at the given offset and leaves the rest of the buffer alone', () => {
    const out = new Float32Array(22 * 3).fill(-7);
    encodeFeatures(features, NORM, out, 22);
    expect(Array.from(out.subarray(0, 22))).toEqual(new Array(22).fill(-7));
    expect(Array.from(out.subarray(44))).toEqual(new Array(22).fill(-7));
    expect(Array.from(out.subarray(22, 44))).toEqual(Array.from(encodeFeatures(features, NORM)));
  });
});

describe('computeNormalization', () => {
  it('gives the population mean and standard deviation per feature', () => {
    const rows = [
      makeFeatures({ energy: 0.2, tempo: 100 }),
      makeFeatures({ energy: 0.4, tempo: 120 }),
      makeFeatures({ energy: 0.9, tempo: 170 }),
    ];
    const n = computeNormalization(rows);
    const energy = CONTINUOUS.indexOf('energy');
    const tempo = CONTINUOUS.indexOf('tempo');
    // energy: mean 0.5, deviations -0.3, -0.1, 0.4 → variance (0.09 + 0.01 + 0.16) / 3 (not / 2).
    expect(n.mean[energy]).toBeCloseTo(0.5, 12);
    expect(n.std[energy]).toBeCloseTo(Math.sqrt(0.26 / 3), 12);
    // tempo: mean 130, deviations -30, -10, 40 → variance 2600 / 3.
    expect(n.mean[tempo]).toBeCloseTo(130, 10);
    expect(n.std[tempo]).toBeCloseTo(Math.sqrt(2600 / 3), 10);
    expect(n.mean).toHaveLength(10);
    expect(n.std).toHaveLength(10);
  });

  it('uses std 1 for a feature with zero spread, so encoding never divides by zero', () => {
    const rows = [makeFeatures({ mode: 1, valence: 0.1 }), makeFeatures({ mode: 1, valence: 0.3 })];
    const n = computeNormalization(rows);
    const mode = CONTINUOUS.indexOf('mode');
    expect(n.mean[mode]).toBe(1);
    expect(n.std[mode]).toBe(1);
    const encoded = encodeFeatures(rows[0] as AudioFeatures, n);
    expect(encoded.every(Number.isFinite)).toBe(true);
    expect(encoded[mode]).toBe(0);
  });

  it('throws on an empty input', () => {
    expect(() => computeNormalization([])).toThrow(/at least one row/);
  });
});

describe('encodeBatch', () => {
  it('equals the per-row encodings laid out row-major', () => {
    const rows = [makeFeatures({ key: -1, energy: 0.1 }), makeFeatures({ key: 0, tempo: 180 }), makeFeatures({ key: 11, loudness: -40 })];
    const batch = encodeBatch(rows, NORM);
    expect(batch.length).toBe(3 * 22);
    rows.forEach((r, i) => {
      expect(Array.from(batch.subarray(i * 22, (i + 1) * 22))).toEqual(Array.from(encodeFeatures(r, NORM)));
    });
    expect(encodeBatch([], NORM).length).toBe(0);
  });
});

/**
 * The training side reads CSV text (Number of each column); the extension reads ReccoBeats JSON
 * (JSON numbers, validated by AudioFeaturesSchema). For the same track the model input must be
 * the same to the last bit.
 */
function trainingVector(record: Record<string, string>, normalization: Normalization): Float32Array {
  const parsed = parseFeatureColumns(record);
  if ('error' in parsed) throw new Error(`fixture row invalid: ${parsed.error.column} ${parsed.error.message}`);
  return encodeFeatures(parsed.features, normalization);
}

/** A ReccoBeats-shaped item parsed from JSON text in which the numbers are written exactly as given. */
function reccoBeatsItem(id: string, numbersAsText: Record<string, string>): unknown {
  const fields = Object.entries(numbersAsText).map(([k, v]) => `"${k}":${v}`).join(',');
  const body = `{"content":[{"id":"1f1c0a34-aaaa-bbbb-cccc-0123456789ab","href":"https://open.spotify.com/track/${id}","isrc":"USXX11111111",${fields}}]}`;
  return (JSON.parse(body) as { content: unknown[] }).content[0];
}

function runtimeVector(id: string, numbersAsText: Record<string, string>, normalization: Normalization): Float32Array {
  return encodeFeatures(AudioFeaturesSchema.parse(reccoBeatsItem(id, numbersAsText)), normalization);
}

describe('training and runtime give identical vectors', () => {
  const header = ['track_id', 'track_name', 'track_artist', 'playlist_name', ...AUDIO_FEATURE_NAMES, 'duration_ms'];
  // Number spellings seen in CSV exports: exponents, trailing zeros, integers for floats.
  const rows: Record<string, string>[] = [
    { acousticness: '0.102', danceability: '0.748', energy: '0.916', instrumentalness: '0', key: '6', liveness: '0.0653', loudness: '-2.634', mode: '1', speechiness: '0.0583', tempo: '122.036', valence: '0.518' },
    { acousticness: '0.957', danceability: '0.111', energy: '0.0185', instrumentalness: '0.94', key: '0', liveness: '0.087', loudness: '-32.335', mode: '0', speechiness: '0.0424', tempo: '76.153', valence: '0.0459' },
    { acousticness: '1.67e-05', danceability: '0.5', energy: '1.0', instrumentalness: '2.3E-6', key: '-1', liveness: '0.99', loudness: '-0.001', mode: '1', speechiness: '0.3', tempo: '200.000', valence: '1' },
    { acousticness: '0.333333333333333', danceability: '0.1', energy: '0.2', instrumentalness: '0.7', key: '11', liveness: '0.3', loudness: '-60', mode: '0', speechiness: '0.4', tempo: '59.999', valence: '0.123456789' },
  ];

  it('for every track, element for element', () => {
    const csvText = [
      header.join(','),
      ...rows.map((r, i) => header.map((h) => (h === 'track_id' ? trackId(i) : h === 'track_name' ? `"Song, ${i}"` : h === 'track_artist' ? 'Artist' : h === 'playlist_name' ? 'Workout' : h === 'duration_ms' ? '200000' : r[h])).join(',')),
    ].join('\n');
    const records: Record<string, string>[] = parse(csvText, { columns: true });
    expect(records).toHaveLength(rows.length);
    const parsedRows = records.map((r) => {
      const p = parseFeatureColumns(r);
      if ('error' in p) throw new Error(p.error.message);
      return p.features;
    });
    const normalization = computeNormalization(parsedRows);
    records.forEach((record, i) => {
      const training = trainingVector(record, normalization);
      const runtime = runtimeVector(trackId(i), rows[i] as Record<string, string>, normalization);
      expect(runtime.length).toBe(22);
      expect(Array.from(runtime)).toEqual(Array.from(training));
      // Bit-identical, not just close: compare the raw bytes too.
      expect(Buffer.from(runtime.buffer).equals(Buffer.from(training.buffer))).toBe(true);
    });
  });
});

describe('AudioFeaturesSchema', () => {
  it('accepts the documented boundary values and strips provider extras', () => {
    for (const edge of [
      { key: -1, loudness: 10, tempo: 0, energy: 0, mode: 0 as const },
      { key: 11, loudness: -80, tempo: 300, energy: 1, mode: 1 as const },
    ]) {
      const parsed = AudioFeaturesSchema.parse({ ...makeFeatures(edge), id: 'x', href: 'y', isrc: 'z' });
      expect(parsed).toEqual(makeFeatures(edge));
    }
  });

  it.each([
    ['energy above 1', { energy: 1.01 }],
    ['danceability below 0', { danceability: -0.01 }],
    ['valence above 1', { valence: 2 }],
    ['key 12', { key: 12 }],
    ['key -2', { key: -2 }],
    ['non-integer key', { key: 2.5 }],
    ['mode 2', { mode: 2 }],
    ['mode 0.5', { mode: 0.5 }],
    ['tempo above 300', { tempo: 301 }],
    ['negative tempo', { tempo: -1 }],
    ['loudness far below -60 dB', { loudness: -81 }],
    ['loudness above +10 dB', { loudness: 11 }],
    ['NaN', { speechiness: Number.NaN }],
    ['a string number', { liveness: '0.1' }],
  ])('rejects %s', (_, override) => {
    const result = AudioFeaturesSchema.safeParse({ ...makeFeatures(), ...override });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([Object.keys(override)[0]]);
  });

  it('rejects a missing feature', () => {
    const rest: Partial<AudioFeatures> = makeFeatures();
    delete rest.tempo;
    const result = AudioFeaturesSchema.safeParse(rest);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['tempo']);
  });
});

const real = realDataDir();
if (!real.exists) {
  console.log(`[features.test] skipping the real-data parity check: no training data at ${real.dir} (set PLAYLIST_PREDICTOR_DATA to its folder)`);
}

describe.skipIf(!real.exists)('training and runtime give identical vectors on real rows', () => {
  it('for the first rows of TidyTuesday and of every genre file', () => {
    const files = [
      join(real.dir, 'tidytuesday', 'spotify_songs.csv'),
      ...readdirSync(join(real.dir, 'spotify-tracks-genres')).filter((f) => f.endsWith('.csv')).map((f) => join(real.dir, 'spotify-tracks-genres', f)),
    ];
    const normalization = NORM;
    let compared = 0;
    for (const file of files) {
      const records: Record<string, string>[] = parse(readFileSync(file), { columns: true, to_line: 101, skip_empty_lines: true });
      for (const record of records) {
        const id = record.track_id ?? '';
        const raw = Object.fromEntries(AUDIO_FEATURE_NAMES.map((n) => [n, (record[n] ?? '').trim()]));
        if ('error' in parseFeatureColumns(record)) {
          // A row training skips must not be accepted at runtime either.
          expect(AudioFeaturesSchema.safeParse(reccoBeatsItem(id, raw)).success, `${file} track ${id}`).toBe(false);
          continue;
        }
        // The CSV's number text is written straight into the JSON body.
        const runtime = runtimeVector(id, raw, normalization);
        const training = trainingVector(record, normalization);
        expect(Buffer.from(runtime.buffer).equals(Buffer.from(training.buffer)), `${file} track ${id}`).toBe(true);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(500);
  });
});
