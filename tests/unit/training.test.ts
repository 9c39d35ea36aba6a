import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier } from '@/model/classifier';
import { parseModelMetadata, type ModelMetadata } from '@/model/metadata';
import { THEME_IDS, type ThemeId } from '@/model/themes';
import { dataCheckReport } from '@/training/data-check';
import { loadLabelledTracks, majorityTheme, type DataStats, type LabelledTrack, type TrackInfo } from '@/training/data';
import { badgeMacroF1, evaluate } from '@/training/metrics';
import { ModelJsonSchema, fileModelHandler, type ModelJson } from '@/training/model-files';
import { dequantizeUint8, fromFloat16Bits, quantizeUint8, toFloat16Bits } from '@/training/quantize';
import { createRng, groupedSplit, stratifiedGroupKFold } from '@/training/split';
import { FOLDS, runTraining, type TrainingReport } from '@/training/train';
import { FOLD_STAGES, foldContext, mergeFoldParts, runFold, type FoldOutcome, type FoldSetup } from '@/training/cv-fold';
import { foldRunParts, runFolds } from '@/training/cv-pool';
import { selectWasmBackend } from '@/training/model';
import { REPO_ROOT, makeFeatures, realDataDir, trackId } from './support/fixtures';

/* ------------------------------------------------------------------------------------------ */
/* Synthetic data in the layout of shared/data (see its README), built here in code.           */
/* ------------------------------------------------------------------------------------------ */

type Features = ReturnType<typeof makeFeatures>;

/** Where each theme's tracks sit in feature space, so that the data carries signal. */
const CENTRES: Record<ThemeId, Partial<Features>> = {
  workout: { energy: 0.9, danceability: 0.65, tempo: 160, loudness: -4, acousticness: 0.05, valence: 0.5 },
  party: { energy: 0.8, danceability: 0.85, tempo: 124, loudness: -5, acousticness: 0.1, valence: 0.8 },
  dinner: { energy: 0.35, danceability: 0.5, tempo: 100, loudness: -12, acousticness: 0.7, valence: 0.6 },
  sleep: { energy: 0.05, danceability: 0.15, tempo: 65, loudness: -30, acousticness: 0.95, instrumentalness: 0.9, valence: 0.1 },
  focus: { energy: 0.3, danceability: 0.7, tempo: 85, loudness: -11, acousticness: 0.6, instrumentalness: 0.85, valence: 0.4 },
  chill: { energy: 0.4, danceability: 0.6, tempo: 95, loudness: -9, acousticness: 0.45, valence: 0.45 },
  romance: { energy: 0.45, danceability: 0.55, tempo: 90, loudness: -8, acousticness: 0.4, valence: 0.55, speechiness: 0.08 },
  roadtrip: { energy: 0.7, danceability: 0.55, tempo: 120, loudness: -6, acousticness: 0.2, valence: 0.65 },
};

const clip = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const round = (v: number, digits: number) => Number(v.toFixed(digits));

function featuresNear(theme: ThemeId, random: () => number): Features {
  const c = makeFeatures({ instrumentalness: 0.05, speechiness: 0.05, liveness: 0.15, ...CENTRES[theme] });
  const jitter = (v: number, spread: number, lo: number, hi: number, digits = 4) => round(clip(v + (random() - 0.5) * 2 * spread, lo, hi), digits);
  return {
    acousticness: jitter(c.acousticness, 0.1, 0, 1),
    danceability: jitter(c.danceability, 0.1, 0, 1),
    energy: jitter(c.energy, 0.1, 0, 1),
    instrumentalness: jitter(c.instrumentalness, 0.05, 0, 1),
    key: Math.floor(random() * 13) - 1,
    liveness: jitter(c.liveness, 0.1, 0, 1),
    loudness: jitter(c.loudness, 2, -60, 0, 3),
    mode: random() < 0.6 ? 1 : 0,
    speechiness: jitter(c.speechiness, 0.03, 0, 1),
    tempo: jitter(c.tempo, 10, 40, 220, 3),
    valence: jitter(c.valence, 0.1, 0, 1),
  };
}

interface SynthTrack {
  readonly id: string;
  readonly title: string;
  readonly artist: string;
  readonly features: Features;
}

const TT_COLUMNS = [
  'track_id', 'track_name', 'track_artist', 'track_popularity', 'track_album_id', 'track_album_name', 'track_album_release_date',
  'playlist_name', 'playlist_id', 'playlist_genre', 'playlist_subgenre', 'danceability', 'energy', 'key', 'loudness', 'mode',
  'speechiness', 'acousticness', 'instrumentalness', 'liveness', 'valence', 'tempo', 'duration_ms',
];
const GENRE_COLUMNS = [
  'index', 'track_id', 'artists', 'album_name', 'track_name', 'popularity', 'duration_ms', 'explicit', 'danceability', 'energy',
  'key', 'loudness', 'mode', 'speechiness', 'acousticness', 'instrumentalness', 'liveness', 'valence', 'tempo', 'time_signature', 'track_genre',
];

/** What the synthetic data set should label, decided when it is generated (independent of data.ts). */
interface Synthetic {
  readonly dir: string;
  /** Track ID → the label a correct loader gives it. */
  readonly expected: Map<string, ThemeId>;
  /** IDs of the tracks no themed source votes for (the transfer set a correct loader returns). */
  readonly unlabelled: Set<string>;
  /** Track ID → its audio features, for every generated track. */
  readonly features: Map<string, Features>;
  readonly special: { dupA: string; dupB: string; dupC: string; majority: string; tie: string; badTempo: string; badEnergy: string };
}

