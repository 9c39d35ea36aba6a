import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvFileError, QUOTE_NOT_CLOSED, csvHeader, describeMalformedRow, parseCsvRows, readCsvFile } from '@/training/csv';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'pp-csv-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('parseCsvRows', () => {
  it('numbers the data rows from 1 and gives the line each ends on, empty lines and quoted line breaks included', () => {
    const { rows, malformed } = parseCsvRows('id,name\nr1,a\n\nr2,"two\nlines"\nr3,c\n');
    expect(malformed).toBeUndefined();
    expect(rows.map((r) => [r.record.id, r.row, r.line])).toEqual([
      ['r1', 1, 2],
      ['r2', 2, 5],
      ['r3', 3, 6],
    ]);
    expect(rows[1]?.record.name).toBe('two\nlines');
  });

  it('counts a CRLF inside a quoted field as one line break, as editors do (csv-parse alone counts two), and a lone CR as one', () => {
    const { rows } = parseCsvRows('id,name\r\nr1,"two\r\nlines"\r\nr2,b\r\nr3,"c\rd"\r\nr4,é');
    expect(rows.map((r) => [r.record.id, r.line])).toEqual([
      ['r1', 3],
      ['r2', 4],
      ['r3', 6],
      ['r4', 7],
    ]);
  });

  it('reads a quote inside an unquoted field as a character, as spreadsheets do, instead of failing the file', () => {
    const { rows, malformed } = parseCsvRows('id,title\nr1,12" remix\nr2,Don"t Stop\nr3,"quoted, with comma"\n');
    expect(malformed).toBeUndefined();
    expect(rows.map((r) => r.record.title)).toEqual(['12" remix', 'Don"t Stop', 'quoted, with comma']);
  });

  it('drops a UTF-8 byte order mark (spreadsheets\' "CSV UTF-8"), so the first column keeps its name', () => {
    const text = '\ufeffid,name\r\nr1,a\r\nr2,b';
    expect(csvHeader(text)).toEqual(['id', 'name']);
    expect(parseCsvRows(Buffer.from(text)).rows.map((r) => [r.record.id, r.line])).toEqual([
      ['r1', 2],
      ['r2', 3],
    ]);
  });

  it('keeps a row with fewer fields than the header, the missing fields absent', () => {
    const { rows } = parseCsvRows('id,a,b\nr1,1\n');
    expect(rows[0]?.record).toEqual({ id: 'r1', a: '1' });
  });

  it('keeps the rows before a quoted field that is never closed and reports that row with the lines it took along', () => {
    const { rows, malformed } = parseCsvRows('id,a\nr1,1\nr2,2\n"r3,3\nr4,4\nr5,5\n');
    expect(rows.map((r) => r.record.id)).toEqual(['r1', 'r2']);
    expect(malformed).toMatchObject({ row: 3, after: 3, line: 6 });
    expect(malformed?.message).toBe(QUOTE_NOT_CLOSED);
    expect(malformed && describeMalformedRow(malformed)).toBe(`row 3 (lines 4–6): not valid CSV: ${QUOTE_NOT_CLOSED}`);
  });

  it('reports an unclosed quote on the first data row as row 1, after the header', () => {
    const { rows, malformed } = parseCsvRows('id,a\n"r1,1\n');
    expect(rows).toEqual([]);
    expect(malformed).toMatchObject({ row: 1, after: 1, line: 2 });
  });
});

describe('readCsvFile', () => {
  it('reads the records keyed by the header, stray quotes as characters, a byte order mark dropped', () => {
    const file = join(tmp, 'ok.csv');
    writeFileSync(file, '\ufeffid,title\nr1,12" remix\n');
    expect(readCsvFile(file)).toEqual([{ id: 'r1', title: '12" remix' }]);
  });

  it('throws naming the file, the row and its lines when a quoted field is never closed (training data must be whole)', () => {
    const file = join(tmp, 'broken.csv');
    writeFileSync(file, 'id,a\nr1,1\n"r2,2\nr3,3\n');
    expect(() => readCsvFile(file)).toThrow(`${file}: row 2 (lines 3–4): not valid CSV: ${QUOTE_NOT_CLOSED}`);
  });

  it('throws naming the file and saying in words why it cannot be read', () => {
    const absent = join(tmp, 'absent.csv');
    expect(() => readCsvFile(absent)).toThrow(new CsvFileError(absent, 'no such file or folder'));
    expect(() => readCsvFile(tmp)).toThrow(`${tmp}: a folder, not a file`);
  });
});
