import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { QUOTE_NOT_CLOSED } from '@/training/csv';
import { DATA_LAYOUT } from '@/training/data';
import { DATA_CHECK_USAGE } from '@/training/data-check';
import { TRAIN_USAGE, TrainUsageError, parseTrainArgs } from '@/training/train-cli';
import { emptyDataLayout, realDataDir, thrownMessage } from './support/fixtures';

const REPO_ROOT = join(__dirname, '..', '..');
const empty = mkdtempSync(join(tmpdir(), 'pp-train-cli-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

/** Runs `npm run train`'s script with `args`; resolves with its exit code and output (it must fail). */
async function train(args: string[]): Promise<{ code?: number; stdout: string; stderr: string }> {
  return promisify(execFile)('npx', ['tsx', '--tsconfig', 'training/tsconfig.json', 'training/train-cli.ts', ...args], { cwd: REPO_ROOT, timeout: 90_000 }).then(
    () => ({ stdout: '', stderr: 'exited 0' }),
    (error: { code?: number; stdout: string; stderr: string }) => error,
  );
}

describe('npm run train with a wrong command line', () => {
  it('exits 2 with one message and the usage line, no stack trace', async () => {
    const { code, stderr } = await train(['--data', empty, '--seed', '1']);
    expect(code).toBe(2);
    expect(stderr).toContain('npm run train: Training data not found:');
    for (const f of DATA_LAYOUT) expect(stderr).toContain(join(empty, f));
    expect(stderr).toContain(TRAIN_USAGE);
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});

describe('parseTrainArgs (the command line, checked before TF.js loads)', () => {
  const layout = join(empty, 'layout');
  emptyDataLayout(layout);
  const usageError = (args: string[]): string => thrownMessage(() => parseTrainArgs(args), TrainUsageError);

  it('needs --data, and names a bare argument with it', () => {
    expect(usageError([])).toBe('--data is required: the folder with the training data');
    expect(usageError([layout])).toBe(`Unexpected argument '${layout}': give it with --data (--data ${layout})`);
  });

  it('names every missing file of a folder that is not training data, and the expected layout', () => {
    const message = usageError(['--data', empty]);
    for (const f of DATA_LAYOUT) expect(message).toContain(join(empty, f));
  });

  it('refuses an unknown option, a seed that is not an integer, and epochs or workers that are not positive integers', () => {
    expect(usageError(['--data', layout, '--sede', '1'])).toBe("Unknown option '--sede'");
    for (const seed of ['x', '', '1.5', '0x10', '1e3']) expect(usageError(['--data', layout, '--seed', seed])).toBe(`--seed must be an integer, got "${seed}"`);
    for (const n of ['0', '-1', '1.5', 'two', ' ']) {
      expect(usageError(['--data', layout, `--workers=${n}`])).toBe(`--workers must be a positive integer, got "${n}"`);
      expect(usageError(['--data', layout, `--epochs=${n}`])).toBe(`--epochs must be a positive integer, got "${n}"`);
    }
  });

  it('refuses an --out or --report that is a file or lies under one, before any training; a folder still to be made is fine', () => {
    const file = join(empty, 'a-file.txt');
    writeFileSync(file, 'not a folder');
    expect(usageError(['--data', layout, '--out', file])).toBe(`--out must be a folder: ${file} is a file`);
    expect(usageError(['--data', layout, '--out', join(file, 'x', 'y')])).toBe(`--out must be a folder: ${file} is a file, so ${join(file, 'x', 'y')} cannot be made`);
    expect(usageError(['--data', layout, '--report', file])).toBe(`--report must be a folder: ${file} is a file`);
    // Without a report, --report is not used, so not checked.
    expect(parseTrainArgs(['--data', layout, '--report', file, '--no-report']).reportDir).toBeNull();
    const toBeMade = join(empty, 'new', 'model');
    expect(parseTrainArgs(['--data', layout, '--out', toBeMade]).out).toBe(toBeMade);
    expect(existsSync(join(empty, 'new')), 'checking makes no folder').toBe(false);
  });

  it('gives the defaults, and every option given', () => {
    expect(parseTrainArgs(['--data', layout])).toEqual({ data: layout, out: 'public/model', reportDir: 'training', chromiumBench: true });
    expect(parseTrainArgs(['--data', layout, '--out', 'm', '--seed=-3', '--epochs', '2', '--workers', '1', '--no-report', '--no-chromium-bench'])).toEqual({
      data: layout,
      out: 'm',
      seed: -3,
      epochs: 2,
      workers: 1,
      reportDir: null,
      chromiumBench: false,
    });
    expect(parseTrainArgs(['--data', layout, '--report', 'r']).reportDir).toBe('r');
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
