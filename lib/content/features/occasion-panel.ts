import type { ThemeId } from '@/model/themes';
import { MAX_SAVE_TRACKS, type ListReport } from '@/lib/shared/messaging';
import { startListReporter } from '../list-reporter';
import type { PanelOpenState } from '@/lib/shared/panel-state';
import type { Feature } from '../features';
import { createListTracker } from '../list-tracker';
import type { PanelDeps, PanelModule } from '../panel-loader';
import type { ResultsStore } from '../results-store';
import { apiListOf } from '../page-type';
import { listName, listScroller } from '../spotify-dom';
import { errorMessage } from '@/lib/shared/error-message';
import { createShadowHost } from '../shadow-host';

/**
 * The occasion panel's bar above the track list of playlists, albums and Liked Songs (issue 11).
 * This part loads on every such page and stays small: a collapsible bar, and the
 * {@link createListTracker list tracker} that notes every row drawn. The panel itself (profile,
 * filter, sort view, copy, export, whole-list analysis) is loaded the first time the bar is
 * opened (`panel-loader.ts`). Open or closed is remembered across pages and browser restarts.
 *
 * Public markup: `<playlist-predictor-panel>` (open shadow root) right before the list's grid,
 * with `section.panel` > `button.toggle[aria-expanded]` and `div.body` (the panel's content).
 */

/** Tag of the bar's host element. */
export const PANEL_HOST_TAG = 'playlist-predictor-panel';

/** What the feature needs. */
export interface OccasionPanelDeps {
  readonly store: ResultsStore;
  readonly colors: () => Readonly<Partial<Record<ThemeId, string>>>;
  readonly onSettingsChange: (listener: () => void, signal: AbortSignal) => void;
  readonly enabledThemes: () => readonly ThemeId[] | null;
  readonly openState: PanelOpenState;
  /** Loads the panel's module (`loadPanel`). */
  readonly loadPanel: () => Promise<PanelModule>;
  /** See {@link PanelDeps.prepareSave}. */
  readonly prepareSave: PanelDeps['prepareSave'];
  /** See {@link PanelDeps.prepareRead}. */
  readonly prepareRead: PanelDeps['prepareRead'];
  /** See {@link PanelDeps.onNotice}. */
  readonly onNotice: PanelDeps['onNotice'];
  /** Sends the tab's list to the background, for the toolbar popup (`reportList`; issue 12). */
  readonly reportList: (report: ListReport) => Promise<void>;
  /**
   * Calls `listener` each time the popup asks the tab for its list again (its background had
   * none: `playlist-predictor:report-list`), until `signal` aborts; the listener resolves whether
   * the list was sent.
   */
  readonly onReportRequest: (listener: () => Promise<boolean>, signal: AbortSignal) => void;
  readonly document?: Document;
  readonly log?: Pick<Console, 'warn'>;
}

/** Styles of the bar; Spotify's dark surfaces and greys (text #fff, secondary #b3b3b3 at 9.4:1). */
const BAR_CSS = `
:host { all: initial; display: block; margin: 0 0 16px; color: #fff; font: 400 14px/20px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.panel { border-radius: 8px; background: rgb(255 255 255 / 7%); padding: 4px 8px; }
.bar { display: flex; align-items: center; gap: 12px; min-height: 36px; }
.toggle { all: unset; cursor: pointer; display: inline-flex; align-items: center; gap: 8px; padding: 4px 8px; border-radius: 4px; font-weight: 700; color: #fff; }
.toggle:hover { background: rgb(255 255 255 / 10%); }
.toggle:focus-visible { outline: 2px solid #fff; outline-offset: 1px; }
.chevron { display: inline-block; transition: transform 0.15s; }
.toggle[aria-expanded="true"] .chevron { transform: rotate(90deg); }
.hint { color: #b3b3b3; font-size: 13px; }
.body[hidden] { display: none; }
.problem { color: #ffb4ab; padding: 4px 8px 8px; }
@media (prefers-reduced-motion: reduce) { .chevron { transition: none; } }
`;

