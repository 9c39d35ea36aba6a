import { describe, expect, it } from 'vitest';
import config, { CHROME_PUBLIC_KEY, devBrowserConfig, GECKO_ID } from '../../wxt.config';

/** The manifest wxt.config.ts gives for a browser and build mode. */
async function manifestFor(browser: string, mode: string): Promise<Record<string, unknown>> {
  const manifest = config.manifest;
  if (typeof manifest !== 'function') throw new Error('wxt.config.ts: manifest is expected to be a function of the build');
  return (await manifest({ browser, mode, manifestVersion: browser === 'firefox' ? 2 : 3, command: 'build' } as never)) as Record<string, unknown>;
}

describe('the manifest per build (issue 13)', () => {
  it('pins the development ID with `key` in Chrome builds, and leaves it out of the store upload (the store assigns the ID)', async () => {
    expect((await manifestFor('chrome', 'production')).key).toBe(CHROME_PUBLIC_KEY);
    expect((await manifestFor('chrome', 'e2e')).key).toBe(CHROME_PUBLIC_KEY);
    expect(await manifestFor('chrome', 'store')).not.toHaveProperty('key');
  });

  it('gives Firefox its fixed add-on ID and no `key`; only the e2e build may reach 127.0.0.1', async () => {
    const firefox = await manifestFor('firefox', 'production');
    expect(firefox).not.toHaveProperty('key');
    expect(firefox.browser_specific_settings).toMatchObject({ gecko: { id: GECKO_ID } });
    expect(JSON.stringify(await manifestFor('chrome', 'production'))).not.toContain('127.0.0.1');
    expect(JSON.stringify(await manifestFor('chrome', 'e2e'))).toContain('127.0.0.1');
  });
});

describe('the browser npm run dev opens (issue 13: dev works as written on a fresh machine)', () => {
  it('opens none on Linux without a display, where it could only fail; opens one with X11 or Wayland, and on macOS and Windows', () => {
    expect(devBrowserConfig({}, 'linux', 1000).disabled).toBe(true);
    expect(devBrowserConfig({ DISPLAY: ':99' }, 'linux', 1000).disabled).toBe(false);
    expect(devBrowserConfig({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux', 1000).disabled).toBe(false);
    expect(devBrowserConfig({}, 'darwin', 501).disabled).toBe(false);
    expect(devBrowserConfig({}, 'win32', undefined).disabled).toBe(false);
  });

  it('starts Chromium without its sandbox only as root, which Chromium refuses otherwise', () => {
    expect(devBrowserConfig({ DISPLAY: ':0' }, 'linux', 0).chromiumArgs).toEqual(['--no-sandbox']);
    expect(devBrowserConfig({ DISPLAY: ':0' }, 'linux', 1000).chromiumArgs).toEqual([]);
    expect(config.webExt).toEqual(devBrowserConfig());
  });
});
