import '@/lib/shared/zod-config';
import { registerPanel } from '@/lib/content/panel-loader';
import { mountOccasionPanel } from '@/lib/content/panel/mount';

/**
 * The occasion panel's code (issue 11), loaded on demand by the content script with a dynamic
 * `import()` (see `lib/content/panel-loader.ts`), never on its own: it registers the panel in the
 * content script's isolated world.
 */
export default defineUnlistedScript(() => {
  registerPanel({ mount: mountOccasionPanel });
});
