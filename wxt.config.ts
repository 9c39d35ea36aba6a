import { defineConfig } from 'wxt';

/**
 * WXT build configuration (https://wxt.dev/api/config.html).
 *
 * Permissions are the minimum the extension uses: host access only to the ReccoBeats
 * audio-features API that the background calls (IndexedDB needs no permission). The content
 * script's match pattern (`https://open.spotify.com/*`) is declared in its entrypoint and grants
 * access to that host only.
 */
export default defineConfig({
  modules: ['@wxt-dev/module-react'],
  manifest: ({ browser }) => ({
    name: 'Playlist Predictor',
    description:
      'Shows which occasion (workout, party, sleep, focus, ...) each Spotify track suits, predicted on your device from its audio features.',
    host_permissions: ['https://api.reccobeats.com/*'],
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'playlist-predictor@playlist-predictor.dev',
              // Required for new Firefox add-ons since 2025-11-03 (shared/notes/platform.md).
              // Track IDs are sent to api.reccobeats.com to look up public audio features;
              // no personal data leaves the browser.
              data_collection_permissions: { required: ['none'] },
            },
          },
        }
      : {}),
  }),
});
