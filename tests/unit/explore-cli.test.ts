import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseExploreArgs } from '@/training/explore-cli';

describe('parseExploreArgs (the npm run explore:* commands)', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    [['--bogus'], /npm run explore:x: .*bogus/],
    [[], /npm run explore:x: --data is required/],
    [['--data', '/nowhere/at/all'], /npm run explore:x: .*nowhere/],
  ])('refuses %j with the reason and the usage line', (args, reason) => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    expect(parseExploreArgs('explore:x', 'Usage: npm run explore:x -- --data <dir>', args)).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(reason);
    expect(errors[0]).toContain('\nUsage: npm run explore:x -- --data <dir>');
  });
});
