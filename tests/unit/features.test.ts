// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFeatureRunner, type Feature, type FeatureRunner } from '@/lib/content/features';
import { PAGE_TYPES } from '@/lib/content/pages';

/** A feature that records when it starts and when its signal aborts. */
function recording(id: string, pageTypes: Feature['pageTypes'], log: string[]): Feature {
  return {
    id,
    pageTypes,
    init(signal, page) {
      log.push(`start ${id} ${page.pathname}`);
      signal.addEventListener('abort', () => log.push(`stop ${id}`));
    },
  };
}

let runner: FeatureRunner | undefined;
afterEach(() => runner?.dispose());

describe('feature runner', () => {
  it('starts each feature on the page types it registered for, and cleans up on SPA navigation', async () => {
    let path = '/playlist/abc';
    const log: string[] = [];
    runner = createFeatureRunner({
      features: [recording('lists', ['playlist', 'album'], log), recording('bar', 'every-page', log), recording('queue-only', ['queue'], log)],
      pageTypes: PAGE_TYPES,
      pathname: () => path,
    });
    runner.start();
    expect(log).toEqual(['start lists /playlist/abc', 'start bar /playlist/abc']);
    runner.check();
    expect(log).toHaveLength(2);
    path = '/album/def';
    // Spotify navigates with pushState and renders: the DOM change makes the runner look.
    document.body.append(document.createElement('div'));
    await Promise.resolve();
    expect(log.slice(2)).toEqual(['stop lists', 'start lists /album/def']);
    path = '/queue';
    runner.check();
    expect(log.slice(4)).toEqual(['stop lists', 'start queue-only /queue']);
    path = '/';
    runner.check();
    expect(log.slice(6)).toEqual(['stop queue-only']);
    runner.dispose();
    expect(log.slice(7)).toEqual(['stop bar']);
  });

  it('a feature that throws is logged and does not stop the others', () => {
    const log: string[] = [];
    const warn = vi.fn();
    const broken: Feature = {
      id: 'broken',
      pageTypes: ['playlist'],
      init() {
        throw new Error('markup changed');
      },
    };
    runner = createFeatureRunner({ features: [broken, recording('fine', ['playlist'], log)], pageTypes: PAGE_TYPES, pathname: () => '/playlist/x', log: { warn } });
    runner.start();
    expect(log).toEqual(['start fine /playlist/x']);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('feature broken failed'), expect.any(Error));
  });
});
