import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Classifier } from '@/model/classifier';
import type { AudioFeatures } from '@/model/features';
import { CLASSIFY_USAGE, classifyCsv, loadClassifierFromDir, missingDurationNote, parseClassifyArgs, parseDurationCell } from '@/training/classify';
import { CliUsageError } from '@/training/cli-args';
import { QUOTE_NOT_CLOSED } from '@/training/csv';
import { REPO_ROOT, makeFeatures, thrown, trackId } from './support/fixtures';

/** Feature columns in an order other than the documented one, with extra columns around them. */
const COLUMNS = ['track_name', 'valence', 'tempo', 'track_id', 'speechiness', 'mode', 'loudness', 'liveness', 'key', 'instrumentalness', 'energy', 'danceability', 'acousticness', 'duration_ms'];

interface InputRow {
  readonly id: string;
  readonly cells: Record<string, string>;
}

function validRow(n: number, features: AudioFeatures): InputRow {
  const cells: Record<string, string> = { track_name: `Song ${n}`, track_id: trackId(n), duration_ms: '200000' };
  for (const [k, v] of Object.entries(features)) cells[k] = String(v);
  return { id: trackId(n), cells };
}

function toCsv(rows: readonly InputRow[], columns = COLUMNS): string {
  return `${[columns.join(','), ...rows.map((r) => columns.map((c) => r.cells[c] ?? '').join(','))].join('\n')}\n`;
}

/** Valid rows with varied features, so several themes come out. */
const VALID_FEATURES: AudioFeatures[] = [
  makeFeatures({ energy: 0.95, danceability: 0.7, tempo: 170, loudness: -4, acousticness: 0.01 }),
  makeFeatures({ energy: 0.03, danceability: 0.1, tempo: 62, loudness: -35, acousticness: 0.98, instrumentalness: 0.95, key: -1 }),
  makeFeatures({ energy: 0.35, danceability: 0.65, tempo: 85, loudness: -11, acousticness: 0.6, instrumentalness: 0.85, mode: 0 }),
  makeFeatures({ energy: 0.8, danceability: 0.85, tempo: 124, loudness: -5, valence: 0.9, key: 11 }),
  makeFeatures({ energy: 0.4, danceability: 0.55, tempo: 95, loudness: -9, speechiness: 0.12, valence: 0.3, key: 0 }),
];

/** Rows 1..8: valid, missing energy, valid, non-numeric tempo, valid, danceability 1.7, valid, valid without duration_ms. */
function mixedInput(): { csv: string; valid: { row: number; id: string; features: AudioFeatures; durationMs: number | null }[] } {
  const rows: InputRow[] = [];
  const valid: { row: number; id: string; features: AudioFeatures; durationMs: number | null }[] = [];
  let featureIndex = 0;
  const pushValid = () => {
    const features = VALID_FEATURES[featureIndex++ % VALID_FEATURES.length] as AudioFeatures;
    const r = validRow(rows.length + 1, features);
    rows.push(r);
    valid.push({ row: rows.length, id: r.id, features, durationMs: 200_000 });
  };
  pushValid();
  rows.push({ id: trackId(102), cells: { ...validRow(102, makeFeatures()).cells, energy: '' } });
  pushValid();
  rows.push({ id: trackId(104), cells: { ...validRow(104, makeFeatures()).cells, tempo: 'fast' } });
  pushValid();
  rows.push({ id: trackId(106), cells: { ...validRow(106, makeFeatures()).cells, danceability: '1.7' } });
  pushValid();
  pushValid();
  // The last valid row has no duration: classified as of unknown duration (issue 10).
  const last = rows.at(-1);
  const lastValid = valid.at(-1);
  if (last && lastValid) {
    rows[rows.length - 1] = { ...last, cells: { ...last.cells, duration_ms: '' } };
    valid[valid.length - 1] = { ...lastValid, durationMs: null };
  }
  return { csv: toCsv(rows), valid };
}

let classifier: Classifier;
let tmp: string;

beforeAll(async () => {
  classifier = await loadClassifierFromDir(join(REPO_ROOT, 'public/model'));
  tmp = mkdtempSync(join(tmpdir(), 'pp-classify-'));
});

