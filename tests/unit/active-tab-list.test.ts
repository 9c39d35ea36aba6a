import { describe, expect, it, vi } from 'vitest';
import { readActiveTabList, type ActiveTabListDeps } from '@/lib/shared/active-tab-list';
import type { ListReport } from '@/lib/shared/messaging';
import { trackId } from './support/fixtures';

const report: ListReport = { listName: 'Mix', items: [{ trackId: trackId(1), name: 'One', artists: ['A'], position: 0, state: { status: 'loading' } }] };

/** A background that has `stored` for tab 7 (the active tab) until the tab reports again; `tabAnswers` is the tab's side. */
function fakes(stored: ListReport | null, tabAnswers: (background: { report: ListReport | null }) => Promise<unknown>) {
  const background = { report: stored };
  const deps: ActiveTabListDeps = {
    activeTabId: async () => 7,
    tabList: vi.fn(async (tabId: number) => (tabId === 7 ? background.report : null)),
    sendToTab: vi.fn(async () => tabAnswers(background)),
  };
  return deps;
}

describe('the active tab\'s list for the popup', () => {
  it('takes the background\'s report when it has one, without asking the tab', async () => {
    const deps = fakes(report, async () => ({ reported: true }));
    expect(await readActiveTabList(deps)).toEqual(report);
    expect(deps.sendToTab).not.toHaveBeenCalled();
  });

  it('when the background has none (it was stopped), asks the tab to report again, then the background', async () => {
    const deps = fakes(null, async (background) => {
      background.report = report;
      return { reported: true };
    });
    expect(await readActiveTabList(deps)).toEqual(report);
    expect(deps.sendToTab).toHaveBeenCalledWith(7, { type: 'playlist-predictor:report-list' });
    expect(deps.tabList).toHaveBeenCalledTimes(2);
  });

  it('null when the tab has nothing to report, nothing listens there (not a list page), or it answers something else', async () => {
    for (const answer of [async () => ({ reported: false }), () => Promise.reject(new Error('Could not establish connection. Receiving end does not exist.')), async () => undefined, async () => ({ reported: 'yes' })]) {
      const deps = fakes(null, answer);
      expect(await readActiveTabList(deps)).toBeNull();
      expect(deps.tabList).toHaveBeenCalledTimes(1);
    }
  });

  it('null without an active tab; a background that cannot be reached rejects', async () => {
    expect(await readActiveTabList({ ...fakes(report, async () => ({})), activeTabId: async () => undefined })).toBeNull();
    await expect(readActiveTabList({ ...fakes(report, async () => ({})), tabList: () => Promise.reject(new Error('no background')) })).rejects.toThrow('no background');
  });
});
