import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFileError } from '@/training/file-error';
import { thrown } from './support/fixtures';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'pp-file-error-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('describeFileError', () => {
  it('a missing file, a folder, a file missing inside a named folder, and a write into a missing folder, in words', () => {
    const missing = join(tmp, 'nope.csv');
    expect(describeFileError(thrown(() => readFileSync(missing)), missing)).toBe('no such file or folder');
    expect(describeFileError(thrown(() => readFileSync(tmp)), tmp)).toBe('a folder, not a file');
    // The model folder exists but lacks metadata.json: the file is named.
    expect(describeFileError(thrown(() => readFileSync(join(tmp, 'metadata.json'))), tmp)).toBe(`no such file or folder: ${join(tmp, 'metadata.json')}`);
    const out = join(tmp, 'no-such-folder', 'out.csv');
    expect(describeFileError(thrown(() => writeFileSync(out, 'x')), out, 'write')).toBe(`no folder ${join(tmp, 'no-such-folder')}`);
  });

  it('EACCES and EPERM are "permission denied" (errors shaped as Node\'s: root, who runs CI, may read any file)', () => {
    const locked = join(tmp, 'locked.csv');
    for (const code of ['EACCES', 'EPERM']) {
      const error = Object.assign(new Error(`${code}: permission denied, open '${locked}'`), { code, errno: -13, syscall: 'open', path: locked });
      expect(describeFileError(error, locked), code).toBe('permission denied');
      expect(describeFileError(error, tmp), code).toBe(`permission denied: ${locked}`);
    }
  });

  it('any other error keeps its own message; a value that is not an Error gives its text', () => {
    expect(describeFileError(new Error('something else'), 'x')).toBe('something else');
    expect(describeFileError(Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' }), 'x')).toBe('EMFILE: too many open files');
    expect(describeFileError('a string', 'x')).toBe('a string');
  });
});
