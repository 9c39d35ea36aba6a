import { useCallback, useEffect, useState } from 'react';
import { loadBundledMetadata, modelThemeInfo, type ModelThemeInfo } from '@/lib/shared/bundled-metadata';
import { sendMessage, type Status } from '@/lib/shared/messaging';
import { defineSettingsItem, parseSettings, readSettings, type Settings } from '@/lib/shared/settings';
import { errorMessage } from '@/lib/shared/error-message';

const settingsItem = defineSettingsItem();

/** The settings item shared by the hooks of one page. */
export function useSettingsItem() {
  return settingsItem;
}

/**
 * The current settings, kept up to date with storage (changes made elsewhere show at once);
 * `undefined` until read. `show` displays a value at once, before storage confirms it, so
 * controls respond without waiting for the write.
 */
export function useSettings(): { settings: Settings | undefined; show: (settings: Settings) => void; reload: () => void } {
  const [settings, setSettings] = useState<Settings>();
  const reload = useCallback(() => {
    void readSettings(settingsItem).then(setSettings);
  }, []);
  useEffect(() => {
    reload();
    return settingsItem.watch((value) => setSettings(parseSettings(value).settings));
  }, [reload]);
  return { settings, show: setSettings, reload };
}

/** The bundled model's labels, experimental themes and threshold; an error message if it failed. */
export function useModelInfo(): { model?: ModelThemeInfo; error?: string } {
  const [state, setState] = useState<{ model?: ModelThemeInfo; error?: string }>({});
  useEffect(() => {
    loadBundledMetadata((path) => browser.runtime.getURL(path)).then(
      (metadata) => setState({ model: modelThemeInfo(metadata) }),
      (error: unknown) => setState({ error: errorMessage(error) }),
    );
  }, []);
  return state;
}

/**
 * The background's status, with `refresh` to ask again and `set` for an answer that another
 * message already returned; `error` when the background could not be reached.
 */
export function useStatus(): { status?: Status; error?: string; refresh: () => void; set: (s: Status) => void } {
  const [status, setStatus] = useState<Status>();
  const [error, setError] = useState<string>();
  const refresh = useCallback(() => {
    sendMessage('status', {}).then(
      (s) => {
        setStatus(s);
        setError(undefined);
      },
      (e: unknown) => setError(errorMessage(e)),
    );
  }, []);
  useEffect(refresh, [refresh]);
  return { status, error, refresh, set: setStatus };
}
