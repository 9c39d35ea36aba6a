import type { ApiList, PanelNotice, PrepareSaveRequest } from '@/lib/shared/messaging';
import type { ThemeId } from '@/model/themes';
import type { ListTracker } from './list-tracker';
import type { PageType } from './page-type';
import type { ResultsStore } from './results-store';

/**
 * The occasion panel's code is not part of the content script that every Spotify page loads
 * (issue 11: the page layer's 120 kB budget): it is the extension file {@link PANEL_SCRIPT}
 * (`entrypoints/occasion-panel.ts`), imported with a dynamic `import()` the first time a panel is
 * opened. Chromium and Firefox evaluate a module imported by a content script in the content
 * script's isolated world, with its `browser` API, out of the page's reach (the file is listed in
 * `web_accessible_resources` for https://open.spotify.com only, which `import()` needs). The
 * module registers itself on that world's global object under {@link PANEL_REGISTRY_KEY}; the
 * page's scripts have another global object and never see it.
 */

/** Path of the panel's script inside the extension. */
export const PANEL_SCRIPT = '/occasion-panel.js';

/** Where the panel's module registers itself on the isolated world's global object. */
export const PANEL_REGISTRY_KEY = Symbol.for('playlist-predictor.occasion-panel');

/** What the content script hands to the panel. */
export interface PanelDeps {
  readonly doc: Document;
  readonly store: ResultsStore;
  readonly tracker: ListTracker;
  readonly pageType: PageType;
  /** The user's badge colours. */
  readonly colors: () => Readonly<Partial<Record<ThemeId, string>>>;
  /** Calls `listener` whenever the colours or the theme settings change, until `signal` aborts. */
  readonly onSettingsChange: (listener: () => void, signal: AbortSignal) => void;
  /** The user's enabled themes, or `null` for the model's defaults. */
  readonly enabledThemes: () => readonly ThemeId[] | null;
  /** The element that scrolls the list, when found. */
  readonly scroller: () => HTMLElement | undefined;
  /** The list's name as the page shows it, at most 200 characters (`listName` of spotify-dom.ts; for the export's file name and the messages). */
  readonly listName: () => string;
  /**
   * Hands the selection to the background, which opens the save confirmation window (issue 12;
   * nothing reaches the user's account before they confirm there). Rejects with a readable message.
   */
  readonly prepareSave: (request: PrepareSaveRequest) => Promise<void>;
  /**
   * Asks the background to read the whole list through the Web API (issue 12); it opens a
   * confirmation window, and the outcome arrives through {@link onNotice}. Rejects with a
   * readable message.
   */
  readonly prepareRead: (request: { list: ApiList; listName: string }) => Promise<void>;
  /** Calls `listener` with every valid notice the background sends this tab, until `signal` aborts. */
  readonly onNotice: (listener: (notice: PanelNotice) => void, signal: AbortSignal) => void;
  /** Unmounts the panel: everything it added to the page (dimmed rows, watches) is undone. */
  readonly signal: AbortSignal;
}

/** The panel's module. */
export interface PanelModule {
  /** Draws the panel into `body` (an element in the panel's shadow root) and keeps it up to date until `deps.signal` aborts. */
  mount(body: HTMLElement, deps: PanelDeps): void;
}

/** Whether `value` has the {@link PanelModule} shape (the registry is untyped). */
function isPanelModule(value: unknown): value is PanelModule {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'mount') === 'function';
}

/** Called by the panel's script when it is evaluated. */
export function registerPanel(module: PanelModule): void {
  Reflect.set(globalThis, PANEL_REGISTRY_KEY, module);
}

let loading: Promise<PanelModule> | undefined;

/**
 * Loads the panel's module once per content script (later calls share the first load; a failed
 * load is tried again next time).
 * @param url maps the extension path to its URL (`browser.runtime.getURL`).
 * @param importModule the dynamic import (tests pass their own).
 * @throws Error when the script cannot be loaded or does not register a panel.
 */
export function loadPanel(url: (path: typeof PANEL_SCRIPT) => string, importModule: (url: string) => Promise<unknown> = (u) => import(/* @vite-ignore */ u)): Promise<PanelModule> {
  loading ??= (async () => {
    const existing: unknown = Reflect.get(globalThis, PANEL_REGISTRY_KEY);
    if (!isPanelModule(existing)) await importModule(url(PANEL_SCRIPT));
    const module: unknown = Reflect.get(globalThis, PANEL_REGISTRY_KEY);
    if (!isPanelModule(module)) throw new Error(`${PANEL_SCRIPT} loaded but registered no panel`);
    return module;
  })().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
