import '@/lib/shared/zod-config';
import type { BadgeFeatureDeps } from '@/lib/content/badge-slots';
import { createFeatureRunner } from '@/lib/content/features';
import { ignoreForgedScriptStarted, scriptStartedEventName } from '@/lib/content/forged-events';
import { createListWarmStart } from '@/lib/content/features/list-warm-start';
import { createNowPlayingBadge } from '@/lib/content/features/now-playing-badge';
import { createOccasionPanel } from '@/lib/content/features/occasion-panel';
import { createTrackListBadges } from '@/lib/content/features/track-list-badges';
import { loadPanel } from '@/lib/content/panel-loader';
import { PAGE_TYPES } from '@/lib/content/pages';
import { createResultsStore } from '@/lib/content/results-store';
import { PanelNoticeSchema, ReportListRequestSchema, sendClassify, sendMessage, type ReportListAnswer } from '@/lib/shared/messaging';
import { panelOpenState } from '@/lib/shared/panel-state';
import { defineSettingsItem, parseSettings, readSettings, type Settings } from '@/lib/shared/settings';
import { ContentScriptContext } from 'wxt/utils/content-script-context';

/**
 * Theme badges on open.spotify.com. Wires the page layer together: one results store for the tab
 * (which asks the background), the page features (track-list badges on the page types that list
 * tracks, the now-playing badge on every page, the occasion panel's bar on playlists, albums and
 * Liked Songs, whose panel loads on demand; before them the warm start of a list seen before)
 * and the settings. All work beyond the DOM happens in the background; the content script sees
 * settings (themes, colours) but never a token.
 */
export default defineContentScript({
  matches: ['https://open.spotify.com/*'],
  runAt: 'document_idle',
  async main(ctx) {
    // Before any await, so no page script runs in between: a page can forge WXT's "a newer
    // instance started" event, which would otherwise stop this one.
    const startedEvent = scriptStartedEventName(ContentScriptContext);
    if (startedEvent) ignoreForgedScriptStarted(startedEvent, () => browser.runtime?.id === undefined);
    else console.warn('Playlist Predictor: WXT no longer names its content-script-started event; forged events are not filtered');
    const settingsItem = defineSettingsItem();
    let settings: Settings = await readSettings(settingsItem);
    const store = createResultsStore({ classify: sendClassify });
    const colorsChanged = new EventTarget();
    const deps: BadgeFeatureDeps = {
      store,
      colors: () => settings.themeColors,
      onColorsChange: (listener, signal) => colorsChanged.addEventListener('change', listener, { signal }),
    };
    const panel = createOccasionPanel({
      store,
      colors: deps.colors,
      onSettingsChange: deps.onColorsChange,
      enabledThemes: () => settings.enabledThemes,
      openState: panelOpenState(),
      loadPanel: () => loadPanel((path) => browser.runtime.getURL(path)),
      prepareSave: async (request) => void (await sendMessage('prepareSave', request)),
      prepareRead: async (request) => void (await sendMessage('prepareRead', request)),
      reportList: async (report) => void (await sendMessage('reportList', report)),
      // Only the background (this extension, no tab) sends notices; each is validated.
      onNotice: (listener, signal) =>
        listenToExtension((message) => {
          const notice = PanelNoticeSchema.safeParse(message);
          if (notice.success) listener(notice.data);
          return undefined;
        }, signal),
      // The popup (this extension, no tab) asks for the list again; the answer goes through
      // sendResponse, which both Chromium and Firefox support for an asynchronous answer.
      onReportRequest: (listener, signal) =>
        listenToExtension((message, sendResponse: (answer: ReportListAnswer) => void) => {
          if (!ReportListRequestSchema.safeParse(message).success) return undefined;
          listener().then(
            (reported) => sendResponse({ reported }),
            () => sendResponse({ reported: false }),
          );
          return true;
        }, signal),
    });
    // The warm start goes first, so its request leaves before the first rows' own.
    const warmStart = createListWarmStart({ store, warmList: (list, from) => sendMessage('warmList', { list, from }) });
    const runner = createFeatureRunner({ features: [warmStart, createTrackListBadges(deps), createNowPlayingBadge(deps), panel], pageTypes: PAGE_TYPES });
    runner.start();
    ctx.addEventListener(window, 'wxt:locationchange', () => runner.check());
    // Back online (e.g. the network dropped): the `!` badges ask again at once, not after 30 s.
    // Only the browser's own event: a page script's forged one would make the extension ask again.
    ctx.addEventListener(window, 'online', (event) => {
      if (event.isTrusted) store.retryErrors();
    });

    // Settings apply to the open page without a reload: the theme choice and threshold are
    // applied by the background (ask again), colours here (draw again).
    const unwatch = settingsItem.watch((value) => {
      const next = parseSettings(value).settings;
      const themesChanged = JSON.stringify([next.enabledThemes, next.uncertainThreshold]) !== JSON.stringify([settings.enabledThemes, settings.uncertainThreshold]);
      settings = next;
      if (themesChanged) store.refresh();
      colorsChanged.dispatchEvent(new Event('change'));
    });

    ctx.onInvalidated(() => {
      unwatch();
      runner.dispose();
      store.dispose();
    });
  },
});

/**
 * Listens to `runtime.onMessage` until `signal` aborts, passing on only messages from this
 * extension's own background or pages (`sender.id` is ours and no tab sent it: never a content
 * script, page or other extension). `handle` returns `true` when it will answer through
 * `sendResponse` later (the WebExtensions `runtime.onMessage` contract), else `undefined`.
 */
function listenToExtension<Answer>(handle: (message: unknown, sendResponse: (answer: Answer) => void) => true | undefined, signal: AbortSignal): void {
  const onMessage = (message: unknown, sender: { id?: string; tab?: unknown }, sendResponse: (answer: Answer) => void): true | undefined =>
    sender.id !== browser.runtime.id || sender.tab !== undefined ? undefined : handle(message, sendResponse);
  browser.runtime.onMessage.addListener(onMessage);
  signal.addEventListener('abort', () => browser.runtime.onMessage.removeListener(onMessage));
}
