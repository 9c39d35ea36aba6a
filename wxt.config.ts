import { fileURLToPath } from 'node:url';
import { defineConfig, type WebExtConfig } from 'wxt';

/**
 * Public half of the key that pins the Chrome extension ID to `fgoeenodbimpnlcedfdaladkedgdeghi`
 * (the ID is derived from this key: developer.chrome.com/docs/extensions/reference/manifest/key),
 * so the OAuth redirect URI `https://<id>.chromiumapp.org/` that users register in their Spotify
 * app stays the same for every unpacked build. The private half is not needed and not kept.
 */
export const CHROME_PUBLIC_KEY = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApFhwbxxGNSKwGX9vArNtNs1hp0gCSnnNbwSmH2KqTGx0qlzl8O9PJDvmwMbNLQaHMQ+7Fa0lKYzb7V60TMU4KgAfayk/l0LI/KUaSFD2DliMIF6/18em3sIJzP1YCATMu3CCh4J2SMgR+RNCcEK0VR+Cn5Zcgs1ycU/MXh8+RY8msEF7xWoCXAX/OlNjavdEFz2yITcbJlJeHaLaKjJ78Gu9s8EAe34+QSBt5vTyUKRPhLpg+UY2O7sspM37RrQX03qqSRRuq2naVy2GxZDUWbZTkKayNK16uwKzg/gds9FmCaRuMZXbgLWZaMM4nv2dLNHNm6laUWoXbKlud/HoUQIDAQAB';

/** Add-on ID in Firefox, which fixes its redirect URI `https://<sha1>.extensions.allizom.org/`. */
export const GECKO_ID = 'playlist-predictor@playlist-predictor.dev';

/**
 * The browser `npm run dev` opens with the extension (WXT's runner, web-ext-run:
 * https://wxt.dev/guide/essentials/config/browser-startup; a `web-ext.config.ts` of your own
 * overrides it):
 * - none on Linux without a display (`DISPLAY` / `WAYLAND_DISPLAY` unset: a server, a container,
 *   CI), where it could only fail; the dev server still builds and reloads `.output/<target>-dev`,
 *   which you load by hand;
 * - as root, Chromium refuses to start without `--no-sandbox`, so it gets that flag only then.
 *
 * @param env the environment to read (`process.env`); `platform` and `uid` as Node gives them.
 */
export function devBrowserConfig(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, uid: number | undefined = process.getuid?.()): WebExtConfig {
  const display = platform !== 'linux' || Boolean(env.DISPLAY) || Boolean(env.WAYLAND_DISPLAY);
  return { disabled: !display, chromiumArgs: uid === 0 ? ['--no-sandbox'] : [] };
}

/**
 * WXT build configuration (https://wxt.dev/api/config.html).
 *
 * Permissions are the minimum the extension uses: `storage` for the settings, `identity` for the
 * Spotify sign-in window, and host access only to the APIs the background calls (ReccoBeats,
 * Spotify's Web API and its accounts service for tokens; IndexedDB needs no permission). The
 * content script's match pattern (`https://open.spotify.com/*`) is declared in its entrypoint.
 * The `e2e` mode (`npm run build:e2e`, written to `.output/chrome-mv3-e2e`) may also reach the
 * local fake authorization server of the end-to-end tests; production builds cannot.
 */
export default defineConfig({
  modules: ['@wxt-dev/module-react'],
  webExt: devBrowserConfig(),
  vite: () => ({
    // The SDK's Node fallback `require('crypto')` (never used here) maps to the global WebCrypto:
    // see lib/shared/webcrypto-for-sdk.ts.
    resolve: { alias: { crypto: fileURLToPath(new URL('./lib/shared/webcrypto-for-sdk.ts', import.meta.url)) } },
  }),
  manifest: ({ browser, mode }) => ({
    name: 'Playlist Predictor',
    description:
      'Shows which occasion (workout, party, sleep, focus, ...) each Spotify track suits, predicted on your device from its audio features.',
    permissions: ['storage', 'identity'],
    host_permissions: [
      'https://api.reccobeats.com/*',
      'https://api.spotify.com/*',
      'https://accounts.spotify.com/*',
      ...(mode === 'e2e' ? ['http://127.0.0.1/*'] : []),
    ],
    // Icons: public/icon/<size>.png (drawn by `npm run icons`); WXT lists them as the manifest's
    // `icons`; the toolbar button's `default_icon` is declared in entrypoints/popup/index.html.
    action: { default_title: 'Playlist Predictor' },
    // The occasion panel's script, imported on demand by the content script (lib/content/panel-loader.ts).
    web_accessible_resources: browser === 'firefox' ? ['occasion-panel.js'] : [{ resources: ['occasion-panel.js'], matches: ['https://open.spotify.com/*'] }],
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: GECKO_ID,
              // Required for new Firefox add-ons since 2025-11-03 (shared/notes/platform.md).
              // Track IDs are sent to api.reccobeats.com to look up public audio features;
              // no personal data leaves the browser.
              data_collection_permissions: { required: ['none'] },
            },
          },
        }
      : // The Chrome Web Store refuses an upload whose manifest has `key` ("key field is not
        // allowed in manifest"): the store assigns the ID. So `npm run zip` builds in the `store`
        // mode, without it; every other Chrome build keeps the pinned development ID.
        mode === 'store'
        ? {}
        : { key: CHROME_PUBLIC_KEY }),
  }),
});
