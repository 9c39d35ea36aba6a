import type { Settings } from '@/lib/shared/settings';
import { PROVIDER_NAMES, type ProviderId } from '@/lib/shared/providers';

/** Props of {@link ProviderSettings}. */
export interface ProviderSettingsProps {
  readonly settings: Settings;
  readonly onChange: (settings: Settings) => void;
  /** Why Spotify is not asked right now, if it is not (not connected, audio features unavailable). */
  readonly spotifyNote?: string;
}

const DESCRIPTIONS: Record<ProviderId, string> = {
  spotify: 'Your own Spotify app (needs a connection; Spotify refuses audio features to apps created after 27 Nov 2024).',
  reccobeats: 'ReccoBeats, a free audio-features service; only the track ID is sent.',
};

/** Order of the audio-feature providers (moved up and down) and an on/off switch for each. */
export function ProviderSettings({ settings, onChange, spotifyNote }: ProviderSettingsProps) {
  const { order, disabled } = settings.providers;

  function move(index: number, by: -1 | 1): void {
    const next = [...order];
    const [item] = next.splice(index, 1);
    if (item === undefined) return;
    next.splice(index + by, 0, item);
    onChange({ ...settings, providers: { order: next, disabled } });
  }

  function setEnabled(provider: ProviderId, on: boolean): void {
    const next = on ? disabled.filter((p) => p !== provider) : [...disabled, provider];
    onChange({ ...settings, providers: { order, disabled: next } });
  }

  return (
    <section aria-labelledby="providers-heading">
      <h2 id="providers-heading">Audio-feature providers</h2>
      <p className="muted">Cached features are used first; then the providers are asked in this order until one knows the track.</p>
      <ol className="providers">
        {order.map((provider, i) => (
          <li key={provider} data-provider={provider}>
            <div className="provider-head">
              <label>
                <input type="checkbox" checked={!disabled.includes(provider)} onChange={(event) => setEnabled(provider, event.target.checked)} />{' '}
                <strong>{PROVIDER_NAMES[provider]}</strong>
              </label>
              <span className="move">
                <button type="button" aria-label={`Move ${PROVIDER_NAMES[provider]} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                  ↑
                </button>
                <button type="button" aria-label={`Move ${PROVIDER_NAMES[provider]} down`} disabled={i === order.length - 1} onClick={() => move(i, 1)}>
                  ↓
                </button>
              </span>
            </div>
            <div className="muted small">{DESCRIPTIONS[provider]}</div>
            {provider === 'spotify' && spotifyNote && <div className="note small">{spotifyNote}</div>}
          </li>
        ))}
      </ol>
    </section>
  );
}
