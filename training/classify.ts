import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { loadClassifier, pickTheme, type Classifier } from '../model/classifier';
import { AUDIO_FEATURE_NAMES, type AudioFeatures } from '../model/features';
import { defaultEnabledThemes } from '../model/metadata';
import { parseFeatureColumns } from './data';
import { fileModelHandler } from './model-files';

/** Loads the model in `modelDir` (`model.json`, its shard, `metadata.json`) from disk. */
export async function loadClassifierFromDir(modelDir: string): Promise<Classifier> {
  const metadata: unknown = JSON.parse(readFileSync(join(modelDir, 'metadata.json'), 'utf8'));
  return loadClassifier(fileModelHandler(join(modelDir, 'model.json')), metadata);
}

/** Outcome of classifying a CSV: the output CSV text and one message per row that failed. */
export interface ClassifyCsvResult {
  /** `track_id,theme,p_<theme>...` with a header; one line per valid input row, in input order. */
  readonly csv: string;
  /** E.g. `row 3 (line 4): column "energy": not a number: "loud"`. */
  readonly errors: string[];
}

/**
 * Classifies every row of a CSV whose header names at least the 11 audio-feature columns
 * (and optionally `track_id`). The theme column is the most probable theme among those enabled
 * by default (non-experimental), exactly as the extension's badge picks it; the `p_<theme>`
 * columns give the model's probability for every label, in metadata order, to 6 decimals.
 * Rows with a missing or invalid feature are reported in `errors` and left out; the others are
 * still classified.
 *
 * @throws Error when the header lacks feature columns (naming them) or the CSV cannot be parsed.
 */
export function classifyCsv(input: string, classifier: Classifier): ClassifyCsvResult {
  const records: { record: Record<string, string>; info: { lines: number } }[] = parse(input, {
    columns: true,
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
  });
  const header: string[] = parse(input, { to_line: 1 })[0] ?? [];
  const missing = AUDIO_FEATURE_NAMES.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new Error(`Input CSV lacks audio-feature columns: ${missing.join(', ')}`);

  const errors: string[] = [];
  const valid: { trackId: string; features: AudioFeatures }[] = [];
  records.forEach(({ record, info }, i) => {
    const parsed = parseFeatureColumns(record);
    if ('error' in parsed) {
      errors.push(`row ${i + 1} (line ${info.lines}): column "${parsed.error.column}": ${parsed.error.message}`);
    } else {
      valid.push({ trackId: record.track_id ?? '', features: parsed.features });
    }
  });

  const { labels } = classifier.metadata;
  const enabled = defaultEnabledThemes(classifier.metadata);
  const probabilities = classifier.predict(valid.map((v) => ({ features: v.features, durationMs: null })));
  const rows = valid.map((v, i) => {
    const p = probabilities[i] ?? [];
    return [v.trackId, pickTheme(p, labels, enabled).theme, ...p.map((x) => x.toFixed(6))];
  });
  return { csv: stringify([['track_id', 'theme', ...labels.map((l) => `p_${l}`)], ...rows]), errors };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      input: { type: 'string' },
      output: { type: 'string' },
      model: { type: 'string', default: 'public/model' },
    },
  });
  if (!values.input) throw new Error('Usage: npm run classify -- --input <csv> [--output <csv>] [--model <dir>]');
  const classifier = await loadClassifierFromDir(values.model);
  const { csv, errors } = classifyCsv(readFileSync(values.input, 'utf8'), classifier);
  for (const e of errors) console.error(`${values.input}: ${e}`);
  if (values.output) writeFileSync(values.output, csv);
  else process.stdout.write(csv);
  return errors.length > 0 ? 2 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
