import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parseExploreArgs } from '@/training/explore-cli';
import { DEFAULT_TRAIN_OPTIONS } from '@/training/model';
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

  it("gives the folder, the seed (npm run train's default when not given) and the table's file", () => {
    const out = join(data, 'T.md');
    expect(parseExploreArgs('explore:x', 'usage', ['--data', data])).toEqual({ data, seed: DEFAULT_TRAIN_OPTIONS.seed });
    expect(parseExploreArgs('explore:x', 'usage', ['--data', data, '--seed=-7', '--out', out])).toEqual({ data, seed: -7, out });
  });
});
