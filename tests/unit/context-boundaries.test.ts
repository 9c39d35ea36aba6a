import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/fixtures';

/**
 * The lint rule that keeps lib/ organised by context (eslint.config.js): content code may not
 * import background code and the reverse; both share through lib/shared. Each case lints a line
 * as if it were in a file of that context, so the rule itself is what is tested.
 */
const eslint = new ESLint({ cwd: REPO_ROOT });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath: `${REPO_ROOT}/${filePath}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('context boundaries (lint)', () => {
  it.each([
    ['lib/content/x.ts', "import { createThemeService } from '@/lib/background/theme-service';"],
    ['lib/content/x.ts', "import type { FeatureCache } from '../background/cache';"],
    ['entrypoints/spotify.content/index.ts', "import { loadBundledClassifier } from '@/lib/background/bundled-model';"],
    ['lib/content/x.ts', "import { z } from 'zod';"],
    ['lib/content/x.ts', "import { createRoot } from 'react-dom/client';"],
    ['lib/content/x.ts', "import * as tf from '@tensorflow/tfjs-core';"],
    ['lib/background/x.ts', "import { createResultsStore } from '@/lib/content/results-store';"],
    ['entrypoints/background.ts', "import { scanTrackRows } from '../lib/content/spotify-dom';"],
    ['lib/shared/x.ts', "import { createFeatureCache } from '@/lib/background/cache';"],
    ['lib/shared/x.ts', "import { BADGE_HOST_TAG } from '../content/badge-element';"],
    ['components/X.tsx', "import { createFeatureCache } from '@/lib/background/cache';"],
  ])('%s may not: %s', async (file, code) => {
    expect(await restricted(file, code)).toHaveLength(1);
  });

  it.each([
    ['lib/content/x.ts', "import { sendClassify } from '@/lib/shared/messaging';"],
    ['lib/content/x.ts', "import * as z from 'zod/mini';"],
    ['lib/background/x.ts', "import { TrackIdSchema } from '@/lib/shared/track-id';"],
    ['lib/background/x.ts', "import { z } from 'zod';"],
    ['lib/shared/x.ts', "import { ThemeIdSchema } from '@/model/themes';"],
  ])('%s may: %s', async (file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });
});