/** Creates the feature. */
export function createOccasionPanel(deps: OccasionPanelDeps): Feature {
  return {
    id: 'occasion-panel',
    pageTypes: ['playlist', 'album', 'liked-songs'],
    init(signal, { pageType }) {
      if (!pageType?.trackList) return;
      const doc = deps.document ?? document;
      const log = deps.log ?? console;
      const list = (): HTMLElement | undefined => pageType.trackList?.(doc);
      const tracker = createListTracker({ rows: () => pageType.trackRows(doc), list });

      const { host, shadow } = createShadowHost(doc, PANEL_HOST_TAG, BAR_CSS);
      const section = doc.createElement('section');
      section.className = 'panel';
      section.setAttribute('aria-label', 'Occasions (Playlist Predictor)');
      const bar = doc.createElement('div');
      bar.className = 'bar';
      const toggle = doc.createElement('button');
      toggle.type = 'button';
      toggle.className = 'toggle';
      toggle.setAttribute('aria-expanded', 'false');
      const chevron = doc.createElement('span');
      chevron.className = 'chevron';
      chevron.setAttribute('aria-hidden', 'true');
      chevron.textContent = '▸';
      toggle.append(chevron, 'Occasions');
      const hint = doc.createElement('span');
      hint.className = 'hint';
      hint.textContent = 'Profile, filter, sort and export this list by theme';
      bar.append(toggle, hint);
      const body = doc.createElement('div');
      body.className = 'body';
      body.hidden = true;
      section.append(bar, body);
      shadow.append(section);

      let mounted: AbortController | undefined;
      const expand = (open: boolean): void => {
        if (signal.aborted) return;
        toggle.setAttribute('aria-expanded', String(open));
        body.hidden = !open;
        hint.hidden = open;
        if (!open) {
          // Closing ends the panel's effects on the page (dimmed rows, watched tracks).
          mounted?.abort();
          mounted = undefined;
          body.replaceChildren();
          return;
        }
        if (mounted) return;
        const mount = new AbortController();
        mounted = mount;
        const panelSignal = AbortSignal.any([signal, mount.signal]);
        deps.loadPanel().then(
          (panel) => {
            if (panelSignal.aborted) return;
            panel.mount(body, {
              doc,
              store: deps.store,
              tracker,
              pageType,
              colors: deps.colors,
              onSettingsChange: deps.onSettingsChange,
              enabledThemes: deps.enabledThemes,
              scroller: () => {
                const grid = list();
                return grid && listScroller(grid);
              },
              listName: () => listName(doc),
              prepareSave: deps.prepareSave,
              prepareRead: deps.prepareRead,
              onNotice: deps.onNotice,
              signal: panelSignal,
            });
          },
          (error: unknown) => {
            if (panelSignal.aborted) return;
            log.warn('Playlist Predictor: the occasion panel could not load', error);
            const problem = doc.createElement('p');
            problem.className = 'problem';
            problem.setAttribute('role', 'alert');
            problem.textContent = `The occasion panel could not load (${errorMessage(error)}). Reload the page to try again.`;
            body.replaceChildren(problem);
            mounted = undefined;
          },
        );
      };
      toggle.addEventListener('click', () => {
        const open = toggle.getAttribute('aria-expanded') !== 'true';
        expand(open);
        deps.openState.write(open).catch((error: unknown) => log.warn('Playlist Predictor: could not remember the occasion panel state', error));
      });

      /** Keeps the bar right before the list's grid (the list may be drawn, or redrawn, later). */
      const place = (): void => {
        const grid = list();
        if (grid && host.nextElementSibling !== grid) grid.before(host);
      };
      const onChange = (): void => {
        place();
        tracker.update();
      };
      // The list as the popup shows it (issue 12): reported at most every 2 s after it changed,
      // whether or not the panel is open, and again whenever the popup finds the background
      // without it; an empty report when the page goes.
      const reporter = startListReporter(
        {
          tracker,
          store: deps.store,
          send: ({ items, total }) => {
            const apiList = apiListOf(pageType.id, doc.location.pathname);
            return deps.reportList({ listName: listName(doc), ...(apiList ? { list: apiList } : {}), ...(total === undefined ? {} : { total: Math.min(total, MAX_SAVE_TRACKS) }), items });
          },
          onSendError: (error) => log.warn('Playlist Predictor: could not report the list to the popup', error),
        },
        signal,
      );
      deps.onReportRequest(() => reporter.reportNow(), signal);

      const observer = new MutationObserver(onChange);
      observer.observe(doc.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['href', 'aria-rowcount', 'aria-rowindex'] });
      signal.addEventListener('abort', () => {
        observer.disconnect();
        mounted?.abort();
        host.remove();
      });
      onChange();
      deps.openState.read().then(
        (open) => {
          if (open) expand(true);
        },
        (error: unknown) => log.warn('Playlist Predictor: could not read the occasion panel state', error),
      );
    },
  };
}
