import { createFeatureCache } from '@/lib/cache';
import { loadBundledClassifier, modelThemeInfo } from '@/lib/bundled-model';
import { onMessage } from '@/lib/messaging';
import { createReccoBeatsProvider } from '@/lib/providers/reccobeats';
import { defineSettingsItem, effectiveThemeSettings, readSettings } from '@/lib/settings';
import { createThemeService } from '@/lib/theme-service';
import type { Classifier } from '@/model/classifier';

export default defineBackground({
  type: 'module',
  main() {
    let classifier: Promise<Classifier> | undefined;
    const loadClassifier = (): Promise<Classifier> => {
      classifier ??= loadBundledClassifier((path) => browser.runtime.getURL(path));
      // A failed load is retried on the next request rather than cached forever.
      classifier.catch(() => (classifier = undefined));
      return classifier;
    };
    const settingsItem = defineSettingsItem();
    const themeSettings = async () => effectiveThemeSettings(await readSettings(settingsItem), modelThemeInfo((await loadClassifier()).metadata));

    const service = createThemeService({
      classifier: loadClassifier,
      cache: createFeatureCache(),
      provider: createReccoBeatsProvider(),
      enabledThemes: async () => (await themeSettings()).enabled,
      uncertainThreshold: async () => (await themeSettings()).uncertainThreshold,
    });
    onMessage('classify', (request) => service.classify(request.trackIds));
  },
});
