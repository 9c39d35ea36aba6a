/**
 * Fuzz: CSV files given to `npm run classify` (`classifyCsv`, training/classify.ts, which reads
 * them with training/csv.ts).
 *
 * Inputs (`files`): a header of the 11 audio-feature columns, `track_id`, `track_name` and
 * `duration_ms` in a random order, then 1–10 rows of valid values, each row possibly damaged:
 * a quote inside the title (`12" remix`), a title quoted with a comma or a line break in it (valid
 * CSV), a title opening a quote that is never closed, a feature cell emptied or replaced by text,
 * the row cut short, extra fields, a blank line before it; CRLF or LF line ends. After a row with
 * an unclosed quote the later rows carry no quote (another quote would close it somewhere the
 * oracle cannot foresee). Half the files start with a UTF-8 byte order mark.
 *
 * The oracle works from the generator's own record of each row (never from the code under test):
 * - rows before the first unclosed quote: classified when every feature is valid, with the
 *   model's probabilities for exactly those values (`Classifier.predict`, within the 6 printed
 *   decimals) and its duration; otherwise one error naming `row <n> (line <its last line>)`;
 * - the row with the unclosed quote and every row after it: one error naming that row and a span
 *   of lines covering all of them.
 *
 * Per input:
 * - crash: `classifyCsv` throws (the header is always valid).
 * - accepted: every row classified; rejected: some rows reported (the CLI's exit code 2).
 * - wrong: the output's rows, their order, probabilities, themes or durations, or an error's row
 *   number or lines differ from the oracle's.
 * - dataLost: a row neither in the output nor named by an error.
 */
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Classifier } from '@/model/classifier';
import { AUDIO_FEATURE_NAMES, type AudioFeatures } from '@/model/features';
import { classifyCsv, loadClassifierFromDir, type ClassifyCsvResult } from '@/training/classify';
import { REPO_ROOT } from '../unit/support/fixtures';
import { validFeatures } from './support/arbitraries';
import { FUZZ_SEED, runsFor, timeoutFor } from './support/config';
import { describeError, runCategory, useTally } from './support/run';
import { accepted, crashed, rejected, type Outcome } from './support/tally';

type Damage = 'none' | 'quote inside' | 'quoted comma' | 'quoted line break' | 'unclosed quote' | 'feature emptied' | 'feature text' | 'cut short' | 'extra fields' | 'blank line before';
const DAMAGE: readonly Damage[] = ['none', 'none', 'none', 'quote inside', 'quoted comma', 'quoted line break', 'unclosed quote', 'feature emptied', 'feature text', 'cut short', 'extra fields', 'blank line before'];
const QUOTING: readonly Damage[] = ['quote inside', 'quoted comma', 'quoted line break', 'unclosed quote'];

/** Text with no comma, quote or line break that is not a number (a damaged feature cell). */
const notANumber = fc.string({ unit: fc.constantFrom(...'abcxyz é!?;:-_'), minLength: 1, maxLength: 12 }).filter((s) => s.trim() !== '' && !Number.isFinite(Number(s)));

interface RowSpec {
  readonly damage: Damage;
  readonly features: AudioFeatures;
  readonly durationMs: number;
  /** Column cut-off for 'cut short' (cells kept); the feature damaged for 'feature emptied' / 'feature text'. */
  readonly keep: number;
  readonly feature: (typeof AUDIO_FEATURE_NAMES)[number];
  readonly text: string;
}

const rowSpec: fc.Arbitrary<RowSpec> = fc.record({
  damage: fc.constantFrom(...DAMAGE),
  features: validFeatures,
  durationMs: fc.integer({ min: 1_000, max: 7_200_000 }),
  keep: fc.integer({ min: 1, max: AUDIO_FEATURE_NAMES.length + 2 }),
  feature: fc.constantFrom(...AUDIO_FEATURE_NAMES),
  text: notANumber,
});

const COLUMNS = ['track_id', 'track_name', 'duration_ms', ...AUDIO_FEATURE_NAMES] as const;

interface FileSpec {
  readonly columns: readonly string[];
  readonly rows: readonly RowSpec[];
  readonly eol: '\n' | '\r\n';
  /** A UTF-8 byte order mark before the header (spreadsheets' "CSV UTF-8"). */
  readonly bom: boolean;
}

const fileSpec: fc.Arbitrary<FileSpec> = fc
  .record({ columns: fc.shuffledSubarray([...COLUMNS], { minLength: COLUMNS.length }), rows: fc.array(rowSpec, { minLength: 1, maxLength: 10 }), eol: fc.constantFrom('\n' as const, '\r\n' as const), bom: fc.boolean() })
  .map(({ columns, rows, eol, bom }) => {
    // No quote after an unclosed one (see the module comment).
    const open = rows.findIndex((r) => r.damage === 'unclosed quote');
    return { columns, eol, bom, rows: open < 0 ? rows : rows.map((r, i) => (i > open && QUOTING.includes(r.damage) ? { ...r, damage: 'none' as const } : r)) };
  });

