import { installBenchHook } from '@/lib/bench-hook';
import { createFeatureCache } from '@/lib/cache';
import { loadBundledClassifier } from '@/lib/bundled-model';
import { onClassify } from '@/lib/messaging';
import { createReccoBeatsProvider } from '@/lib/providers/reccobeats';
import { createThemeService } from '@/lib/theme-service';
import type { Classifier } from '@/model/classifier';

export default defineBackground({
  type: 'module',
  main() {
    let classifier: Promise<Classifier> | undefined;
    const service = createThemeService({
      classifier: () => {
        classifier ??= loadBundledClassifier((path) => browser.runtime.getURL(path));
        // A failed load is retried on the next request rather than cached forever.
        classifier.catch(() => (classifier = undefined));
        return classifier;
      },
      cache: createFeatureCache(),
      provider: createReccoBeatsProvider(),
    });
    onClassify((request) => service.classify(request.trackIds));
    if (import.meta.env.MODE === 'e2e') installBenchHook((path) => browser.runtime.getURL(path));
  },
});
