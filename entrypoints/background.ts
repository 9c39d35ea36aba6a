import '@/lib/shared/zod-config';
import { createSpotifyAuth } from '@/lib/background/auth/spotify-auth';
import { createTokenStore } from '@/lib/background/auth/token-store';
import { installBenchHook } from '@/lib/background/bench-hook';
import { modelThemeInfo } from '@/lib/shared/bundled-metadata';
import { loadBundledClassifier } from '@/lib/background/bundled-model';
import { PredictorDatabase, createFeatureCache } from '@/lib/background/cache';
import { keepPromise } from '@/lib/background/kept-promise';
import { createMessageHandlers } from '@/lib/background/message-handlers';
import { createMessageRouter, listenForMessages } from '@/lib/background/message-router';
import { createReadService } from '@/lib/background/list-reader';
import { createListMemory } from '@/lib/background/list-memory';
import { PanelNoticeSchema } from '@/lib/shared/messaging';
import { createProviderChain } from '@/lib/background/providers/chain';
import { actionAccountOf, createSaveService, jobStoreOver } from '@/lib/background/save-service';
import { createPlaylistsApi } from '@/lib/background/spotify-playlists';
import { createReccoBeatsProvider } from '@/lib/background/providers/reccobeats';
import { createSpotifyProvider } from '@/lib/background/providers/spotify';
import { storage } from 'wxt/utils/storage';
import { defineSettingsItem, effectiveThemeSettings, readSettings, type Settings } from '@/lib/shared/settings';
import { createSpotifyAccount } from '@/lib/background/spotify-account';
import { createSpotifyClient } from '@/lib/background/spotify-client';
import { createSpotifySearch } from '@/lib/background/spotify-search';
import { createTabLists } from '@/lib/background/tab-lists';
import { createThemeService } from '@/lib/background/theme-service';
import type { Classifier } from '@/model/classifier';

/**
 * The background owns all state (model, cache, Spotify tokens) and answers the other contexts'
 * messages; it only wires services together (their logic lives in `lib/`).
 */
export default defineBackground({
  type: 'module',
  main() {
    // Loaded once (a failed load is retried on the next request rather than kept forever).
    const classifier = keepPromise(() => loadBundledClassifier((path) => browser.runtime.getURL(path)));
    const loadClassifier = (): Promise<Classifier> => classifier.get();
    const settingsItem = defineSettingsItem();
    // Read once and kept until they change: every classify message needs them.
    const storedSettings = keepPromise(() => readSettings(settingsItem));
    const settings = (): Promise<Settings> => storedSettings.get();
    settingsItem.watch(() => storedSettings.forget());
    const themeSettings = async () => effectiveThemeSettings(await settings(), modelThemeInfo((await loadClassifier()).metadata));

    const db = new PredictorDatabase();
    // Bounded by the user's cache size (read before each eviction check: a lower limit applies on the next put).
    const cache = createFeatureCache(db, { limit: async () => (await settings()).cacheLimit });
    const store = createTokenStore(db);
    const auth = createSpotifyAuth({ store });
    const client = createSpotifyClient({ auth });
    const search = createSpotifySearch(client);
    const chain = createProviderChain({
      providers: [createSpotifyProvider({ client, store }), createReccoBeatsProvider()],
      settings: async () => (await settings()).providers,
    });
    const themes = createThemeService({
      classifier: loadClassifier,
      cache,
      provider: chain,
      enabledThemes: async () => (await themeSettings()).enabled,
      uncertainThreshold: async () => (await themeSettings()).uncertainThreshold,
    });

    const account = createSpotifyAccount({ auth, search, cache, savedClientId: async () => (await settings()).spotifyClientId });
    // Saving to Spotify (issue 12): jobs in storage.session (not readable by content scripts in
    // Chrome, kept across background restarts), confirmed in the save window.
    const actionAccount = actionAccountOf(auth);
    const saves = createSaveService({
      account: actionAccount,
      api: createPlaylistsApi(client),
      jobs: jobStoreOver(storage.defineItem<unknown>('session:saveJobs', { fallback: [] })),
      openConfirmation: async (jobId) => {
        await browser.windows.create({ url: browser.runtime.getURL(`/save.html?job=${jobId}`), type: 'popup', width: 520, height: 640 });
      },
    });
    const reads = createReadService({
      client,
      account: actionAccount,
      openConfirmation: async (jobId) => {
        await browser.windows.create({ url: browser.runtime.getURL(`/save.html?read=${jobId}`), type: 'popup', width: 520, height: 520 });
      },
      notifyTab: async (tabId, notice) => {
        await browser.tabs.sendMessage(tabId, PanelNoticeSchema.parse(notice));
      },
    });
    const tabLists = createTabLists();
    browser.tabs.onRemoved.addListener((tabId) => tabLists.forget(tabId));
    const handlers = createMessageHandlers({
      themes,
      account,
      saves,
      reads,
      tabLists,
      lists: createListMemory(db),
      seen: { remember: async (tracks) => void (await cache.putTrackInfo(tracks)), search: (q, limit) => cache.searchSeen(q, limit), get: (ids) => cache.getTrackInfo(ids) },
      cache,
    });
    // Every message is checked here before a handler runs: its type, its sender (content scripts
    // may only ask for badges), its request's schema.
    const self = { id: browser.runtime.id, baseUrl: browser.runtime.getURL('/') };
    listenForMessages(createMessageRouter({ handlers, self }));
    // `npm run bench:model` times the model here; only the test-only build has the hook.
    if (import.meta.env.MODE === 'e2e') installBenchHook((path) => browser.runtime.getURL(path));
  },
});