/** What the oracle expects of one row, and the lines it takes in the file. */
interface Expected {
  readonly id: string;
  readonly status: 'classified' | 'error' | 'lost';
  /** For classified rows: the values the model must get (`null`: no duration). */
  readonly features?: AudioFeatures;
  readonly durationMs?: number | null;
  /** For classified rows: the output's `track_id` (empty when the row was cut before that column). */
  readonly outputId?: string;
  readonly firstLine: number;
  readonly lastLine: number;
}

/** The file's text and the oracle's expectation per row. */
function render(spec: FileSpec): { text: string; expected: Expected[] } {
  const lines: string[] = [spec.columns.join(',')];
  const expected: Expected[] = [];
  let lost = false;
  /** The file's last line so far (a title with a line break takes two). */
  let lastLineSoFar = 1;
  spec.rows.forEach((r, i) => {
    const id = `track${i + 1}`;
    const title = { 'quote inside': `Song ${i + 1} (12" remix)`, 'quoted comma': `"Song ${i + 1}, live"`, 'quoted line break': `"Song ${i + 1}${spec.eol}part two"`, 'unclosed quote': `"Song ${i + 1}` }[r.damage as string] ?? `Song ${i + 1}`;
    const cells: Record<string, string> = { track_id: id, track_name: title, duration_ms: String(r.durationMs) };
    for (const f of AUDIO_FEATURE_NAMES) cells[f] = String(r.features[f]);
    if (r.damage === 'feature emptied') cells[r.feature] = '';
    if (r.damage === 'feature text') cells[r.feature] = r.text;
    let row = spec.columns.map((c) => cells[c] ?? '');
    if (r.damage === 'cut short') row = row.slice(0, r.keep);
    if (r.damage === 'extra fields') row = [...row, 'extra', '1'];
    if (r.damage === 'blank line before') {
      lines.push('');
      lastLineSoFar++;
    }
    const firstLine = lastLineSoFar + 1;
    lines.push(row.join(','));
    const lastLine = firstLine + (r.damage === 'quoted line break' ? 1 : 0);
    lastLineSoFar = lastLine;
    if (r.damage === 'unclosed quote') lost = true;
    const kept = new Set(r.damage === 'cut short' ? spec.columns.slice(0, r.keep) : spec.columns);
    const featuresOk = r.damage !== 'feature emptied' && r.damage !== 'feature text' && AUDIO_FEATURE_NAMES.every((f) => kept.has(f));
    if (lost) expected.push({ id, status: 'lost', firstLine, lastLine });
    else if (!featuresOk) expected.push({ id, status: 'error', firstLine, lastLine });
    else expected.push({ id, status: 'classified', features: r.features, durationMs: kept.has('duration_ms') ? r.durationMs : null, outputId: kept.has('track_id') ? id : '', firstLine, lastLine });
  });
  return { text: `${spec.bom ? '\ufeff' : ''}${lines.join(spec.eol)}${spec.eol}`, expected };
}

/** "row 3 (line 4): …" or "row 3 (lines 4–9): …" → its row number and line span. */
function errorPlace(message: string): { row: number; from: number; to: number } | undefined {
  const m = /^row (\d+) \(lines? (\d+)(?:–(\d+))?\): /.exec(message);
  return m ? { row: Number(m[1]), from: Number(m[2]), to: Number(m[3] ?? m[2]) } : undefined;
}

type Classify = (text: string, classifier: Classifier) => ClassifyCsvResult;

