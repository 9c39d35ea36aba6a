import { createBadgeManager } from '@/lib/badge-manager';
import { sendClassify } from '@/lib/messaging';
import { createShadowBadge } from './badge-view';

/**
 * Theme badges on open.spotify.com: watches the page for track rows (initial render, scrolling,
 * SPA navigation) and keeps one badge per row. All work beyond the DOM happens in the background.
 */
export default defineContentScript({
  matches: ['https://open.spotify.com/*'],
  runAt: 'document_idle',
  main(ctx) {
    const manager = createBadgeManager({ root: document.body, classify: sendClassify, createBadge: createShadowBadge });
    let scheduled: ReturnType<typeof setTimeout> | undefined;
    const observer = new MutationObserver(() => {
      scheduled ??= setTimeout(() => {
        scheduled = undefined;
        manager.scan();
      }, 50);
    });
    observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['href'] });
    manager.scan();
    ctx.onInvalidated(() => {
      observer.disconnect();
      if (scheduled !== undefined) clearTimeout(scheduled);
      manager.dispose();
    });
  },
});
