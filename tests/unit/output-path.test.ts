import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outputFileProblem, outputFolderProblem } from '@/training/output-path';

const dir = mkdtempSync(join(tmpdir(), 'pp-output-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'a-file.txt');
writeFileSync(file, 'not a folder');
const folder = join(dir, 'a-folder');
mkdirSync(folder);

describe('outputFolderProblem (npm run train --out and --report)', () => {
  it('accepts an existing folder and a folder still to be made, at any depth, without making it', () => {
    expect(outputFolderProblem(folder, 'out')).toBeNull();
    expect(outputFolderProblem(join(dir, 'new', 'deeper'), 'out')).toBeNull();
    expect(existsSync(join(dir, 'new'))).toBe(false);
  });

  it('refuses a file, and a path under a file, naming the option and the file', () => {
    expect(outputFolderProblem(file, 'out')).toBe(`--out must be a folder: ${file} is a file`);
    expect(outputFolderProblem(join(file, 'x', 'y'), 'report')).toBe(`--report must be a folder: ${file} is a file, so ${join(file, 'x', 'y')} cannot be made`);
  });
});

describe('outputFileProblem (npm run explore:* --out)', () => {
  it('accepts an existing file (replaced) and a new file in an existing folder', () => {
    expect(outputFileProblem(file, 'out')).toBeNull();
    expect(outputFileProblem(join(folder, 'TABLE.md'), 'out')).toBeNull();
    expect(existsSync(join(folder, 'TABLE.md'))).toBe(false);
  });

  it('refuses a folder, a file in a folder that does not exist, and a file under a file', () => {
    expect(outputFileProblem(folder, 'out')).toBe(`--out must be a file: ${folder} is a folder`);
    expect(outputFileProblem(join(dir, 'missing', 'TABLE.md'), 'out')).toBe(`--out: no folder ${join(dir, 'missing')} to write ${join(dir, 'missing', 'TABLE.md')} in`);
    expect(outputFileProblem(join(file, 'TABLE.md'), 'out')).toBe(`--out: no folder ${file} to write ${join(file, 'TABLE.md')} in`);
  });

  // Root may write anywhere (CI runs as root), so the refusal is only seen as another user.
  it.skipIf(process.getuid?.() === 0)('refuses a folder this process may not write', () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    try {
      expect(outputFileProblem(join(locked, 'TABLE.md'), 'out')).toBe(`--out: cannot write to the folder ${locked} (permission denied)`);
      expect(outputFolderProblem(join(locked, 'model'), 'out')).toBe(`--out: cannot write to the folder ${locked} (permission denied)`);
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});
