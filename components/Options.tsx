import type { ModelThemeInfo } from '@/lib/shared/bundled-metadata';
import type { Status } from '@/lib/shared/messaging';
import type { Settings } from '@/lib/shared/settings';
import { CacheSettings } from './options/CacheSettings';
import { ProviderSettings } from './options/ProviderSettings';
import { SettingsBackup } from './options/SettingsBackup';
import { SpotifyConnection } from './options/SpotifyConnection';
import { ThemeSettings } from './options/ThemeSettings';

/** Props of {@link Options}; every effect is a callback. */
export interface OptionsProps {
  readonly settings: Settings;
  readonly model: ModelThemeInfo;
  readonly status: Status | undefined;
  /**
   * Last error from saving settings (invalid, or the browser could not store them, e.g. storage
   * full), shown as an alert that stays in view at the top while the page scrolls.
   */
  readonly saveError?: string;
  readonly onChange: (settings: Settings) => void;
  readonly onConnect: (clientId: string) => Promise<void>;
  readonly onDisconnect: () => Promise<void>;
  readonly onClearCache: () => Promise<void>;
  readonly exportText: () => string;
  readonly onImport: (text: string) => Promise<void>;
}

/** Why the Spotify provider is not asked now, for the provider list. */
function spotifyNote(status: Status | undefined): string | undefined {
  if (!status) return undefined;
  if (!status.spotify.connected) return 'Not connected: skipped.';
  if (status.spotify.audioFeatures.state === 'unavailable') return 'Audio features not available to your app: skipped.';
  return undefined;
}

/** The options page: themes, Spotify connection, providers, cache (size, problem, clear) and settings backup. */
export function Options(props: OptionsProps) {
  const { settings, status } = props;
  return (
    <main className="options">
      <h1>Playlist Predictor options</h1>
      {props.saveError && (
        // Sticky: a change far down the page (the cache size) must not fail out of sight.
        <p className="error" role="alert" data-testid="save-error" style={{ position: 'sticky', top: 0, zIndex: 1, background: 'var(--bg)', padding: '6px 0', margin: 0 }}>
          Settings not saved: {props.saveError}
        </p>
      )}
      <ThemeSettings settings={settings} model={props.model} onChange={props.onChange} />
      <SpotifyConnection status={status} savedClientId={settings.spotifyClientId} onConnect={props.onConnect} onDisconnect={props.onDisconnect} />
      <ProviderSettings settings={settings} onChange={props.onChange} spotifyNote={spotifyNote(status)} />
      <CacheSettings
        cache={status?.cache}
        cacheLimit={settings.cacheLimit}
        onLimitChange={(cacheLimit) => props.onChange({ ...settings, cacheLimit })}
        onClear={props.onClearCache}
      />
      <SettingsBackup exportText={props.exportText} onImport={props.onImport} />
    </main>
  );
}