afterAll(() => {
  classifier.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

/** The badge's rule, recomputed here: most probable label among the non-experimental ones, first on ties. */
function expectedTheme(p: readonly number[]): string {
  const { labels, experimental } = classifier.metadata;
  let best: number | undefined;
  labels.forEach((label, i) => {
    if (experimental.includes(label)) return;
    if (best === undefined || (p[i] as number) > (p[best] as number)) best = i;
  });
  if (best === undefined) throw new Error('no enabled label');
  return labels[best] as string;
}

describe('classifyCsv', () => {
  it('throws naming the feature columns the header lacks', () => {
    const columns = COLUMNS.filter((c) => c !== 'valence' && c !== 'key');
    const csv = toCsv([validRow(1, makeFeatures())], columns);
    expect(() => classifyCsv(csv, classifier)).toThrow(/lacks audio-feature columns: key, valence/);
  });

  it('says so when the file is separated by semicolons or tabs (a spreadsheet set to another list separator)', () => {
    const rows = [validRow(1, makeFeatures())];
    expect(() => classifyCsv(toCsv(rows).replaceAll(',', ';'), classifier)).toThrow(/lacks audio-feature columns: .* \(the header is one column holding ";": save the file with commas between the columns\)$/);
    expect(() => classifyCsv(toCsv(rows).replaceAll(',', '\t'), classifier)).toThrow(/holding tabs: save the file with commas/);
    // A comma-separated file that lacks columns gets no such hint.
    expect(() => classifyCsv(toCsv(rows, COLUMNS.filter((c) => c !== 'key')), classifier)).toThrow(/lacks audio-feature columns: key$/);
  });

  it('throws for a header-only CSV that lacks a column too', () => {
    expect(() => classifyCsv(`${COLUMNS.filter((c) => c !== 'tempo').join(',')}\n`, classifier)).toThrow(/tempo/);
  });

  it('gives a header-only output for a header-only input', () => {
    const { csv, errors } = classifyCsv(`${COLUMNS.join(',')}\n`, classifier);
    expect(errors).toEqual([]);
    expect(parse(csv)).toEqual([['track_id', 'theme', ...classifier.metadata.labels.map((l) => `p_${l}`), 'duration_ms']]);
  });

  it('reports each bad row by row number, line and column, and still classifies the others', () => {
    const { csv: input, valid } = mixedInput();
    const { csv, errors } = classifyCsv(input, classifier);

    // Data row n is on line n + 1 (the header is line 1).
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^row 2 \(line 3\): column "energy": missing value/);
    expect(errors[1]).toMatch(/^row 4 \(line 5\): column "tempo": not a number: "fast"/);
    expect(errors[2]).toMatch(/^row 6 \(line 7\): column "danceability": .*1\.7/);

    const [header, ...body] = parse(csv) as string[][];
    const labels = classifier.metadata.labels;
    expect(header).toEqual(['track_id', 'theme', ...labels.map((l) => `p_${l}`), 'duration_ms']);
    expect(body.map((r) => r[0])).toEqual(valid.map((v) => v.id));

    // The model gets each row's duration_ms (200000, the last none), and the output says which.
    const predicted = classifier.predict(valid.map((v) => ({ features: v.features, durationMs: v.durationMs })));
    expect(body.map((row) => row.at(-1))).toEqual([...Array(valid.length - 1).fill('200000'), 'missing']);
    body.forEach((row, i) => {
      const p = row.slice(2, -1).map(Number);
      expect(p).toHaveLength(labels.length);
      expect(p.every((x) => x >= 0 && x <= 1)).toBe(true);
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
      const expected = predicted[i] as number[];
      p.forEach((x, j) => expect(Math.abs(x - (expected[j] as number))).toBeLessThanOrEqual(5e-7 + 1e-9));
      for (const cell of row.slice(2, -1)) expect(cell).toMatch(/^\d\.\d{6}$/);
      expect(row[1]).toBe(expectedTheme(expected));
      expect(classifier.metadata.experimental).not.toContain(row[1]);
    });
    // The fixture is varied enough to give more than one theme.
    expect(new Set(body.map((r) => r[1])).size).toBeGreaterThan(1);
  });

  it('never writes an experimental theme, even for tracks the model rates highest for one', () => {
    const { labels, experimental } = classifier.metadata;
    expect(experimental.length).toBeGreaterThan(0);
    // Search a grid of feature vectors for ones whose overall most probable label is experimental.
    const grid: AudioFeatures[] = [];
    for (let e = 0; e <= 10; e++) {
      for (let d = 0; d <= 10; d += 2) {
        for (const a of [0, 0.5, 1]) {
          for (const tempo of [70, 110, 150]) {
            for (const valence of [0.2, 0.5, 0.8]) grid.push(makeFeatures({ energy: e / 10, danceability: d / 10, acousticness: a, tempo, loudness: -16 + e, valence }));
          }
        }
      }
    }
    const probabilities = classifier.predict(grid.map((features) => ({ features, durationMs: null })));
    const topIsExperimental = grid.filter((_, i) => {
      const p = probabilities[i] as number[];
      return experimental.includes(labels[p.indexOf(Math.max(...p))] as (typeof labels)[number]);
    });
    expect(topIsExperimental.length, 'the grid should hold a track rated highest for an experimental theme').toBeGreaterThan(0);

    const rows = topIsExperimental.slice(0, 5).map((f, i) => validRow(i + 1, f));
    const { csv, errors } = classifyCsv(toCsv(rows), classifier);
    expect(errors).toEqual([]);
    const [, ...body] = parse(csv) as string[][];
    expect(body).toHaveLength(rows.length);
    const predicted = classifier.predict(topIsExperimental.slice(0, 5).map((features) => ({ features, durationMs: 200_000 })));
    body.forEach((row, i) => {
      expect(experimental).not.toContain(row[1]);
      expect(row[1]).toBe(expectedTheme(predicted[i] as number[]));
    });
  });

  it('reports a row cut short (fewer fields than the header) as a missing value, also when it is the first row', () => {
    // The header names every feature; `valence` is the last column, and row 1 stops before it.
    const columns = ['track_id', ...COLUMNS.filter((c) => c !== 'track_id' && c !== 'valence' && c !== 'track_name' && c !== 'duration_ms'), 'valence'];
    const full = (n: number) => columns.map((c) => validRow(n, VALID_FEATURES[0] as AudioFeatures).cells[c] ?? '');
    const short = full(1).slice(0, -1);
    const input = `${[columns.join(','), short.join(','), full(2).join(','), short.join(',')].join('\n')}\n`;
    const { csv, errors } = classifyCsv(input, classifier);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^row 1 \(line 2\): column "valence": missing value/);
    expect(errors[1]).toMatch(/^row 3 \(line 4\): column "valence": missing value/);
    const [, ...body] = parse(csv) as string[][];
    expect(body.map((r) => r[0])).toEqual([trackId(2)]);
  });

  it('reads duration_ms: the model gets it rounded and clamped, an empty cell or no column is unknown, and the output says which', () => {
    const { labels } = classifier.metadata;
    const f = VALID_FEATURES[0] as AudioFeatures;
    const cells = ['187000', '187499.6', '', '   ', '0', '99999999', '1.87e5'];
    const used = [187_000, 187_000, null, null, 1_000, 7_200_000, 187_000];
    const rows = cells.map((d, i) => ({ ...validRow(i + 1, f), cells: { ...validRow(i + 1, f).cells, duration_ms: d } }));
    const result = classifyCsv(toCsv(rows), classifier);
    expect(result.errors).toEqual([]);
    expect(result).toMatchObject({ classified: 7, missingDurations: 2 });
    const [header, ...body] = parse(result.csv) as string[][];
    expect(header?.at(-1)).toBe('duration_ms');
    expect(body.map((r) => r.at(-1))).toEqual(used.map((d) => (d === null ? 'missing' : String(d))));
    const predicted = classifier.predict(used.map((durationMs) => ({ features: f, durationMs })));
    body.forEach((row, i) => {
      const expected = predicted[i] as number[];
      row.slice(2, 2 + labels.length).forEach((cell, j) => expect(Math.abs(Number(cell) - (expected[j] as number))).toBeLessThanOrEqual(5e-7 + 1e-9));
    });
    expect(missingDurationNote(result)).toBe('2 of 7 rows had no duration_ms: classified as unknown duration');

    // Without the column every row is classified with an unknown duration.
    const without = classifyCsv(toCsv(rows, COLUMNS.filter((c) => c !== 'duration_ms')), classifier);
    expect(without).toMatchObject({ errors: [], classified: 7, missingDurations: 7 });
    expect((parse(without.csv) as string[][]).slice(1).map((r) => r.at(-1))).toEqual(Array(7).fill('missing'));
    expect(missingDurationNote(without)).toBe('7 of 7 rows had no duration_ms: classified as unknown duration');
    expect(missingDurationNote({ classified: 3, missingDurations: 0 })).toBeUndefined();
  });

  it('reports a duration_ms that is not a non-negative number as a row error and leaves the row out', () => {
    const f = VALID_FEATURES[1] as AudioFeatures;
    const bad = ['abc', '-5', 'Infinity', '0x10', '3:07', 'NaN'];
    const rows = [validRow(1, f), ...bad.map((d, i) => ({ ...validRow(i + 2, f), cells: { ...validRow(i + 2, f).cells, duration_ms: d } }))];
    const { csv, errors } = classifyCsv(toCsv(rows), classifier);
    expect(errors).toEqual([
      'row 2 (line 3): column "duration_ms": not a number: "abc"',
      'row 3 (line 4): column "duration_ms": a duration cannot be negative: "-5"',
      'row 4 (line 5): column "duration_ms": not a number: "Infinity"',
      'row 5 (line 6): column "duration_ms": not a number: "0x10"',
      'row 6 (line 7): column "duration_ms": not a number: "3:07"',
      'row 7 (line 8): column "duration_ms": not a number: "NaN"',
    ]);
    expect((parse(csv) as string[][]).slice(1).map((r) => r[0])).toEqual([trackId(1)]);
  });

  it('parseDurationCell: absent column and empty cell are unknown, numbers are normalized like the extension', () => {
    expect(parseDurationCell(undefined)).toEqual({ durationMs: null });
    expect(parseDurationCell(' ')).toEqual({ durationMs: null });
    expect(parseDurationCell('187500')).toEqual({ durationMs: 188_000 });
    expect(parseDurationCell('400')).toEqual({ durationMs: 1_000 });
    expect(parseDurationCell('7200001')).toEqual({ durationMs: 7_200_000 });
    expect(parseDurationCell('-0.1')).toEqual({ error: 'a duration cannot be negative: "-0.1"' });
  });

  it('classifies a row whose unquoted field holds a quote (a title like 12" remix), instead of failing the file', () => {
    const f = VALID_FEATURES[2] as AudioFeatures;
    const rows = [validRow(1, f), { ...validRow(2, f), cells: { ...validRow(2, f).cells, track_name: '12" remix', track_id: 'id"2' } }, validRow(3, f)];
    const { csv, errors } = classifyCsv(toCsv(rows), classifier);
    expect(errors).toEqual([]);
    expect((parse(csv) as string[][]).slice(1).map((r) => r[0])).toEqual([trackId(1), 'id"2', trackId(3)]);
  });

  it('reads a file saved as "CSV UTF-8" (a byte order mark before the header, CRLF line ends), whatever its first column', () => {
    const f = VALID_FEATURES[4] as AudioFeatures;
    const columns = ['acousticness', ...COLUMNS.filter((c) => c !== 'acousticness')];
    const text = `\ufeff${toCsv([validRow(1, f), validRow(2, f)], columns).replaceAll('\n', '\r\n')}`;
    const { csv, errors } = classifyCsv(text, classifier);
    expect(errors).toEqual([]);
    expect((parse(csv) as string[][]).slice(1).map((r) => r[0])).toEqual([trackId(1), trackId(2)]);
  });

  it('keeps the rows before a quoted field that is never closed, and reports that row and the lines it took along', () => {
    const f = VALID_FEATURES[3] as AudioFeatures;
    const rows = [1, 2, 3, 4, 5].map((n) => validRow(n, f));
    // The first column is track_name: row 3's title opens a quote that nothing closes.
    const input = toCsv(rows).replace('\nSong 3,', '\n"Song 3,');
    const { csv, errors } = classifyCsv(input, classifier);
    expect((parse(csv) as string[][]).slice(1).map((r) => r[0])).toEqual([trackId(1), trackId(2)]);
    // Row 3 starts on line 4; its quote is still open when the file ends on line 6.
    expect(errors).toEqual([`row 3 (lines 4–6): not valid CSV: ${QUOTE_NOT_CLOSED}; left out`]);
  });

  it('leaves track_id empty when the input has no track_id column', () => {
    const columns = COLUMNS.filter((c) => c !== 'track_id');
    const { csv, errors } = classifyCsv(toCsv([validRow(1, makeFeatures())], columns), classifier);
    expect(errors).toEqual([]);
    const [, row] = parse(csv) as string[][];
    expect(row?.[0]).toBe('');
    expect(classifier.metadata.labels).toContain(row?.[1]);
  });
});

