import { createBadgeManager } from '@/lib/badge-manager';
import { sendClassify } from '@/lib/messaging';
import { defineSettingsItem, parseSettings, readSettings, type Settings } from '@/lib/settings';
import { createShadowBadge } from './badge-view';

/**
 * Theme badges on open.spotify.com: watches the page for track rows (initial render, scrolling,
 * SPA navigation) and keeps one badge per row. All work beyond the DOM happens in the background;
 * the content script sees settings (themes, colours) but never a token.
 */
export default defineContentScript({
  matches: ['https://open.spotify.com/*'],
  runAt: 'document_idle',
  async main(ctx) {
    const settingsItem = defineSettingsItem();
    let settings: Settings = await readSettings(settingsItem);
    const manager = createBadgeManager({
      root: document.body,
      classify: sendClassify,
      createBadge: (row) => createShadowBadge(row, () => settings.themeColors),
    });
    let scheduled: ReturnType<typeof setTimeout> | undefined;
    const observer = new MutationObserver(() => {
      scheduled ??= setTimeout(() => {
        scheduled = undefined;
        manager.scan();
      }, 50);
    });
    observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['href'] });
    manager.scan();

    // Settings apply to the open page without a reload: theme choice and threshold are applied
    // by the background (ask again), colours here (render again).
    const unwatch = settingsItem.watch((value) => {
      const next = parseSettings(value).settings;
      const themesChanged = JSON.stringify([next.enabledThemes, next.uncertainThreshold]) !== JSON.stringify([settings.enabledThemes, settings.uncertainThreshold]);
      settings = next;
      if (themesChanged) manager.refresh();
      else manager.rerender();
    });

    ctx.onInvalidated(() => {
      unwatch();
      observer.disconnect();
      if (scheduled !== undefined) clearTimeout(scheduled);
      manager.dispose();
    });
  },
});
