import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/fixtures';

const ENTRYPOINTS = ['entrypoints/background.ts', 'entrypoints/popup/main.tsx', 'entrypoints/options/main.tsx', 'entrypoints/spotify.content/index.ts'];

describe('zod runs jitless in every context (no new Function probe under the extension CSP)', () => {
  it.each(ENTRYPOINTS)('%s imports the zod configuration before anything else', (file) => {
    const firstImport = readFileSync(resolve(REPO_ROOT, file), 'utf8')
      .split('\n')
      .find((line) => line.startsWith('import '));
    expect(firstImport).toBe("import '@/lib/shared/zod-config';");
  });

  it('builds and parses object schemas without constructing a Function once configured', async () => {
    const realFunction = globalThis.Function;
    let constructed = 0;
    await import('@/lib/shared/zod-config');
    const { z } = await import('zod');
    globalThis.Function = new Proxy(realFunction, {
      construct(target, args) {
        constructed++;
        return Reflect.construct(target, args);
      },
    });
    try {
      const schema = z.object({ trackId: z.string(), probability: z.number() });
      expect(schema.parse({ trackId: 'a', probability: 0.5 })).toEqual({ trackId: 'a', probability: 0.5 });
      expect(z.config().jitless).toBe(true);
    } finally {
      globalThis.Function = realFunction;
    }
    expect(constructed).toBe(0);
  });
});