function writeSyntheticData(dir: string): Synthetic {
  const random = createRng(20240601);
  let serial = 0;
  const expected = new Map<string, ThemeId>();
  const features = new Map<string, Features>();
  const ttRows: Record<string, string | number>[] = [];
  const genreRows = new Map<string, Record<string, string | number>[]>();
  const mpdPlaylists: { pid: number; playlist_name: string; num_tracks: number }[] = [];
  const mpdTracks: { pid: number; pos: number; track_id: string }[] = [];

  const newTrack = (theme: ThemeId | undefined, artistNo: number, prefix = 'S'): SynthTrack => {
    serial++;
    const t = {
      id: trackId(serial, prefix),
      title: `Song ${serial}`,
      artist: `Artist ${artistNo}`,
      features: featuresNear(theme ?? THEME_IDS[serial % THEME_IDS.length] as ThemeId, random),
    };
    features.set(t.id, t.features);
    return t;
  };
  const tt = (t: SynthTrack, playlist: string, pid: string, overrides: Record<string, string> = {}) =>
    ttRows.push({
      track_id: t.id, track_name: t.title, track_artist: t.artist, track_popularity: 50, track_album_id: 'A'.repeat(22),
      track_album_name: 'Album', track_album_release_date: '2019-01-01', playlist_name: playlist, playlist_id: pid,
      playlist_genre: 'pop', playlist_subgenre: 'dance pop', ...t.features, duration_ms: 200000, ...overrides,
    });
  const genre = (t: SynthTrack, name: string, overrides: Record<string, string> = {}) => {
    const rows = genreRows.get(name) ?? [];
    genreRows.set(name, rows);
    rows.push({
      index: rows.length, track_id: t.id, artists: `${t.artist};Guest ${rows.length}`, album_name: 'Album', track_name: t.title,
      popularity: 40, duration_ms: 180000, explicit: 'FALSE', ...t.features, time_signature: 4, track_genre: name, ...overrides,
    });
  };
  const mpd = (name: string, ids: readonly string[]) => {
    const pid = 1000 + mpdPlaylists.length;
    mpdPlaylists.push({ pid, playlist_name: name, num_tracks: ids.length });
    ids.forEach((track_id, pos) => mpdTracks.push({ pid, pos, track_id }));
  };

  // Each theme gets 50 tracks by 25 artists (2 each), from the sources the README describes.
  let artistNo = 0;
  const block = (theme: ThemeId, n = 50) =>
    Array.from({ length: n }, (_, i) => {
      if (i % 2 === 0) artistNo++;
      const t = newTrack(theme, artistNo);
      expected.set(t.id, theme);
      return t;
    });
  for (const t of block('workout')) tt(t, 'Beast Mode Workout', 'ttWorkout');
  const party = block('party');
  party.slice(0, 25).forEach((t) => tt(t, 'Party Bangers', 'ttParty'));
  party.slice(25).forEach((t) => genre(t, 'party'));
  // dinner: only MPD names it; the tracks' features come from a non-themed TidyTuesday playlist.
  const dinner = block('dinner');
  dinner.forEach((t) => tt(t, 'Pop Hits', 'ttPop'));
  mpd('Sunday Dinner 🍝', dinner.map((t) => t.id));
  block('sleep').forEach((t) => genre(t, 'sleep'));
  block('focus').forEach((t) => genre(t, 'study'));
  const chill = block('chill');
  chill.slice(0, 25).forEach((t) => genre(t, 'chill'));
  chill.slice(25).forEach((t) => tt(t, 'Pop Hits', 'ttPop'));
  // "Chill Party" is a chill playlist (party's excludes).
  mpd('Chill Party', chill.slice(25).map((t) => t.id));
  block('romance').forEach((t) => genre(t, 'romance'));
  block('roadtrip').forEach((t) => tt(t, 'Late Night Drive', 'ttDrive'));

  // Unlabelled: a genre that is not an occasion, tracks only in non-themed playlists.
  const unlabelled = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const t = newTrack(undefined, 5000 + i);
    unlabelled.add(t.id);
    genre(t, 'happy');
  }
  for (let i = 0; i < 20; i++) {
    const t = newTrack(undefined, 6000 + i);
    unlabelled.add(t.id);
    tt(t, 'Pop Hits', 'ttPop');
  }
  // An unthemed copy of a labelled recording (same title and artist) is not unlabelled data.
  const copy = { ...newTrack(undefined, 1), title: 'Song 1' };
  tt(copy, 'Pop Hits', 'ttPop');
  // Noise in MPD: an artist name with no theme, an ambiguous name, a track without features.
  mpd('Keith Sweat', [trackId(1, 'S'), trackId(2, 'S')]);
  mpd('Workout Party', party.slice(0, 5).map((t) => t.id));
  mpd('gym', [trackId(999_999, 'Z')]);

  // Special cases.
  const dupA = newTrack('workout', 7001, 'D');
  const dupB = { ...newTrack('workout', 7001, 'E'), title: dupA.title };
  // dupC shares dupB's audio (identical features) under another title: a chain A~B~C, one recording.
  const dupC = { ...newTrack('workout', 7001, 'F'), title: 'Song (Remastered)' };
  const dupCWithBFeatures = { ...dupC, features: dupB.features };
  features.set(dupC.id, dupB.features);
  tt(dupA, 'Beast Mode Workout', 'ttWorkout');
  tt(dupB, 'Beast Mode Workout', 'ttWorkout');
  tt(dupCWithBFeatures, 'Beast Mode Workout', 'ttWorkout');
  expected.set(dupA.id, 'workout');

  const majority = newTrack('workout', 7002);
  tt(majority, 'Chill Vibes', 'ttChill');
  tt(majority, 'Beast Mode Workout', 'ttWorkout');
  mpd('gym', [majority.id]);
  expected.set(majority.id, 'workout');

  const tie = newTrack('chill', 7003);
  tt(tie, 'Chill Vibes', 'ttChill');
  tt(tie, 'Beast Mode Workout', 'ttWorkout');

  const badTempo = newTrack('workout', 7004);
  tt(badTempo, 'Beast Mode Workout', 'ttWorkout', { tempo: 'fast' });
  const badEnergy = newTrack('sleep', 7005);
  genre(badEnergy, 'sleep', { energy: '' });

  mkdirSync(join(dir, 'tidytuesday'), { recursive: true });
  mkdirSync(join(dir, 'mpd'), { recursive: true });
  mkdirSync(join(dir, 'spotify-tracks-genres'), { recursive: true });
  const ttFile = join(dir, 'tidytuesday', 'spotify_songs.csv');
  writeFileSync(ttFile, stringify(ttRows, { header: true, columns: TT_COLUMNS }));
  writeFileSync(join(dir, 'mpd', 'playlists.csv'), stringify(mpdPlaylists, { header: true, columns: ['pid', 'playlist_name', 'num_tracks'] }));
  writeFileSync(join(dir, 'mpd', 'playlist_tracks.csv'), stringify(mpdTracks, { header: true, columns: ['pid', 'pos', 'track_id'] }));
  for (const [name, rows] of genreRows) {
    writeFileSync(join(dir, 'spotify-tracks-genres', `${name}.csv`), stringify(rows, { header: true, columns: GENRE_COLUMNS }));
  }
  return {
    dir,
    expected,
    unlabelled,
    features,
    special: { dupA: dupA.id, dupB: dupB.id, dupC: dupC.id, majority: majority.id, tie: tie.id, badTempo: badTempo.id, badEnergy: badEnergy.id },
  };
}

