import { describe, expect, it } from 'vitest';
import { keepPromise } from '@/lib/background/kept-promise';

describe('keepPromise', () => {
  it('loads once and hands out the same promise until forgotten', async () => {
    let loads = 0;
    const kept = keepPromise(async () => ++loads);
    const first = kept.get();
    expect(kept.get()).toBe(first);
    expect(await first).toBe(1);
    expect(await kept.get()).toBe(1);
    kept.forget();
    expect(await kept.get()).toBe(2);
    expect(loads).toBe(2);
  });

  it('forgets a rejected promise, so the next get loads again', async () => {
    let loads = 0;
    const kept = keepPromise(async () => {
      loads++;
      if (loads === 1) throw new Error('model.json: HTTP 404');
      return 'model';
    });
    await expect(kept.get()).rejects.toThrow('HTTP 404');
    expect(await kept.get()).toBe('model');
    expect(loads).toBe(2);
  });

  it('a rejection of a promise already forgotten does not drop the one loaded since', async () => {
    const pending: ((value: string) => void)[] = [];
    const failures: ((error: Error) => void)[] = [];
    const kept = keepPromise(() => new Promise<string>((resolve, reject) => {
      pending.push(resolve);
      failures.push(reject);
    }));
    const old = kept.get();
    kept.forget();
    const fresh = kept.get();
    failures[0]?.(new Error('stale'));
    await expect(old).rejects.toThrow('stale');
    expect(kept.get()).toBe(fresh);
    pending[1]?.('new');
    expect(await fresh).toBe('new');
  });
});
