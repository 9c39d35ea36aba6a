import { ReportListAnswerSchema, type ListReport, type ReportListRequest } from './messaging';

/** What {@link readActiveTabList} needs: the browser's calls, passed in so tests can swap them. */
export interface ActiveTabListDeps {
  /** The ID of this window's active tab (`tabs.query({ active: true, currentWindow: true })`), or `undefined`. */
  readonly activeTabId: () => Promise<number | undefined>;
  /** The background's report of a tab's list (`tabList`), or `null` when it has none. */
  readonly tabList: (tabId: number) => Promise<ListReport | null>;
  /** Sends a message to the tab's content script (`tabs.sendMessage`): resolves with its answer, rejects when nothing listens there. */
  readonly sendToTab: (tabId: number, message: ReportListRequest) => Promise<unknown>;
}

/**
 * The list the active tab of this window shows (issue 12), for the toolbar popup, or `null`
 * (not a Spotify list page, or nothing seen on it yet). Asks the background first; when it has no
 * report of the tab (it keeps reports in memory, and Chrome stops an idle service worker after
 * 30 s: developer.chrome.com/docs/extensions/develop/concepts/service-workers/lifecycle), asks
 * the tab's content script to report again (`playlist-predictor:report-list`; its answer is
 * validated) and then the background once more. The tab's ID comes from `tabs.query`, which
 * gives IDs without the `tabs` permission. Rejects only when the background cannot be reached.
 */
export async function readActiveTabList(deps: ActiveTabListDeps): Promise<ListReport | null> {
  const tabId = await deps.activeTabId();
  if (tabId === undefined) return null;
  const report = await deps.tabList(tabId);
  if (report) return report;
  const answer = ReportListAnswerSchema.safeParse(await deps.sendToTab(tabId, { type: 'playlist-predictor:report-list' }).catch(() => undefined));
  if (!answer.success || !answer.data.reported) return null;
  return deps.tabList(tabId);
}
