import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from './support/fixtures';

/**
 * What the stores check of the built packages (issue 13): icons of 16, 32, 48 and 128 px in both
 * manifests and on the toolbar button, each a PNG of its size.
 */

const BUILDS = { chrome: resolve('.output/chrome-mv3'), firefox: resolve('.output/firefox-mv2') } as const;

/** Width and height of a PNG, from its IHDR chunk (PNG specification §11.2.2). */
function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8).toString('hex'), `${file} is a PNG`).toBe('89504e470d0a1a0a');
  expect(bytes.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

for (const [browser, dir] of Object.entries(BUILDS)) {
  test(`${browser} build: icons of 16, 32, 48 and 128 px in the manifest and on the toolbar button`, () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { icons?: Record<string, string>; action?: { default_icon?: Record<string, string> }; browser_action?: { default_icon?: Record<string, string> } };
    expect(Object.keys(manifest.icons ?? {}).sort()).toEqual(['128', '16', '32', '48']);
    for (const [size, path] of Object.entries(manifest.icons ?? {})) expect(pngSize(join(dir, path)), `${browser} icon ${size}`).toEqual({ width: Number(size), height: Number(size) });
    const toolbar = (manifest.action ?? manifest.browser_action)?.default_icon ?? {};
    expect(Object.keys(toolbar).sort()).toEqual(['16', '32']);
    for (const [size, path] of Object.entries(toolbar)) expect(pngSize(join(dir, path)).width).toBe(Number(size));
  });
}
