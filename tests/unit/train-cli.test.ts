import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { QUOTE_NOT_CLOSED } from '@/training/csv';
import { DATA_LAYOUT } from '@/training/data';
import { DATA_CHECK_USAGE } from '@/training/data-check';
import { TRAIN_USAGE } from '@/training/train';
import { realDataDir } from './support/fixtures';

const REPO_ROOT = join(__dirname, '..', '..');
const empty = mkdtempSync(join(tmpdir(), 'pp-train-cli-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

/** Makes `dir` a data folder of {@link DATA_LAYOUT} whose files are empty. */
function emptyDataLayout(dir: string): void {
  for (const f of DATA_LAYOUT) {
    mkdirSync(join(dir, f.endsWith('/') ? f : join(f, '..')), { recursive: true });
    if (!f.endsWith('/')) writeFileSync(join(dir, f), '');
  }
}

/** Runs `npm run train`'s script with `args`; resolves with its exit code and output (it must fail). */
async function train(args: string[]): Promise<{ code?: number; stdout: string; stderr: string }> {
  return promisify(execFile)('npx', ['tsx', '--tsconfig', 'training/tsconfig.json', 'training/train.ts', ...args], { cwd: REPO_ROOT, timeout: 90_000 }).then(
    () => ({ stdout: '', stderr: 'exited 0' }),
    (error: { code?: number; stdout: string; stderr: string }) => error,
  );
}

describe('npm run train with a wrong command line', () => {
  it('without --data: exit 2, one message and the usage line, no stack trace', async () => {
    const { code, stderr } = await train([]);
    expect(code).toBe(2);
    expect(stderr).toContain('npm run train: --data is required');
    expect(stderr).toContain(TRAIN_USAGE);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('with a folder that is not training data: names every missing file and the expected layout', async () => {
    const { code, stderr } = await train(['--data', empty]);
    expect(code).toBe(2);
    for (const f of DATA_LAYOUT) expect(stderr).toContain(join(empty, f));
    expect(stderr).toContain(TRAIN_USAGE);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('with an unknown option, a bad seed or a bad worker count: the reason and the usage line', async () => {
    const unknown = await train(['--data', empty, '--sede', '1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/npm run train: Unknown option '--sede'/);
    // A folder with the layout (empty files): the seed is checked before any data is read.
    const layout = join(empty, 'layout');
    emptyDataLayout(layout);
    const seed = await train(['--data', layout, '--seed', 'x']);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toContain('npm run train: --seed must be an integer, got "x"');
    for (const n of ['0', '1.5', 'two']) {
      const workers = await train(['--data', layout, '--workers', n]);
      expect(workers.code).toBe(2);
      expect(workers.stderr).toContain(`npm run train: --workers must be a positive integer, got "${n}"`);
      expect(workers.stderr).toContain(TRAIN_USAGE);
    }
  });
});

/** Runs `npm run data:check`'s script with `args`; resolves with its exit code and output. */
async function dataCheck(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)('npx', ['tsx', '--tsconfig', 'training/tsconfig.json', 'training/data-check.ts', ...args], { cwd: REPO_ROOT, timeout: 90_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout: string; stderr: string }) => ({ code: error.code ?? -1, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('npm run data:check (issue 13)', () => {
  it('without --data, or with a folder that is not training data: exit 2, the reason and the usage line, no stack trace', async () => {
    const none = await dataCheck([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(DATA_CHECK_USAGE);
    const wrong = await dataCheck(['--data', empty]);
    expect(wrong.code).toBe(2);
    for (const f of DATA_LAYOUT) expect(wrong.stderr).toContain(join(empty, f));
    expect(wrong.stderr).not.toMatch(/^\s+at /m);
    const missing = await dataCheck(['--data', join(empty, 'nowhere')]);
    expect(missing.stderr).toContain('does not exist');
  });

  const real = realDataDir();
  if (!real.exists) console.log(`Skipping data:check on the real data: no data folder at ${real.dir} (set PLAYLIST_PREDICTOR_DATA)`);
  it.skipIf(!real.exists)('on the real data: exit 0, every source with its rows and licence, and the labelled tracks per theme', async () => {
    const { code, stdout } = await dataCheck(['--data', real.dir]);
    expect(code).toBe(0);
    expect(stdout).toContain('usable training data');
    expect(stdout).toMatch(/tidytuesday\/spotify_songs\.csv: \d+ rows .*licence: MIT/);
    expect(stdout).toMatch(/labelled tracks: \d+ \(workout \d+/);
  });
});

describe('npm run train and npm run data:check with a damaged CSV', () => {
  it('exit 1 with one message naming the file and the line, no stack trace, nothing written', async () => {
    const dir = join(empty, 'damaged');
    emptyDataLayout(dir);
    // The first source read: a quoted field opened on line 3 (data row 2) and never closed.
    const file = join(dir, 'tidytuesday', 'spotify_songs.csv');
    writeFileSync(file, 'track_id,track_name\nt1,One\n"t2,Two\nt3,Three\n');
    const out = join(empty, 'damaged-out');

    const trained = await train(['--data', dir, '--out', out, '--no-report', '--workers', '1']);
    expect(trained.code).toBe(1);
    expect(trained.stderr).toContain(`npm run train: ${file}: row 2 (lines 3–4): not valid CSV: ${QUOTE_NOT_CLOSED}`);
    expect(trained.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(out)).toBe(false);

    const checked = await dataCheck(['--data', dir]);
    expect(checked.code).toBe(1);
    // One line: the file's own message, without the folder in front of it again.
    expect(checked.stderr.trim().split('\n')).toEqual([`${file}: row 2 (lines 3–4): not valid CSV: ${QUOTE_NOT_CLOSED}`]);
  });
});
