import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Classifier } from '../model/classifier';
import { loadDenseClassifier } from '../model/dense-model';
import { pickTheme } from '../model/theme-choice';
import { z } from 'zod';
import { AUDIO_FEATURE_NAMES, normalizeDurationMs, type AudioFeatures } from '../model/features';
import { defaultEnabledThemes } from '../model/metadata';
import { parseFeatureColumns } from './data';
import { CliUsageError, parseCliArgs } from './cli-args';
import { csvHeader, describeMalformedRow, parseCsvRows } from './csv';
import { errorMessage } from '../lib/shared/error-message';
import { describeFileError } from './file-error';

/** Loads the model in `modelDir` (`model.json`, its shard, `metadata.json`) from disk. */
export async function loadClassifierFromDir(modelDir: string): Promise<Classifier> {
  const metadata: unknown = JSON.parse(readFileSync(join(modelDir, 'metadata.json'), 'utf8'));
  // The extension's own loader (no TF.js), so the CLI and the badges run the same code.
  return loadDenseClassifier(async (path) => {
    const bytes = readFileSync(join(modelDir, path));
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }, metadata);
}

/** The optional input column with the track's duration in ms (Spotify's `duration_ms`). */
export const DURATION_COLUMN = 'duration_ms';
/** What the output's {@link DURATION_COLUMN} says for a track classified without a duration. */
export const MISSING_DURATION = 'missing';

/** Outcome of classifying a CSV: the output CSV text and one message per row that failed. */
export interface ClassifyCsvResult {
  /**
   * `track_id,theme,p_<theme>...,duration_ms` with a header; one line per valid input row, in
   * input order. `duration_ms` is the duration the model was given, in ms (rounded to the second
   * and clamped to 1 s - 2 h by `normalizeDurationMs`), or `missing`.
   */
  readonly csv: string;
  /**
   * One message per row left out, in row order: e.g. `row 3 (line 4): column "energy": not a
   * number: "loud"`, or for a row that is not valid CSV (see `parseCsvRows`) `row 5 (lines 6–9):
   * not valid CSV: a quote opened here is never closed, so it runs to the end of the file; left out`.
   */
  readonly errors: string[];
  /** How many classified rows had no duration (no `duration_ms` column, or an empty cell). */
  readonly missingDurations: number;
  /** How many rows were classified (the output's data lines). */
  readonly classified: number;
}

/** A decimal number as CSV tools write it (`187000`, `187000.0`, `1.87e5`); no hex, no `Infinity`. */
const DECIMAL_RE = /^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** A `duration_ms` cell: empty (or only spaces) is missing; otherwise a finite decimal number of ms, at least 0. */
const DurationCellSchema = z
  .string()
  .trim()
  .transform((text) => (text === '' ? null : DECIMAL_RE.test(text) ? Number(text) : Number.NaN))
  .pipe(z.number({ error: 'not a number' }).nonnegative({ error: 'a duration cannot be negative' }).nullable());

/**
 * The duration of a CSV record for the model: `null` when the column is absent or the cell is
 * empty, the cell's ms rounded and clamped by `normalizeDurationMs` otherwise, or an error
 * message for a cell that is not a non-negative number (`"abc"`, `"-5"`, `"Infinity"`).
 */
export function parseDurationCell(cell: string | undefined): { durationMs: number | null } | { error: string } {
  if (cell === undefined) return { durationMs: null };
  const parsed = DurationCellSchema.safeParse(cell);
  if (!parsed.success) return { error: `${parsed.error.issues[0]?.message ?? 'invalid'}: "${cell.trim()}"` };
  return { durationMs: normalizeDurationMs(parsed.data) };
}

/** The stderr line for rows classified without a duration, or `undefined` when every row had one. */
export function missingDurationNote(result: Pick<ClassifyCsvResult, 'missingDurations' | 'classified'>): string | undefined {
  return result.missingDurations > 0 ? `${result.missingDurations} of ${result.classified} rows had no ${DURATION_COLUMN}: classified as unknown duration` : undefined;
}

/**
 * Classifies every row of a CSV whose header names at least the 11 audio-feature columns
 * (and optionally `track_id` and `duration_ms`). The theme column is the most probable theme
 * among those enabled by default (non-experimental), exactly as the extension's badge picks it;
 * the `p_<theme>` columns give the model's probability for every label, in metadata order, to 6
 * decimals. Each track's duration goes to the model as the extension gives it (issue 10): the
 * `duration_ms` cell through `normalizeDurationMs`, or unknown (`null`) when the column is absent
 * or the cell empty; the output's `duration_ms` column says which (`missing`). Rows with a missing
 * or invalid feature, or a `duration_ms` that is not a non-negative number, are reported in
 * `errors` and left out; so is a row that is not valid CSV (a quoted field never closed takes
 * every line after it along, and its message gives the lines). The others are still classified.
 *
 * @throws Error when the header lacks feature columns (naming them, and saying so when the file is
 *   separated by `;`, tabs or `|` instead of commas) or cannot be parsed.
 */