let work: string;
let data: Synthetic;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pp-training-'));
  data = writeSyntheticData(join(work, 'data'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/* ------------------------------------------------------------------------------------------ */

describe('loadLabelledTracks on synthetic data', () => {
  let tracks: LabelledTrack[];
  let unlabelled: TrackInfo[];
  let stats: DataStats;
  beforeAll(() => {
    ({ tracks, unlabelled, stats } = loadLabelledTracks(data.dir));
  });

  it('returns the tracks no themed source voted for as unlabelled, without copies of labelled recordings', () => {
    expect(new Set(unlabelled.map((t) => t.trackId))).toEqual(data.unlabelled);
    expect(stats.unlabelledTracks).toBe(data.unlabelled.size);
    // The ambiguous tie track has votes, so it is neither labelled nor unlabelled.
    expect(unlabelled.map((t) => t.trackId)).not.toContain(data.special.tie);
    expect(unlabelled.every((t) => t.durationMs === 180_000 || t.durationMs === 200_000)).toBe(true);
  });

  it('labels every themed track with its theme and nothing else', () => {
    const got = new Map(tracks.map((t) => [t.trackId, t.theme]));
    expect(got).toEqual(data.expected);
    const counts = Object.fromEntries(THEME_IDS.map((t) => [t, [...data.expected.values()].filter((x) => x === t).length]));
    expect(stats.trackCounts).toEqual(counts);
  });

  it('returns tracks sorted by ID with lower-cased primary artists', () => {
    const ids = tracks.map((t) => t.trackId);
    expect(ids).toEqual([...ids].sort());
    expect(tracks.every((t) => /^artist \d+$/.test(t.artist))).toBe(true);
  });

  it('merges the same title and artist, and identical features, into the smallest ID, summing votes (chains too)', () => {
    const ids = tracks.map((t) => t.trackId);
    expect(ids).toContain(data.special.dupA);
    expect(ids).not.toContain(data.special.dupB);
    expect(ids).not.toContain(data.special.dupC);
    expect(tracks.find((t) => t.trackId === data.special.dupA)?.votes.tidytuesday).toEqual({ workout: 3 });
    expect(stats.duplicateIds).toBe(2);
  });

  it('gives every track soft labels: its vote shares per theme', () => {
    const t = tracks.find((x) => x.trackId === data.special.majority);
    const expectedSoft = THEME_IDS.map((id) => (id === 'workout' ? 2 / 3 : id === 'chill' ? 1 / 3 : 0));
    t?.softLabel.forEach((v, i) => expect(v).toBeCloseTo(expectedSoft[i] as number, 12));
    expect(t?.softLabel).toHaveLength(THEME_IDS.length);
    for (const x of tracks) {
      expect(x.softLabel.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(THEME_IDS[x.softLabel.indexOf(Math.max(...x.softLabel))]).toBe(x.theme);
    }
    expect(stats.multiThemeTracks).toBe(1);
  });

  it('labels a track in one chill and two workout playlists as workout', () => {
    const t = tracks.find((x) => x.trackId === data.special.majority);
    expect(t?.theme).toBe('workout');
    expect(t?.votes).toEqual({ tidytuesday: { chill: 1, workout: 1 }, mpd: { workout: 1 }, genres: {} });
  });

  it('drops a track whose themes tie', () => {
    expect(tracks.map((t) => t.trackId)).not.toContain(data.special.tie);
    expect(stats.tiedTracks).toBe(1);
  });

  it('counts rows with a non-numeric or missing feature as invalid, per source file as the sources name it', () => {
    expect(stats.invalidRows).toEqual({ 'tidytuesday/spotify_songs.csv': 1, 'spotify-tracks-genres/sleep.csv': 1 });
    expect(stats.sources.map((s) => s.file)).toEqual(expect.arrayContaining(Object.keys(stats.invalidRows)));
    const ids = tracks.map((t) => t.trackId);
    expect(ids).not.toContain(data.special.badTempo);
    expect(ids).not.toContain(data.special.badEnergy);
  });

  it('npm run data:check names the invalid rows of each file that has some, and of no other', () => {
    const lines = dataCheckReport(data.dir);
    const skippedLines = lines.filter((l) => l.includes('skipped as invalid'));
    expect(skippedLines).toHaveLength(2);
    expect(skippedLines[0]).toMatch(/^ {2}tidytuesday\/spotify_songs\.csv: \d+ rows .*, 1 skipped as invalid$/);
    expect(skippedLines[1]).toMatch(/^ {2}spotify-tracks-genres\/sleep\.csv: \d+ rows .*, 1 skipped as invalid$/);
  });

  it('counts playlists that match several themes', () => {
    // "Workout Party" only; "Chill Party" is chill by the excludes rule.
    expect(stats.ambiguousPlaylists).toBe(1);
  });

  it('throws naming the missing file', () => {
    expect(() => loadLabelledTracks(join(work, 'nowhere'))).toThrow(/Training data not found: .*nowhere.*spotify_songs\.csv/);
  });
});

/* ------------------------------------------------------------------------------------------ */

describe('runTraining (short run on synthetic data)', () => {
  let outA: string;
  let outB: string;
  let result: Awaited<ReturnType<typeof runTraining>>;
  let modelJson: ModelJson;
  let report: TrainingReport | undefined;
  let reportInThisThread: TrainingReport | undefined;
  const linesInWorkers: string[] = [];
  const linesInThisThread: string[] = [];

  beforeAll(async () => {
    outA = join(work, 'model-a');
    outB = join(work, 'model-b');
    // Small settings keep the test quick; cross-validation, every baseline (GBT and the
    // ensemble too), distillation and calibration all run.
    const grid = [{ hidden: [16], dropout: 0.1, classWeighting: 'balanced' as const, softLabels: true, duration: false }];
    const ensemble = { size: 2, member: { hidden: [16], dropout: 0, classWeighting: 'balanced' as const, softLabels: true } };
    const students = [
      { teacher: 'mlp+gbt' as const, hidden: [24], epochs: 30, jitterCopies: 1, jitter: 0.15 },
      { teacher: 'gbt' as const, transfer: true, hidden: [24], epochs: 30, jitterCopies: 1, jitter: 0.15 },
    ];
    const options = { dataDir: data.dir, seed: 7, epochs: 20, grid, ensemble, students };
    // Run A fits the folds in two worker threads (training/cv-pool.ts), run B one after another in this thread.
    result = await runTraining({ ...options, workers: 2, outDir: outA, log: (l) => linesInWorkers.push(l), onReport: async (r) => void (report = r) });
    await runTraining({ ...options, workers: 1, outDir: outB, log: (l) => linesInThisThread.push(l), onReport: async (r) => void (reportInThisThread = r) });
    modelJson = ModelJsonSchema.parse(JSON.parse(readFileSync(join(outA, 'model.json'), 'utf8')));
  });

  it('writes a model.json with every weight stored as uint8', () => {
    const specs = modelJson.weightsManifest[0]?.weights ?? [];
    expect(specs.length).toBeGreaterThan(0);
    for (const spec of specs) {
      expect(spec.dtype).toBe('float32');
      expect(spec.quantization.dtype).toBe('uint8');
      expect(spec.quantization.scale).toBeGreaterThan(0);
    }
    expect(modelJson.weightsManifest[0]?.paths).toEqual(['group1-shard1of1.bin']);
  });

  it('writes one byte per parameter, as many as the topology has', () => {
    const specs = modelJson.weightsManifest[0]?.weights ?? [];
    const fromSpecs = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    const binSize = statSync(join(outA, 'group1-shard1of1.bin')).size;
    expect(binSize).toBe(fromSpecs);

    // Independently from the topology: dense layers of `units`, fed by 24 inputs.
    const layers = (modelJson.modelTopology as { config: { layers: { class_name: string; config: { units: number } }[] } }).config.layers;
    let inputs = 24;
    let params = 0;
    for (const layer of layers.filter((l) => l.class_name === 'Dense')) {
      params += inputs * layer.config.units + layer.config.units;
      inputs = layer.config.units;
    }
    expect(inputs).toBe(THEME_IDS.length);
    expect(binSize).toBe(params);
  });

  it('writes metadata.json that parses and matches the weights', () => {
    const metadata: ModelMetadata = parseModelMetadata(JSON.parse(readFileSync(join(outA, 'metadata.json'), 'utf8')));
    const binSize = statSync(join(outA, 'group1-shard1of1.bin')).size;
    expect(metadata.quantization.weightBytes).toBe(binSize);
    expect(result.weightBytes).toBe(binSize);
    expect(metadata.labels).toEqual([...THEME_IDS]);
    expect(metadata.training.seed).toBe(7);
    const { train, validation, test } = metadata.training.splits;
    expect(train + validation + test).toBe(data.expected.size);
    expect(train).toBeGreaterThan(test);
    expect(metadata.training.model.epochs).toBeGreaterThan(0);
    // Whichever network won, the metadata says how it was trained (a student names its teacher).
    if (metadata.training.model.teacher === null) expect(metadata.training.model.classWeighting).toBe('balanced');
    else expect(metadata.training.model).toMatchObject({ hidden: [24], teacher: expect.stringMatching(/^(ensemble of 2 MLPs|gradient-boosted trees)/) as string, classWeighting: 'none' });
    expect(metadata.features.duration).toMatchObject({ input: 'durationMs', rangeMs: [1000, 7_200_000], missing: { value: 0, indicator: 'duration_missing' } });
    // The synthetic tracks are 200 s (TidyTuesday) or 180 s (genres): ln-seconds constants from those.
    expect(metadata.features.normalization.logDuration.mean).toBeGreaterThan(Math.log(180) - 1e-9);
    expect(metadata.features.normalization.logDuration.mean).toBeLessThan(Math.log(200) + 1e-9);
    expect(metadata.calibration.temperature).toBeGreaterThan(0);
    // Fewer than 300 tracks per theme here: every theme is experimental.
    expect(metadata.experimental).toEqual([...THEME_IDS]);
    expect(metadata).toEqual(result.metadata);
  });

  it('cross-validates to the same figures in worker threads as in this thread: every fold, out-of-fold logits and predictions, in the same row order', () => {
    if (!report || !reportInThisThread) throw new Error('no report');
    const figures = (r: TrainingReport) => r.candidates.map((c) => ({ name: c.name, kind: c.kind, folds: c.folds, flips: c.flips, parameters: c.parameters, oofLogits: c.oofLogits, oofPredicted: c.oofPredicted }));
    expect(report.candidates.length).toBeGreaterThan(8);
    expect(figures(report)).toEqual(figures(reportInThisThread));
    expect(report.selected.name).toBe(reportInThisThread.selected.name);
    expect(report.calibration.temperature).toBe(reportInThisThread.calibration.temperature);
    // Each fold logged once, by either route.
    for (const lines of [linesInWorkers, linesInThisThread]) for (let f = 1; f <= FOLDS; f++) expect(lines.filter((l) => l.startsWith(`  fold ${f}/${FOLDS}: `))).toHaveLength(1);
  });

  it('gives a byte-identical model for the same data and seed', () => {
    const a = readFileSync(join(outA, 'group1-shard1of1.bin'));
    const b = readFileSync(join(outB, 'group1-shard1of1.bin'));
    expect(a.length).toBeGreaterThan(0);
    expect(a.equals(b)).toBe(true);
    expect(readFileSync(join(outA, 'model.json'), 'utf8')).toBe(readFileSync(join(outB, 'model.json'), 'utf8'));
    expect(readFileSync(join(outA, 'metadata.json'), 'utf8')).toBe(readFileSync(join(outB, 'metadata.json'), 'utf8'));
  });

  it('stores weights that TF.js decodes as q * scale + min, in manifest order', async () => {
    const bin = readFileSync(join(outA, 'group1-shard1of1.bin'));
    const model = await loadLayersModel(fileModelHandler(join(outA, 'model.json')));
    const specs = modelJson.weightsManifest[0]?.weights ?? [];
    let offset = 0;
    specs.forEach((spec, i) => {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const loaded = model.weights[i]?.read().dataSync() as Float32Array;
      expect(loaded.length).toBe(n);
      for (let j = 0; j < n; j++) {
        const q = bin[offset + j] as number;
        expect(loaded[j]).toBe(Math.fround(q * spec.quantization.scale + spec.quantization.min));
      }
      offset += n;
    });
    expect(offset).toBe(bin.length);
    model.dispose();
  });

  it('loads with loadClassifier and predicts probabilities summing to 1', async () => {
    const metadata: unknown = JSON.parse(readFileSync(join(outA, 'metadata.json'), 'utf8'));
    const classifier = await loadClassifier(fileModelHandler(join(outA, 'model.json')), metadata);
    const labelled = [...data.expected.entries()];
    const predictions = classifier.predict(labelled.map(([id], i) => ({ features: data.features.get(id) as Features, durationMs: i % 2 === 0 ? 200_000 : null })));
    expect(predictions).toHaveLength(labelled.length);
    for (const p of predictions) {
      expect(p).toHaveLength(THEME_IDS.length);
      expect(p.every((x) => x >= 0 && x <= 1)).toBe(true);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    // The synthetic themes are separable: even 20 epochs on 300 tracks, quantized, do far better than chance (1/8).
    const correct = predictions.filter((p, i) => THEME_IDS[p.indexOf(Math.max(...p))] === labelled[i]?.[1]).length;
    expect(correct / labelled.length).toBeGreaterThan(0.3);
    classifier.dispose();
  });

  it('reports test metrics where the uint8 model tracks the float32 one and beats the baseline', () => {
    const { float32, uint8, majorityBaseline } = result.metadata.metrics;
    const testSize = result.metadata.training.splits.test;
    for (const e of [float32, uint8, majorityBaseline]) {
      expect(e.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(testSize);
    }
    expect(Math.abs(float32.accuracy - uint8.accuracy)).toBeLessThanOrEqual(0.1);
    expect(float32.accuracy).toBeGreaterThan(majorityBaseline.accuracy);
  });

  it('cross-validates every baseline and the MLP checkpoints on the same folds, no artist in two folds', () => {
    if (!report) throw new Error('no report');
    const names = report.candidates.map((c) => c.name);
    expect(names.filter((n) => /^majority class|^logistic regression|^k-nearest|^gradient-boosted trees|^ensemble of 2 MLPs/.test(n)).length).toBe(5);
    expect(report.candidates.filter((c) => c.kind === 'baseline')).toHaveLength(5);
    // The ensemble's first member (with duration) and the grid's MLP without duration, at two
    // checkpoints each; two students (one also on the unlabelled transfer set); and a class-bias
    // variant of each network's last checkpoint.
    const plain = report.candidates.filter((c) => !c.name.endsWith(' + class biases'));
    expect(plain.filter((c) => c.kind === 'mlp').map((c) => (c.config && 'epochs' in c.config ? c.config.epochs : 0))).toEqual([10, 20, 10, 20]);
    expect(plain.filter((c) => c.kind === 'student').map((c) => c.name)).toEqual([expect.stringMatching(/cross-fitted GBT, 1 jittered/), expect.stringMatching(/from cross-fitted GBT on labelled \+ unlabelled tracks/)]);
    expect(report.candidates.filter((c) => c.name.endsWith(' + class biases')).map((c) => c.kind)).toEqual(['mlp', 'mlp', 'student', 'student']);
    for (const c of report.candidates.filter((x) => x.kind !== 'baseline')) expect(c.missingDurationMacroF1?.mean).toBeGreaterThan(0);
    for (const c of report.candidates) {
      expect(c.folds).toHaveLength(FOLDS);
      // Each fold's confusion matrix holds exactly that fold's tracks.
      expect(c.folds.map((e) => e.confusionMatrix.flat().reduce((a, b) => a + b, 0))).toEqual(report.foldSizes);
      expect(c.macroF1.mean).toBeCloseTo(c.folds.reduce((s, e) => s + e.macroF1, 0) / FOLDS, 12);
    }
    expect(report.foldSizes.reduce((a, b) => a + b, 0)).toBe(report.devRows);
    expect(report.selected.kind).not.toBe('baseline');
    expect(report.margins.map((m) => m.name)).toEqual(report.candidates.filter((c) => c.kind === 'baseline').map((c) => c.name));
    // The badge's decision: every candidate with out-of-fold logits, the shipped network's paired margin to each such baseline.
    const withLogits = report.candidates.filter((c) => c.oofLogits);
    expect(report.badge.byCandidate.map((c) => c.name)).toEqual(withLogits.map((c) => c.name));
    expect(report.badge.margins.map((m) => m.name)).toEqual(withLogits.filter((c) => c.kind === 'baseline').map((c) => c.name));
    expect(report.badge.themes.length).toBeGreaterThan(0);
    const badgeOf = (name: string) => report?.badge.byCandidate.find((c) => c.name === name)?.macroF1.mean ?? Number.NaN;
    for (const c of report.badge.byCandidate) expect(c.macroF1.mean).toBeGreaterThanOrEqual(0);
    for (const m of report.badge.margins) expect(m.diff.mean).toBeCloseTo(badgeOf(report.selected.name) - badgeOf(m.name), 12);
    expect(report.test.flips.length).toBeGreaterThan(0);
    expect(report.calibration.testBySource.reduce((n, s) => n + s.tracks, 0)).toBe(report.testRows);
    // The metadata carries the selected and best-baseline summaries of this very run.
    expect(result.metadata.training.crossValidation.selected.macroF1).toEqual(report.selected.macroF1);
    expect(result.metadata.training.crossValidation.bestBaseline.name).toBe(report.bestBaseline.name);
  });
});

/* ------------------------------------------------------------------------------------------ */

describe('cross-validation folds in parts (training/cv-pool.ts)', () => {
  const setupOf = (students: FoldSetup['students']): FoldSetup => ({
    dataDir: data.dir,
    seed: 11,
    epochs: 4,
    grid: [{ hidden: [8], dropout: 0, classWeighting: 'balanced', softLabels: true, duration: false }],
    ensemble: { size: 2, member: { hidden: [8], dropout: 0, classWeighting: 'balanced', softLabels: true } },
    students,
    gradientBoosting: true,
  });
  const treesOnly = () => setupOf([{ teacher: 'gbt', transfer: true, hidden: [8], epochs: 4, jitterCopies: 1, jitter: 0.15 }]);
  /** A fold's records without their times (the only thing that differs from run to run). */
  const numbers = (outcome: FoldOutcome) => ({ fold: outcome.fold, records: outcome.records.map((r) => ({ ...r, ms: 0 })) });

  beforeAll(async () => {
    await selectWasmBackend();
  });

  it('runs the folds as parts, longest first, on worker threads only when no student needs the MLP ensemble', () => {
    expect(foldRunParts(treesOnly(), 2)).toEqual(['trees', 'mlps', 'baselines']);
    expect(foldRunParts(treesOnly(), 1)).toEqual(['whole']);
    const withMlpTeacher = setupOf([{ teacher: 'mlp+gbt', hidden: [8], epochs: 4, jitterCopies: 1, jitter: 0.15 }]);
    expect(foldRunParts(withMlpTeacher, 2)).toEqual(['whole']);
  });

  it('gives, in worker threads, the records of the whole folds run in this thread: same order, same numbers, bit for bit', async () => {
    const ctx = foldContext(treesOnly(), loadLabelledTracks(data.dir));
    const inParts = await runFolds(ctx, 2);
    const whole: FoldOutcome[] = [];
    for (let fold = 0; fold < FOLDS; fold++) whole.push(await runFold(ctx, fold));
    expect(inParts.map((o) => o.fold)).toEqual(whole.map((o) => o.fold));
    // Every step of a fold recorded something, the trees' and the students' rows among the others' as in a whole fold.
    expect(whole[0]?.records.map((r) => r.stage)).toEqual([...whole[0]?.records.map((r) => r.stage) ?? []].sort((a, b) => a - b));
    expect(new Set(whole[0]?.records.map((r) => r.stage))).toEqual(new Set(FOLD_STAGES.map((_, i) => i)));
    expect(inParts.map(numbers)).toEqual(whole.map(numbers));
  }, 120_000);

  it('refuses the trees part alone when a student is taught by the MLP ensemble, and merges only the parts of one fold', async () => {
    const ctx = foldContext(setupOf([{ teacher: 'mlp', hidden: [8], epochs: 4, jitterCopies: 1, jitter: 0.15 }]), loadLabelledTracks(data.dir));
    await expect(runFold(ctx, 0, 'trees')).rejects.toThrow(/MLP ensemble/);
    expect(() => mergeFoldParts([])).toThrow(/one fold/);
    expect(() => mergeFoldParts([{ fold: 0, records: [], seconds: 1 }, { fold: 1, records: [], seconds: 1 }])).toThrow(/folds \[0, 1\]/);
  });
});

/* ------------------------------------------------------------------------------------------ */

describe('groupedSplit', () => {
  // 300 rows over 60 groups of 1..9 rows.
  const groups: string[] = [];
  const random = createRng(11);
  for (let g = 0; g < 60; g++) {
    const size = 1 + Math.floor(random() * 9);
    for (let i = 0; i < size; i++) groups.push(`artist ${g}`);
  }
  // Interleave so that a group's rows are not contiguous.
  const shuffledGroups = groups.map((g, i) => ({ g, k: (i * 7919) % groups.length })).sort((a, b) => a.k - b.k).map((x) => x.g);

  it('puts every index in exactly one split and no group in two', () => {
    const splits = groupedSplit(shuffledGroups, { validation: 0.15, test: 0.15 }, 7);
    const all = [...splits.train, ...splits.validation, ...splits.test].sort((a, b) => a - b);
    expect(all).toEqual(shuffledGroups.map((_, i) => i));
    const splitOf = new Map<string, string>();
    for (const name of ['train', 'validation', 'test'] as const) {
      for (const i of splits[name]) {
        const g = shuffledGroups[i] as string;
        expect(splitOf.get(g) ?? name, `group ${g}`).toBe(name);
        splitOf.set(g, name);
      }
    }
  });

  it('fills test and validation to about their share', () => {
    const n = shuffledGroups.length;
    const splits = groupedSplit(shuffledGroups, { validation: 0.15, test: 0.15 }, 7);
    // Whole groups of at most 9 rows: each share is reached and overshoots by less than a group.
    for (const part of [splits.test, splits.validation]) {
      expect(part.length).toBeGreaterThanOrEqual(Math.round(n * 0.15));
      expect(part.length).toBeLessThan(Math.round(n * 0.15) + 9);
    }
    expect(splits.train.length).toBeGreaterThan(n * 0.6);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const a = groupedSplit(shuffledGroups, { validation: 0.15, test: 0.15 }, 7);
    const b = groupedSplit(shuffledGroups, { validation: 0.15, test: 0.15 }, 7);
    const c = groupedSplit(shuffledGroups, { validation: 0.15, test: 0.15 }, 8);
    expect(b).toEqual(a);
    expect(c.test).not.toEqual(a.test);
  });

  it('does not depend on the order rows (and so groups) come in', () => {
    const reversed = [...shuffledGroups].reverse();
    const groupsIn = (indices: number[], g: readonly string[]) => [...new Set(indices.map((i) => g[i]))].sort();
    for (const seed of [1, 2, 3]) {
      const a = groupedSplit(shuffledGroups, { validation: 0.15, test: 0.15 }, seed);
      const b = groupedSplit(reversed, { validation: 0.15, test: 0.15 }, seed);
      expect(groupsIn(b.test, reversed)).toEqual(groupsIn(a.test, shuffledGroups));
      expect(groupsIn(b.validation, reversed)).toEqual(groupsIn(a.validation, shuffledGroups));
    }
  });
});

describe('stratifiedGroupKFold', () => {
  // 600 rows over 150 artists of 1..7 rows; 3 classes, rarer class 2 (artists tend to one class).
  const random = createRng(21);
  const groups: string[] = [];
  const classes: number[] = [];
  for (let g = 0; g < 150; g++) {
    const size = 1 + Math.floor(random() * 7);
    const main = random() < 0.15 ? 2 : random() < 0.5 ? 1 : 0;
    for (let i = 0; i < size; i++) {
      groups.push(`artist ${g}`);
      classes.push(random() < 0.8 ? main : Math.floor(random() * 3));
    }
  }

  it('puts every row in one of k folds and all rows of an artist in the same fold', () => {
    const folds = stratifiedGroupKFold(groups, classes, 5, 3);
    expect(folds).toHaveLength(groups.length);
    expect(folds.every((f) => Number.isInteger(f) && f >= 0 && f < 5)).toBe(true);
    const foldOfGroup = new Map<string, number>();
    folds.forEach((f, i) => {
      const g = groups[i] as string;
      expect(foldOfGroup.get(g) ?? f, g).toBe(f);
      foldOfGroup.set(g, f);
    });
  });

  it('gives each fold about a fifth of the rows of every class', () => {
    const folds = stratifiedGroupKFold(groups, classes, 5, 3);
    for (const c of [0, 1, 2]) {
      const total = classes.filter((x) => x === c).length;
      for (let f = 0; f < 5; f++) {
        const n = classes.filter((x, i) => x === c && folds[i] === f).length;
        // Whole artists of up to 7 rows: within 8 rows of an exact fifth.
        expect(Math.abs(n - total / 5), `class ${c} fold ${f}`).toBeLessThanOrEqual(8);
      }
    }
  });

  it('is deterministic per seed and rejects bad input', () => {
    expect(stratifiedGroupKFold(groups, classes, 5, 3)).toEqual(stratifiedGroupKFold(groups, classes, 5, 3));
    expect(() => stratifiedGroupKFold(['a'], [0, 1], 5, 1)).toThrow(/1 groups for 2 class labels/);
    expect(() => stratifiedGroupKFold(['a'], [0], 1, 1)).toThrow(/k >= 2/);
  });
});

describe('float16 encoding', () => {
  it('encodes known values exactly (IEEE 754 binary16)', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(0.5)).toBe(0x3800);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(1e6)).toBe(0x7c00);
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(toFloat16Bits(0)).toBe(0);
    // 1 + 2^-11 is half-way between 1 and the next binary16 value: ties go to even (1).
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('round-trips weights to within a relative 2^-11', () => {
    const random = createRng(8);
    for (let i = 0; i < 5000; i++) {
      const v = (random() - 0.5) * 2 ** (Math.floor(random() * 20) - 8);
      if (Math.abs(v) < 2 ** -14) continue;
      const back = fromFloat16Bits(toFloat16Bits(v));
      expect(Math.abs(back - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11);
    }
  });
});

describe('uint8 quantization', () => {
  it('round-trips every value to within scale / 2', () => {
    const random = createRng(3);
    const values = Float32Array.from({ length: 2000 }, () => random() * 5 - 3);
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    const q = quantizeUint8(values);
    const scale = (max - min) / 255;
    expect(q.values).toBeInstanceOf(Uint8Array);
    expect(q.values.length).toBe(values.length);
    expect(q.min).toBe(min);
    expect(q.scale).toBeCloseTo(scale, 12);
    expect(q.values[values.indexOf(min)]).toBe(0);
    expect(q.values[values.indexOf(max)]).toBe(255);
    const back = dequantizeUint8(q);
    values.forEach((v, i) => expect(Math.abs((back[i] as number) - v)).toBeLessThanOrEqual(scale / 2 + 1e-6));
  });

  it('keeps a constant tensor exact', () => {
    const values = new Float32Array(10).fill(0.7);
    const q = quantizeUint8(values);
    expect(Array.from(q.values)).toEqual(new Array(10).fill(0));
    expect(q.scale).toBe(1);
    expect(Array.from(dequantizeUint8(q))).toEqual(Array.from(values));
  });

  it('rejects empty and non-finite tensors', () => {
    expect(() => quantizeUint8(new Float32Array(0))).toThrow(/empty/);
    expect(() => quantizeUint8(Float32Array.from([1, Number.NaN]))).toThrow(/non-finite/);
    expect(() => quantizeUint8(Float32Array.from([1, Number.POSITIVE_INFINITY]))).toThrow(/non-finite/);
  });
});

describe('evaluate', () => {
  it('computes accuracy, per-class metrics, macro-F1 over all labels and the confusion matrix', () => {
    // truth     a a b b c c      confusion (rows true, cols predicted):
    // predicted a b b b a c        a: [1 1 0 0]   b: [0 2 0 0]   c: [1 0 1 0]   d: [0 0 0 0]
    // a: precision 1/2, recall 1/2, F1 1/2
    // b: precision 2/3, recall 2/2, F1 2·(2/3)·1 / (2/3 + 1) = 4/5
    // c: precision 1/1, recall 1/2, F1 2·1·(1/2) / (3/2) = 2/3
    // d: no support, never predicted: all 0 (zero_division = 0)
    // macro-F1 = (1/2 + 4/5 + 2/3 + 0) / 4 = (59/30) / 4 = 59/120; accuracy 4/6.
    const e = evaluate([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 0, 2], ['a', 'b', 'c', 'd']);
    expect(e.accuracy).toBeCloseTo(4 / 6, 12);
    expect(e.macroF1).toBeCloseTo(59 / 120, 12);
    expect(e.confusionMatrix).toEqual([[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]);
    expect(e.perTheme.a).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(e.perTheme.b?.precision).toBeCloseTo(2 / 3, 12);
    expect(e.perTheme.b?.recall).toBe(1);
    expect(e.perTheme.b?.f1).toBeCloseTo(0.8, 12);
    expect(e.perTheme.c?.f1).toBeCloseTo(2 / 3, 12);
    expect(e.perTheme.d).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it('rejects mismatched lengths and out-of-range classes', () => {
    expect(() => evaluate([0, 1], [0], ['a', 'b'])).toThrow(/2 rows, predictions 1/);
    expect(() => evaluate([0, 2], [0, 1], ['a', 'b'])).toThrow(/out of range/);
    expect(() => evaluate([0, 1], [0, -1], ['a', 'b'])).toThrow(/out of range/);
  });
});

describe('badgeMacroF1 (the badge\'s decision, issue 10)', () => {
  it('takes the arg-max among the enabled classes only, scores the rows of enabled classes, and averages over the enabled classes', () => {
    // 4 classes (themes L[0..3]); enabled: 0 and 2 (class 1 and 3 are "off by default").
    // row  truth  logits (0 1 2 3)   arg-max over all   among {0, 2}
    //  0     0    [2 5 1 0]          1                  0   right
    //  1     0    [0 0 3 9]          3                  2   wrong
    //  2     2    [1 0 4 0]          2                  2   right
    //  3     2    [3 0 1 8]          3                  0   wrong
    //  4     1    [9 0 0 0]          0                  -   left out (class 1 is not shown)
    //  5     3    [0 0 9 0]          2                  -   left out
    // class 0: TP 1, predicted 2, support 2 -> F1 1/2; class 2: TP 1, predicted 2, support 2 -> F1 1/2.
    const L: ThemeId[] = ['workout', 'party', 'dinner', 'sleep'];
    const logits = [2, 5, 1, 0, 0, 0, 3, 9, 1, 0, 4, 0, 3, 0, 1, 8, 9, 0, 0, 0, 0, 0, 9, 0];
    const truth = [0, 0, 2, 2, 1, 3];
    expect(badgeMacroF1(logits, truth, L, ['workout', 'dinner'])).toBeCloseTo(0.5, 12);
    // With every class enabled it is the plain macro-F1 of the arg-max.
    const all = evaluate(truth, [1, 3, 2, 3, 0, 2], ['0', '1', '2', '3']).macroF1;
    expect(badgeMacroF1(logits, truth, L, L)).toBeCloseTo(all, 12);
    // Only class 2 is shown: every kept row is predicted 2; the rows of class 0 are left out.
    expect(badgeMacroF1(logits, truth, L, ['dinner'])).toBe(1);
  });

  it('rejects logits of the wrong length and an empty enabled set', () => {
    expect(() => badgeMacroF1([0, 1, 2], [0, 1], ['workout', 'party'], ['workout'])).toThrow(/3 logits for 2 rows of 2/);
    expect(() => badgeMacroF1([0, 1], [0], ['workout', 'party'], [])).toThrow(/at least one enabled class/);
  });
});

describe('majorityTheme', () => {
  it('picks the theme with strictly the most votes summed over sources', () => {
    expect(majorityTheme({ tidytuesday: { chill: 1, workout: 1 }, mpd: { workout: 1 }, genres: {} })).toBe('workout');
    expect(majorityTheme({ tidytuesday: {}, mpd: {}, genres: { sleep: 1 } })).toBe('sleep');
    expect(majorityTheme({ tidytuesday: { workout: 1, party: 1 }, mpd: {}, genres: { romance: 3 } })).toBe('romance');
  });

  it('returns undefined on a tie or without votes', () => {
    expect(majorityTheme({ tidytuesday: { workout: 1 }, mpd: { chill: 1 }, genres: {} })).toBeUndefined();
    expect(majorityTheme({ tidytuesday: { workout: 2, party: 1 }, mpd: { party: 1 }, genres: { dinner: 1 } })).toBeUndefined();
    expect(majorityTheme({ tidytuesday: {}, mpd: {}, genres: {} })).toBeUndefined();
  });
});

/* ------------------------------------------------------------------------------------------ */

const real = realDataDir();
if (!real.exists) {
  console.log(`[training.test] skipping the real-data labelling check: no training data at ${real.dir} (set PLAYLIST_PREDICTOR_DATA to its folder)`);
}

describe.skipIf(!real.exists)('the committed model and the real data', () => {
  it('were labelled by the current rules: same track counts and sources as in public/model/metadata.json', () => {
    const metadata = parseModelMetadata(JSON.parse(readFileSync(join(REPO_ROOT, 'public/model/metadata.json'), 'utf8')));
    const { tracks, stats } = loadLabelledTracks(real.dir);
    expect(stats.trackCounts).toEqual(metadata.training.trackCounts);
    expect(stats.sources).toEqual(metadata.training.sources);
    const { train, validation, test } = metadata.training.splits;
    expect(train + validation + test).toBe(tracks.length);
    // Labels are single themes with a strict majority; ties were left out.
    for (const t of tracks.slice(0, 2000)) expect(majorityTheme(t.votes)).toBe(t.theme);
    // Experimental is exactly the themes under the track threshold or the out-of-fold precision threshold.
    const { precision } = metadata.training.crossValidation;
    expect(metadata.experimental).toEqual(THEME_IDS.filter((t) => (stats.trackCounts[t] ?? 0) < metadata.minTracksPerTheme || (precision[t] ?? 0) < metadata.minPrecision));
  });
});
