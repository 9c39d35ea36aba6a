import { readFileSync } from 'node:fs';
import { parse, type Info } from 'csv-parse/sync';
import { errorMessage } from '../lib/shared/error-message';
import { describeFileError } from './file-error';

/**
 * CSV reading for the Node scripts (training data, the label audit, `npm run classify`), with
 * csv-parse (https://csv.js.org/parse/). RFC 4180 fields, plus what real exports carry:
 * - a header row names the columns (records are objects keyed by it);
 * - empty lines are skipped;
 * - a row with fewer or more fields than the header is kept (`relax_column_count`): a missing
 *   field is absent from the record, so column checks report it;
 * - a quote inside an unquoted field (`Don"t`, `12" remix`) is read as a literal character
 *   (`relax_quotes`), as spreadsheet programs and pandas read it, instead of failing the file;
 * - a UTF-8 byte order mark before the header (spreadsheets' "CSV UTF-8") is dropped (`bom`),
 *   so the first column keeps its name.
 */
const CSV_OPTIONS = { columns: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true, bom: true } as const;

/**
 * The column names of a CSV's header row, read as {@link parseCsvRows} reads it (byte order mark
 * dropped, stray quotes kept); `[]` for an empty file.
 * @throws Error (csv-parse's) when the header itself is not valid CSV, e.g. a quote never closed.
 */
export function csvHeader(text: string | Buffer): string[] {
  const [header] = parse(text, { to_line: 1, relax_quotes: true, bom: true });
  return header ?? [];
}

/** One data row of a CSV: its fields by header column, its 1-based row number and the line it ends on. */
export interface CsvRow {
  readonly record: Record<string, string>;
  /** Position among the data rows, the header not counted (1 = first data row). */
  readonly row: number;
  /** Line of the file the row ends on (1 = the header; CRLF, LF and a lone CR each end a line). */
  readonly line: number;
}

/** The data row that could not be parsed as CSV: a quoted field never closed, which runs to the end of the file. */
export interface MalformedCsvRow {
  /** Position among the data rows, as {@link CsvRow.row}. */
  readonly row: number;
  /** Line after which the row starts (the previous row's last line; 1 = the header). */
  readonly after: number;
  /** The file's last line: the quoted field took every line up to it. */
  readonly line: number;
  /** What is wrong: {@link QUOTE_NOT_CLOSED}, or csv-parse's message for any other error. */
  readonly message: string;
}

/** {@link MalformedCsvRow.message} for a quoted field never closed (csv-parse's `CSV_QUOTE_NOT_CLOSED`, whose own message counts lines its own way). */
export const QUOTE_NOT_CLOSED = 'a quote opened here is never closed, so it runs to the end of the file';

/** "row 3 (lines 4–6): not valid CSV: …" (or "(line 6)" when the row takes one line). */
export function describeMalformedRow({ row, after, line, message }: MalformedCsvRow): string {
  return `row ${row} (${line > after + 1 ? `lines ${after + 1}–${line}` : `line ${line}`}): not valid CSV: ${message}`;
}

/**
 * Line numbers from byte offsets in a file. csv-parse's own `info.lines` counts a CRLF inside a
 * quoted field as two lines (csv-parse 7.0.3: `"a\r\nb",1` on line 2 is reported as ending on
 * line 4), so rows are placed by their byte offsets (`info.bytes`) instead.
 */
class LineIndex {
  /** Byte offset just after each line break (CRLF, LF or a lone CR), ascending. */
  private readonly breakEnds: number[] = [];

  constructor(bytes: Uint8Array) {
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) this.breakEnds.push(++i + 1);
      else if (bytes[i] === 0x0d || bytes[i] === 0x0a) this.breakEnds.push(i + 1);
    }
  }

  /** The line holding the last byte before `end` (a line break just before `end` belongs to the line it ends). */
  lineEndingAt(end: number): number {
    // Binary search: how many line breaks end at or before `end`.
    let lo = 0;
    let hi = this.breakEnds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.breakEnds[mid] ?? 0) <= end) lo = mid + 1;
      else hi = mid;
    }
    const breaks = lo;
    const endsWithBreak = breaks > 0 && this.breakEnds[breaks - 1] === end;
    return 1 + breaks - (endsWithBreak ? 1 : 0);
  }
}

/**
 * Parses CSV text with a header row ({@link CSV_OPTIONS}) and keeps the rows before a row that is
 * not valid CSV. With these options the one error csv-parse 7 can raise is a quoted field that is
 * never closed (its other errors are relaxed, or need options not set here): it takes the rest of
 * the file with it, since there is no way to tell where it should have ended, and comes back as
 * `malformed` with the lines it covers, so a caller can report it and use the rows before it.
 * A header whose quote is never closed comes out as malformed row 1: a caller that needs the
 * columns reads the header first (as `classifyCsv` does).
 *
 * @param text the whole file.
 * @returns the parsed rows in file order, and the malformed row if there is one.
 */
export function parseCsvRows(text: string | Buffer): { rows: CsvRow[]; malformed?: MalformedCsvRow } {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const lines = new LineIndex(bytes);
  let failure: string | undefined;
  const parsed = parse<{ record: Record<string, string>; info: Info }>(bytes, {
    ...CSV_OPTIONS,
    info: true,
    skip_records_with_error: true,
    on_skip: (error) => {
      failure ??= error?.code === 'CSV_QUOTE_NOT_CLOSED' ? QUOTE_NOT_CLOSED : (error?.message ?? 'malformed row');
      return undefined;
    },
  });
  const rows: CsvRow[] = parsed.map(({ record, info }, i) => ({ record, row: i + 1, line: lines.lineEndingAt(info.bytes) }));
  if (failure === undefined) return { rows };
  const malformed = { row: rows.length + 1, after: rows.at(-1)?.line ?? 1, line: lines.lineEndingAt(bytes.length), message: failure };
  return { rows, malformed };
}

/** A CSV file that could not be read or parsed; the message names the file (and the line, for a parse error). */
export class CsvFileError extends Error {
  override readonly name = 'CsvFileError';
  /**
   * @param file the path of the CSV file.
   * @param detail what went wrong, in words; the message is `<file>: <detail>`.
   * @param options the underlying error, if any, as `cause`.
   */
  constructor(
    readonly file: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${detail}`, options);
  }
}

/**
 * Reads a CSV file that must be well-formed (the training data): its records, keyed by the
 * header, read as {@link parseCsvRows} reads them.
 * @throws CsvFileError `<file>: <the row, as describeMalformedRow says it>` when a row is not valid
 *   CSV, or `<file>: <why it cannot be read, as describeFileError says it>` ("no such file or
 *   folder", "a folder, not a file", "permission denied").
 */
export function readCsvFile(file: string): Record<string, string>[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new CsvFileError(file, describeFileError(error, file), { cause: error });
  }
  let parsed: ReturnType<typeof parseCsvRows>;
  try {
    parsed = parseCsvRows(bytes);
  } catch (error) {
    throw new CsvFileError(file, errorMessage(error), { cause: error });
  }
  if (parsed.malformed) throw new CsvFileError(file, describeMalformedRow(parsed.malformed));
  return parsed.rows.map((r) => r.record);
}