export function classifyCsv(input: string, classifier: Classifier): ClassifyCsvResult {
  const header = csvHeader(input);
  const missing = AUDIO_FEATURE_NAMES.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    // A spreadsheet set to another list separator writes `;` or tabs: the header is one column.
    const separator = header.length === 1 ? [';', '\t', '|'].find((c) => header[0]?.includes(c)) : undefined;
    const hint = separator === undefined ? '' : ` (the header is one column holding ${separator === '\t' ? 'tabs' : `"${separator}"`}: save the file with commas between the columns)`;
    throw new Error(`Input CSV lacks audio-feature columns: ${missing.join(', ')}${hint}`);
  }
  const { rows: csvRows, malformed } = parseCsvRows(input);

  const errors: string[] = [];
  const valid: { trackId: string; features: AudioFeatures; durationMs: number | null }[] = [];
  const hasDuration = header.includes(DURATION_COLUMN);
  for (const { record, row, line } of csvRows) {
    const where = `row ${row} (line ${line})`;
    const parsed = parseFeatureColumns(record);
    if ('error' in parsed) {
      errors.push(`${where}: column "${parsed.error.column}": ${parsed.error.message}`);
      continue;
    }
    // A row cut short before the column has no duration, as an empty cell.
    const duration = parseDurationCell(hasDuration ? (record[DURATION_COLUMN] ?? '') : undefined);
    if ('error' in duration) errors.push(`${where}: column "${DURATION_COLUMN}": ${duration.error}`);
    else valid.push({ trackId: record.track_id ?? '', features: parsed.features, durationMs: duration.durationMs });
  }
  // The malformed row comes after every parsed one (it runs to the end of the file).
  if (malformed) errors.push(`${describeMalformedRow(malformed)}; left out`);

  const { labels } = classifier.metadata;
  const enabled = defaultEnabledThemes(classifier.metadata);
  const probabilities = classifier.predict(valid.map((v) => ({ features: v.features, durationMs: v.durationMs })));
  const rows = valid.map((v, i) => {
    const p = probabilities[i] ?? [];
    return [v.trackId, pickTheme(p, labels, enabled).theme, ...p.map((x) => x.toFixed(6)), v.durationMs === null ? MISSING_DURATION : String(v.durationMs)];
  });
  return {
    csv: stringify([['track_id', 'theme', ...labels.map((l) => `p_${l}`), DURATION_COLUMN], ...rows]),
    errors,
    missingDurations: valid.filter((v) => v.durationMs === null).length,
    classified: valid.length,
  };
}

/** The classify CLI's usage line. */
export const CLASSIFY_USAGE = 'Usage: npm run classify -- --input <csv> [--output <csv>] [--model <dir>]';

/** The classify CLI's options: the input CSV, the output CSV (stdout when absent) and the model folder. */
export interface ClassifyArgs {
  readonly input: string;
  readonly output: string | undefined;
  readonly model: string;
}

/**
 * Parses the classify CLI's arguments (`argv` without node and the script).
 * @throws CliUsageError for an unknown option, an option without its value, a bare file name
 *   (it says to pass it with `--input`), or no `--input`; the message's last line is
 *   {@link CLASSIFY_USAGE}.
 */
export function parseClassifyArgs(argv: readonly string[]): ClassifyArgs {
  let values;
  try {
    values = parseCliArgs(argv, { input: { type: 'string' }, output: { type: 'string' }, model: { type: 'string', default: 'public/model' } }, '--input');
  } catch (error) {
    throw new CliUsageError(`${errorMessage(error)}\n${CLASSIFY_USAGE}`, { cause: error });
  }
  if (!values.input) throw new CliUsageError(`--input is required: the CSV file of tracks with audio features\n${CLASSIFY_USAGE}`);
  return { input: values.input, output: values.output, model: values.model };
}

async function main(): Promise<number> {
  const args = parseClassifyArgs(process.argv.slice(2));
  let classifier: Classifier;
  try {
    classifier = await loadClassifierFromDir(args.model);
  } catch (error) {
    throw new Error(`--model ${args.model}: cannot load the model (${describeFileError(error, args.model)})`, { cause: error });
  }
  let input: string;
  try {
    input = readFileSync(args.input, 'utf8');
  } catch (error) {
    throw new Error(`--input ${args.input}: cannot read it (${describeFileError(error, args.input)})`, { cause: error });
  }
  let result: ClassifyCsvResult;
  try {
    result = classifyCsv(input, classifier);
  } catch (error) {
    throw new Error(`${args.input}: ${errorMessage(error)}`, { cause: error });
  }
  const { csv, errors } = result;
  for (const e of errors) console.error(`${args.input}: ${e}`);
  const note = missingDurationNote(result);
  if (note) console.error(`${args.input}: ${note}`);
  if (args.output) {
    try {
      writeFileSync(args.output, csv);
    } catch (error) {
      throw new Error(`--output ${args.output}: cannot write it (${describeFileError(error, args.output, 'write')})`, { cause: error });
    }
  } else process.stdout.write(csv);
  return errors.length > 0 ? 2 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(errorMessage(error));
      process.exit(1);
    },
  );
}
