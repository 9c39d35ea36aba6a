import type { ListReport } from '@/lib/shared/messaging';

/**
 * The lists the Spotify tabs show (issue 12), as their content scripts report them, kept in
 * memory per tab for the toolbar popup, which asks for its window's active tab by ID (so the
 * extension needs no `tabs` permission). A tab only ever reports for itself (the router gives
 * the sender's tab); a closed tab's report is dropped.
 */
export interface TabLists {
  /** Keeps `report` for `tabId`; an empty `items` forgets the tab's report. */
  set(tabId: number, report: ListReport): void;
  get(tabId: number): ListReport | null;
  forget(tabId: number): void;
}

/** Most tabs whose reports are kept (the least recently reported are dropped first). */
export const MAX_REPORTING_TABS = 20;

/** Creates the in-memory {@link TabLists}. */
export function createTabLists(): TabLists {
  const reports = new Map<number, ListReport>();
  return {
    set(tabId, report) {
      reports.delete(tabId);
      if (report.items.length === 0) return;
      reports.set(tabId, report);
      for (const old of [...reports.keys()].slice(0, Math.max(0, reports.size - MAX_REPORTING_TABS))) reports.delete(old);
    },
    get: (tabId) => reports.get(tabId) ?? null,
    forget: (tabId) => void reports.delete(tabId),
  };
}