/** Classifies one file with `classify` and compares with the oracle (see the module comment). */
function checkFile(spec: FileSpec, classifier: Classifier, classify: Classify): Outcome {
  const { text, expected } = render(spec);
  let result: ClassifyCsvResult;
  try {
    result = classify(text, classifier);
  } catch (error) {
    return crashed(describeError(error));
  }
  const [header, ...out] = parse(result.csv) as string[][];
  const { labels } = classifier.metadata;
  const classified = expected.filter((e) => e.status === 'classified');
  const wrong: string[] = [];
  const dataLost: string[] = [];

  // Output rows: the classified ones, in order, with the model's numbers for exactly their values.
  if (header?.join(',') !== ['track_id', 'theme', ...labels.map((l) => `p_${l}`), 'duration_ms'].join(',')) wrong.push(`output header ${String(header)}`);
  const probabilities = classifier.predict(classified.map((e) => ({ features: e.features as AudioFeatures, durationMs: e.durationMs ?? null })));
  if (out.length !== classified.length) wrong.push(`${out.length} output rows, ${classified.length} expected`);
  classified.forEach((e, i) => {
    const row = out[i];
    if (!row) return;
    if (row[0] !== e.outputId) wrong.push(`output row ${i + 1} is ${row[0]}, expected ${e.outputId}`);
    const p = row.slice(2, 2 + labels.length).map(Number);
    if (p.some((x, j) => !(Math.abs(x - (probabilities[i]?.[j] ?? NaN)) <= 5e-7 + 1e-9))) wrong.push(`${e.id}: probabilities ${row.slice(2, 2 + labels.length).join(' ')}`);
    const duration = e.durationMs === null || e.durationMs === undefined ? 'missing' : String(Math.min(7_200_000, Math.max(1_000, Math.round(e.durationMs / 1000) * 1000)));
    if (row.at(-1) !== duration) wrong.push(`${e.id}: duration ${String(row.at(-1))}, expected ${duration}`);
  });

  // Errors: one per bad row, naming it and its last line; one for the unclosed quote, covering every row it took.
  const places = result.errors.map(errorPlace);
  if (places.some((p) => p === undefined)) wrong.push(`an error names no row: ${result.errors.find((_, i) => !places[i]) ?? ''}`);
  expected.forEach((e, i) => {
    const row = i + 1;
    const inOutput = e.status === 'classified' && out.some((r) => r[0] === e.outputId);
    const named = places.find((p) => p?.row === row);
    const lostWith = places.find((p) => p && p.row <= row && expected[p.row - 1]?.status === 'lost' && p.from <= e.firstLine && p.to >= e.lastLine);
    if (!inOutput && !named && !lostWith) dataLost.push(`row ${row} (${e.status}) is neither classified nor named by an error`);
    if (e.status === 'error' && named && (named.from !== e.lastLine || named.to !== e.lastLine)) wrong.push(`row ${row}'s error names lines ${named.from}–${named.to}, not ${e.lastLine}`);
    if (e.status === 'classified' && named) wrong.push(`row ${row} was classified but named by an error`);
  });
  const firstLost = expected.findIndex((e) => e.status === 'lost');
  const lostErrors = places.filter((p) => p && p.row - 1 >= firstLost && firstLost >= 0);
  if (firstLost >= 0 && lostErrors.length !== 1) wrong.push(`${lostErrors.length} errors for the unclosed quote and the rows it took, 1 expected`);

  const extra = { ...(wrong.length > 0 ? { wrong: wrong.join('; ') } : {}), ...(dataLost.length > 0 ? { dataLost: dataLost.join('; ') } : {}) };
  return result.errors.length === 0 ? accepted(extra) : rejected(result.errors.join(' | '), extra);
}

let classifier: Classifier;
beforeAll(async () => {
  classifier = await loadClassifierFromDir(join(REPO_ROOT, 'public/model'));
});
afterAll(() => classifier.dispose());

const tally = useTally('fuzz: CSV files of npm run classify');

describe('fuzz: npm run classify', () => {
  it('self-check: the oracle reports a classifier that drops a row, and one that stops at a stray quote', () => {
    const spec = fc.sample(fileSpec, { seed: FUZZ_SEED, numRuns: 1 })[0];
    if (!spec) throw new Error('no sample');
    const clean: FileSpec = { ...spec, rows: spec.rows.map((r) => ({ ...r, damage: 'none' as const })) };
    expect(checkFile(clean, classifier, classifyCsv)).toEqual({ verdict: 'accepted' });
    // Drops the last output row and says nothing.
    const dropping: Classify = (text, c) => {
      const r = classifyCsv(text, c);
      return { ...r, csv: r.csv.split('\n').slice(0, -2).join('\n') + '\n', classified: r.classified - 1 };
    };
    expect(checkFile(clean, classifier, dropping).dataLost).toMatch(/neither classified nor named/);
    // The reading before training/csv.ts: a quote inside a title failed the whole file.
    const strict: Classify = (text, c) => {
      if (/[^,\n]"/.test(text)) throw new Error('Invalid Opening Quote');
      return classifyCsv(text, c);
    };
    const quoted: FileSpec = { ...clean, rows: clean.rows.map((r, i) => (i === 0 ? { ...r, damage: 'quote inside' as const } : r)) };
    expect(checkFile(quoted, classifier, strict).verdict).toBe('crash');
  });

  it(
    'files: every row is classified as the model says or named by an error with its lines; none is lost',
    async () => {
      await runCategory({ tally, category: 'files', arbitrary: fileSpec, runs: runsFor(300), check: async (spec) => checkFile(spec, classifier, classifyCsv), show: (spec) => JSON.stringify(render(spec).text) });
      expect(tally.problems().filter((p) => p.startsWith('files:'))).toEqual([]);
    },
    timeoutFor(10_000),
  );
});
