import { defineConfig } from 'wxt';

/**
 * WXT build configuration (https://wxt.dev/api/config.html).
 *
 * Permissions are the minimum the extension uses: `storage` for settings, host access
 * only to the ReccoBeats audio-features API that the background calls. The content
 * script's match pattern (`https://open.spotify.com/*`) is declared in its entrypoint
 * and needs no host permission of its own.
 */
export default defineConfig({
  modules: ['@wxt-dev/module-react'],
  manifest: {
    name: 'Playlist Predictor',
    description:
      'Shows which occasion (workout, party, sleep, focus, ...) each Spotify track suits, predicted on your device from its audio features.',
    permissions: ['storage'],
    host_permissions: ['https://api.reccobeats.com/*'],
    browser_specific_settings: {
      gecko: {
        id: 'playlist-predictor@playlist-predictor.dev',
        // Required for new Firefox add-ons since 2025-11-03 (see shared platform notes):
        // track IDs go to api.reccobeats.com to look up audio features.
        data_collection_permissions: { required: ['none'] },
      },
    },
  },
});