describe('classify CLI arguments', () => {
  it('parseClassifyArgs: --input, --output and --model (default public/model)', () => {
    expect(parseClassifyArgs(['--input', 'a.csv'])).toEqual({ input: 'a.csv', output: undefined, model: 'public/model' });
    expect(parseClassifyArgs(['--input=a.csv', '--output', 'b.csv', '--model', 'm'])).toEqual({ input: 'a.csv', output: 'b.csv', model: 'm' });
  });

  it('parseClassifyArgs: a bare file name, an unknown option, a missing value or no --input is a usage error that says what to type', () => {
    const cases: [string[], string][] = [
      [['tracks.csv'], "Unexpected argument 'tracks.csv': give it with --input (--input tracks.csv)"],
      [['--inptu', 'tracks.csv'], "Unknown option '--inptu'"],
      [['--input'], "Option '--input <value>' argument missing"],
      [[], '--input is required: the CSV file of tracks with audio features'],
      [['--output', 'b.csv'], '--input is required: the CSV file of tracks with audio features'],
    ];
    for (const [argv, first] of cases) {
      const error = thrown(() => parseClassifyArgs(argv));
      expect(error, argv.join(' ')).toBeInstanceOf(CliUsageError);
      expect(error instanceof Error ? error.message.split('\n') : error, argv.join(' ')).toEqual([first, CLASSIFY_USAGE]);
    }
  });
});

