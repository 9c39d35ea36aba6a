import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliUsageError } from '@/training/cli-args';
import { parseAuditArgs } from '@/training/audit-labels';
import { emptyDataLayout, thrownMessage } from './support/fixtures';

const data = mkdtempSync(join(tmpdir(), 'pp-audit-cli-'));
afterAll(() => rmSync(data, { recursive: true, force: true }));
emptyDataLayout(data);

/** The CliUsageError message `parseAuditArgs` throws for `args`; fails the test when it throws something else or nothing. */
function usageError(args: string[]): string {
  return thrownMessage(() => parseAuditArgs(args), CliUsageError);
}

describe('parseAuditArgs (npm run audit:labels)', () => {
  it('gives the folder, the seed and the names per theme (100 when not given)', () => {
    expect(parseAuditArgs(['--data', data, '--seed', '20251205'])).toEqual({ data, seed: 20251205, perTheme: 100 });
    expect(parseAuditArgs(['--data', data, '--seed=-1', '--per-theme', '5'])).toEqual({ data, seed: -1, perTheme: 5 });
  });

  it('refuses a command line without --data or --seed, or with a folder that is not training data', () => {
    expect(usageError(['--seed', '1'])).toMatch(/^--data is required/);
    expect(usageError(['--data', data])).toMatch(/^--seed is required/);
    expect(usageError(['--data', join(data, 'nowhere'), '--seed', '1'])).toContain(join(data, 'nowhere'));
  });

  it('refuses an empty or non-decimal seed (Number("") is 0) and a --per-theme that is not a positive integer', () => {
    for (const seed of ['', '1.5', '0x10']) expect(usageError(['--data', data, '--seed', seed])).toBe(`--seed must be an integer, got "${seed}"`);
    for (const n of ['0', '', '1e2']) expect(usageError(['--data', data, '--seed', '1', '--per-theme', n])).toBe(`--per-theme must be a positive integer, got "${n}"`);
  });
});
