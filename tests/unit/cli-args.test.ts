import { describe, expect, it } from 'vitest';
import { CliUsageError, integerOption, parseCliArgs } from '@/training/cli-args';
import { thrownMessage } from './support/fixtures';

const OPTIONS = { data: { type: 'string' }, seed: { type: 'string', default: '42' }, 'no-report': { type: 'boolean', default: false } } as const;

/** The CliUsageError message `parseCliArgs` throws for `args`; fails the test when it throws something else or nothing. */
function usageError(args: string[]): string {
  return thrownMessage(() => parseCliArgs(args, OPTIONS, '--data'), CliUsageError);
}

describe('parseCliArgs', () => {
  it('gives the option values with their defaults, in either --name value or --name=value form', () => {
    expect(parseCliArgs(['--data', 'd', '--no-report'], OPTIONS, '--data')).toEqual({ data: 'd', seed: '42', 'no-report': true });
    expect(parseCliArgs(['--data=../shared/data', '--seed=7'], OPTIONS, '--data')).toEqual({ data: '../shared/data', seed: '7', 'no-report': false });
    expect(parseCliArgs([], OPTIONS, '--data')).toEqual({ seed: '42', 'no-report': false });
  });

  it('names a bare argument with the option it belongs to', () => {
    expect(usageError(['../shared/data'])).toBe("Unexpected argument '../shared/data': give it with --data (--data ../shared/data)");
    expect(usageError(['--seed', '7', 'extra'])).toBe("Unexpected argument 'extra': give it with --data (--data extra)");
  });

  it('names an unknown option in one sentence, and keeps Node\'s message for an option without its value', () => {
    expect(usageError(['--dat', 'x'])).toBe("Unknown option '--dat'");
    expect(usageError(['-d'])).toBe("Unknown option '-d'");
    expect(usageError(['--data'])).toBe("Option '--data <value>' argument missing");
  });
});

describe('integerOption', () => {
  it('reads signed decimal integers, and undefined for an option not given', () => {
    expect(integerOption('seed', '7')).toBe(7);
    expect(integerOption('seed', '-3')).toBe(-3);
    expect(integerOption('seed', '+5')).toBe(5);
    expect(integerOption('seed', '0')).toBe(0);
    expect(integerOption('seed', '007')).toBe(7);
    expect(integerOption('seed', String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(integerOption('seed', undefined)).toBeUndefined();
    expect(integerOption('workers', '2', { positive: true })).toBe(2);
  });

  it('refuses what Number() would turn into an integer that was not written: blanks, hex, exponents, unsafe integers', () => {
    for (const raw of ['', ' ', 'x', '1.5', '1.0', ' 7', '0x10', '1e3', '9007199254740993', '--1']) {
      expect(thrownMessage(() => integerOption('seed', raw), CliUsageError), JSON.stringify(raw)).toBe(`--seed must be an integer, got "${raw}"`);
    }
  });

  it('refuses zero and negative values when the option must be positive', () => {
    for (const raw of ['0', '-1', '-0']) {
      expect(thrownMessage(() => integerOption('epochs', raw, { positive: true }), CliUsageError)).toBe(`--epochs must be a positive integer, got "${raw}"`);
    }
  });
});