describe('classify CLI', () => {
  it('exits 2, prints one stderr line per bad row and writes the other rows', async () => {
    const { csv: input, valid } = mixedInput();
    const inputFile = join(tmp, 'tracks.csv');
    const outputFile = join(tmp, 'themes.csv');
    writeFileSync(inputFile, input);

    const run = promisify(execFile);
    const failure = await run('npx', ['tsx', '--tsconfig', 'training/tsconfig.json', 'training/classify.ts', '--input', inputFile, '--output', outputFile], {
      cwd: REPO_ROOT,
      timeout: 90_000,
    }).then(
      () => undefined,
      (error: { code?: number; stdout: string; stderr: string }) => error,
    );
    expect(failure, 'the CLI should exit with a non-zero code').toBeDefined();
    expect(failure?.code).toBe(2);

    const lines = (failure?.stderr ?? '').split('\n').filter((l) => l.startsWith(`${inputFile}: `));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain('row 2 (line 3): column "energy"');
    expect(lines[1]).toContain('row 4 (line 5): column "tempo"');
    expect(lines[2]).toContain('row 6 (line 7): column "danceability"');
    // Row 8 has an empty duration_ms (mixedInput): classified, and counted in the summary.
    expect(lines[3]).toBe(`${inputFile}: 1 of 5 rows had no duration_ms: classified as unknown duration`);
    expect(failure?.stdout).toBe('');

    expect(existsSync(outputFile)).toBe(true);
    const written = readFileSync(outputFile, 'utf8');
    // The same model in the same process type gives the same numbers as the in-process call.
    expect(written).toBe(classifyCsv(input, classifier).csv);
    const [, ...body] = parse(written) as string[][];
    expect(body.map((r) => r[0])).toEqual(valid.map((v) => v.id));
  });
});
