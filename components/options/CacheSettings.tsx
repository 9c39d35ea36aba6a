import type { Status } from '@/lib/shared/messaging';
import { useAction } from '../useAction';

/** Props of {@link CacheSettings}. */
export interface CacheSettingsProps {
  readonly cache: Status['cache'] | undefined;
  /** Clears the feature cache; rejects with a readable message. */
  readonly onClear: () => Promise<void>;
}

/** Bytes in a human unit (kB = 1000 bytes, as browsers report storage). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** The audio-feature cache: how many tracks, about how much space, and a clear button. */
export function CacheSettings({ cache, onClear }: CacheSettingsProps) {
  const { busy, error, run } = useAction();
  return (
    <section aria-labelledby="cache-heading">
      <h2 id="cache-heading">Cache</h2>
      <p data-testid="cache-summary">
        {cache === undefined ? 'Reading the cache…' : `${cache.tracks} tracks, about ${formatBytes(cache.bytes)} of audio features.`}
      </p>
      <button
        type="button"
        disabled={busy || cache === undefined || cache.tracks === 0}
        onClick={() => run(onClear)}
      >
        Clear cache
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
