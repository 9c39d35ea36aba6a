import { describe, expect, it } from 'vitest';
import { CliUsageError, parseCliArgs } from '@/training/cli-args';
import { thrown } from './support/fixtures';

const OPTIONS = { data: { type: 'string' }, seed: { type: 'string', default: '42' }, 'no-report': { type: 'boolean', default: false } } as const;

/** The CliUsageError message `parseCliArgs` throws for `args`; fails the test when it throws something else or nothing. */
function usageError(args: string[]): string {
  const error = thrown(() => parseCliArgs(args, OPTIONS, '--data'));
  if (!(error instanceof CliUsageError)) throw error;
  return error.message;
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
