import { readFileSync } from 'node:fs';
import { parse, type CsvError, type Info } from 'csv-parse/sync';
import { errorMessage } from '../lib/shared/error-message';

/**
 * CSV reading for the Node scripts (training data, the label audit, `npm run classify`), with
 * csv-parse (https://csv.js.org/parse/). RFC 4180 fields, plus what real exports carry:
 * - a header row names the columns (records are objects keyed by it);
 * - empty lines are skipped;
 * - a row with fewer or more fields than the header is kept (`relax_column_count`): a missing
 *   field is absent from the record, so column checks report it;
 * - a quote inside an unquoted field (`Don"t`, `12" remix`) is read as a literal character
 *   (`relax_quotes`), as spreadsheet programs and pandas read it, instead of failing the file.
 */
const CSV_OPTIONS = { columns: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true } as const;

/** One data row of a CSV: its fields by header column, its 1-based row number and the line it ends on. */
export interface CsvRow {
  readonly record: Record<string, string>;
  /** Position among the data rows, the header not counted, malformed rows counted (1 = first data row). */
  readonly row: number;
  /** Line of the file the row ends on (1 = the header). */
  readonly line: number;
}

/** A data row that could not be parsed as CSV (for example a quoted field never closed). */
export interface MalformedCsvRow {
  /** Position among the data rows, as {@link CsvRow.row}. */
  readonly row: number;
  /** Line after which the row starts (the previous row's last line; 1 = the header). */
  readonly after: number;
  /** Last line the parser read for it. */
  readonly line: number;
  /** csv-parse's message, e.g. "Quote Not Closed: the parsing is finished with an opening quote at line 7". */
  readonly message: string;
}

/** A number csv-parse put on its error (`CsvError` carries its context as untyped fields), or 0. */
function errorCount(error: CsvError | undefined, field: 'lines' | 'records'): number {
  const value = error?.[field];
  return typeof value === 'number' ? value : 0;
}

/**
 * Parses CSV text with a header row ({@link CSV_OPTIONS}), keeping going past rows that are not
 * valid CSV: each is left out and returned in `malformed` with its row number and lines, so a
 * caller can report it and use the other rows. A quoted field that is never closed takes the
 * rest of the file with it (there is no way to tell where it should have ended): that is one
 * malformed row, whose `after`–`line` span says how much was lost.
 *
 * A header whose quoted field is never closed takes the file with it too, and comes out as
 * malformed row 1: a caller that needs the columns reads the header first (as `classifyCsv`
 * does).
 *
 * @param text the whole file.
 * @returns the parsed rows and the malformed ones, each in file order.
 */
export function parseCsvRows(text: string | Buffer): { rows: CsvRow[]; malformed: MalformedCsvRow[] } {
  // csv-parse counts only the rows it returns (`info.records`, and `records` on an error); a
  // row's number here counts the malformed rows before it too.
  const skipped: { returnedBefore: number; line: number; message: string }[] = [];
  const parsed = parse<{ record: Record<string, string>; info: Info }>(text, {
    ...CSV_OPTIONS,
    info: true,
    skip_records_with_error: true,
    on_skip: (error) => {
      skipped.push({ returnedBefore: errorCount(error, 'records'), line: errorCount(error, 'lines'), message: error?.message ?? 'malformed row' });
      return undefined;
    },
  });
  const rows: CsvRow[] = parsed.map(({ record, info }) => ({
    record,
    row: info.records + skipped.filter((s) => s.returnedBefore < info.records).length,
    line: info.lines,
  }));
  const malformed = skipped.map((s, i): MalformedCsvRow => {
    const row = s.returnedBefore + i + 1;
    const linesBefore = [1, ...rows.filter((r) => r.row < row).map((r) => r.line), ...skipped.slice(0, i).map((p) => p.line)];
    return { row, after: Math.max(...linesBefore), line: s.line, message: s.message };
  });
  return { rows, malformed };
}

/** A CSV file that could not be read or parsed; the message names the file (and the line, for a parse error). */
export class CsvFileError extends Error {
  override readonly name = 'CsvFileError';
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`${file}: ${errorMessage(cause)}`, { cause });
  }
}

/**
 * Reads a CSV file that must be well-formed (the training data): its records, keyed by the
 * header, with {@link CSV_OPTIONS}.
 * @throws CsvFileError `<file>: <csv-parse's message>` (which names the line) when a row is not
 *   valid CSV, or `<file>: <the system's message>` when the file cannot be read.
 */
export function readCsvFile(file: string): Record<string, string>[] {
  try {
    return parse(readFileSync(file), CSV_OPTIONS);
  } catch (error) {
    throw new CsvFileError(file, error);
  }
}
