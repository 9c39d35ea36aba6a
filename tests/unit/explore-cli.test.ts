import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseExploreArgs, runExploreCli, type ExploreArgs, type ExploreCommand } from '@/training/explore-cli';
import { emptyDataLayout } from './support/fixtures';

const data = mkdtempSync(join(tmpdir(), 'pp-explore-cli-'));
afterAll(() => rmSync(data, { recursive: true, force: true }));
emptyDataLayout(data);

describe('parseExploreArgs (the npm run explore:* commands)', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    [['--bogus'], /npm run explore:x: .*bogus/],
    [[], /npm run explore:x: --data is required/],
    [['--data', '/nowhere/at/all'], /npm run explore:x: .*nowhere/],
    // Before the run, not after it: the table is written at the end.
    [['--data', data, '--out', data], /npm run explore:x: --out must be a file: .* is a folder/],
    [['--data', data, '--out', join(data, 'missing', 'T.md')], /npm run explore:x: --out: no folder .*missing to write/],
    // Number('') is 0: an empty seed must not quietly become seed 0.
    [['--data', data, '--seed', ''], /npm run explore:x: --seed must be an integer, got ""/],
    [['--data', data, '--seed=1.5'], /npm run explore:x: --seed must be an integer, got "1.5"/],
    [['--data', data, '--seed', '0x10'], /npm run explore:x: --seed must be an integer, got "0x10"/],
  ])('refuses %j with the reason and the usage line', (args, reason) => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    expect(parseExploreArgs('explore:x', 'Usage: npm run explore:x -- --data <dir>', args)).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(reason);
    expect(errors[0]).toContain('\nUsage: npm run explore:x -- --data <dir>');
  });

  it("gives the folder, the seed (none when not given: the command takes npm run train's) and the table's file", () => {
    const out = join(data, 'T.md');
    expect(parseExploreArgs('explore:x', 'usage', ['--data', data])).toEqual({ data });
    expect(parseExploreArgs('explore:x', 'usage', ['--data', data, '--seed=-7', '--out', out])).toEqual({ data, seed: -7, out });
  });
});

describe('runExploreCli (training/explore-cli.ts <command>)', () => {
  afterEach(() => vi.restoreAllMocks());

  /** A command that records the arguments it ran with, then gives `code` or throws `error`. */
  function fakeCommand(outcome: { code: number } | { error: Error }): { command: ExploreCommand; runs: ExploreArgs[] } {
    const runs: ExploreArgs[] = [];
    const command: ExploreCommand = {
      usage: 'Usage: npm run explore:fake -- --data <dir>',
      run: async (args) => {
        runs.push(args);
        if ('error' in outcome) throw outcome.error;
        return outcome.code;
      },
    };
    return { command, runs };
  }

  it('runs the named command with its checked arguments and exits with its code', async () => {
    const { command, runs } = fakeCommand({ code: 0 });
    expect(await runExploreCli(['fake', '--data', data, '--seed', '7'], new Map([['fake', command]]))).toBe(0);
    expect(runs).toEqual([{ data, seed: 7 }]);
  });

  it('does not run the command on a wrong command line: exit 2, the reason and its usage line', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    const { command, runs } = fakeCommand({ code: 0 });
    expect(await runExploreCli(['fake', '--data', data, '--seed', ''], new Map([['fake', command]]))).toBe(2);
    expect(await runExploreCli(['nope', '--data', data], new Map([['fake', command]]))).toBe(2);
    expect(await runExploreCli([], new Map([['fake', command]]))).toBe(2);
    expect(runs).toEqual([]);
    expect(errors).toEqual([
      'npm run explore:fake: --seed must be an integer, got ""\nUsage: npm run explore:fake -- --data <dir>',
      'training/explore-cli.ts: unknown command "nope"; one of fake (npm run explore:<command>)',
      'training/explore-cli.ts: unknown command ""; one of fake (npm run explore:<command>)',
    ]);
  });

  it('says what a failing command threw, in one line: exit 1', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    const { command } = fakeCommand({ error: new Error('no labelled tracks') });
    expect(await runExploreCli(['fake', '--data', data], new Map([['fake', command]]))).toBe(1);
    expect(errors).toEqual(['npm run explore:fake: no labelled tracks']);
  });

  it('is what npm run explore:trees and explore:students run: a wrong seed is refused with the command\'s usage line', async () => {
    for (const name of ['trees', 'students']) {
      const failed = await promisify(execFile)('npm', ['run', '-s', `explore:${name}`, '--', '--data', data, '--seed', ''], { cwd: join(__dirname, '..', '..'), timeout: 60_000 }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code?: number; stderr: string }) => error,
      );
      expect(failed.code, name).toBe(2);
      expect(failed.stderr).toBe(`npm run explore:${name}: --seed must be an integer, got ""\nUsage: npm run explore:${name} -- --data <dir> [--out <file.md>] [--seed <int>]\n`);
    }
  });
});
