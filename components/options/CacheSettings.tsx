import { useState } from 'react';
import type { Status } from '@/lib/shared/messaging';
import { CacheLimitSchema, MAX_CACHE_LIMIT, MIN_CACHE_LIMIT } from '@/lib/shared/settings';
import { useAction } from '../useAction';

/** Props of {@link CacheSettings}. */
export interface CacheSettingsProps {
  readonly cache: Status['cache'] | undefined;
  /** The cache size setting, in tracks. */
  readonly cacheLimit: number;
  /** Saves a new cache size (already checked to be a whole number from the minimum to the maximum); a failure is shown by the page. */
  readonly onLimitChange: (cacheLimit: number) => void;
  /** Clears the feature cache; rejects with a readable message. */
  readonly onClear: () => Promise<void>;
}

/** Bytes in a human unit (kB = 1000 bytes, as browsers report storage). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

const count = new Intl.NumberFormat('en');

/**
 * A typed cache size as a number of tracks, or why it is not one: digits only (what a number
 * field gives; no sign, decimals, exponent or separators), from {@link MIN_CACHE_LIMIT} to
 * {@link MAX_CACHE_LIMIT}.
 */
export function parseCacheLimit(text: string): { limit: number } | { error: string } {
  const digits = text.trim();
  const parsed = CacheLimitSchema.safeParse(/^\d+$/.test(digits) ? Number(digits) : Number.NaN);
  return parsed.success ? { limit: parsed.data } : { error: `Enter a whole number of tracks from ${count.format(MIN_CACHE_LIMIT)} to ${count.format(MAX_CACHE_LIMIT)}.` };
}

/**
 * The cache section's summary: tracks cached of how many at most, their estimated size, and how
 * many lists' track order is remembered for the warm start (`Status['cache']`, from `status`).
 */
export function cacheSummary(cache: Status['cache']): string {
  const lists = cache.lists === 0 ? '' : `; and the track order of ${count.format(cache.lists)} ${cache.lists === 1 ? 'list' : 'lists'} you opened, so ${cache.lists === 1 ? 'its badges show at once when you reopen it' : 'their badges show at once when you reopen them'}`;
  if (cache.tracks === 0) return cache.lists === 0 ? `The cache is empty (it keeps at most ${count.format(cache.limit)} tracks).` : `No tracks cached (at most ${count.format(cache.limit)})${lists}.`;
  return `${count.format(cache.tracks)} ${cache.tracks === 1 ? 'track' : 'tracks'} (at most ${count.format(cache.limit)}), about ${formatBytes(cache.bytes)} of audio features and titles${lists}.`;
}

/**
 * The audio-feature cache: how many tracks of how many at most, about how much space, and the
 * lists remembered ({@link cacheSummary}); the last storage problem (an alert); the size setting
 * (saved on Enter or when the field loses focus, when valid; otherwise the reason is shown and
 * nothing is saved); and a clear button, enabled while tracks or lists are kept.
 */
export function CacheSettings({ cache, cacheLimit, onLimitChange, onClear }: CacheSettingsProps) {
  const { busy, error, run } = useAction();
  // What the user is typing (`undefined`: the saved setting is shown), and why it was not saved.
  const [draft, setDraft] = useState<string>();
  const [rejected, setRejected] = useState<string>();

  function commit(): void {
    if (draft === undefined) return;
    const checked = parseCacheLimit(draft);
    if ('error' in checked) {
      setRejected(checked.error);
      return;
    }
    setDraft(undefined);
    if (checked.limit !== cacheLimit) onLimitChange(checked.limit);
  }

  return (
    <section aria-labelledby="cache-heading">
      <h2 id="cache-heading">Cache</h2>
      <p data-testid="cache-summary">
        {cache === undefined ? 'Reading the cache…' : cacheSummary(cache)}
      </p>
      {cache?.problem && (
        <p className="error" role="alert" data-testid="cache-problem">
          {cache.problem}
        </p>
      )}
      {/* noValidate: parseCacheLimit is the one rule, with its reason shown below. The browser's
          own check of min and step would block Enter with a bubble instead, also for a whole
          number in range that is not a multiple of the arrows' step (1,500). */}
      <form
        className="row"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          commit();
        }}
      >
        <label htmlFor="cache-limit">Keep at most</label>
        <input
          id="cache-limit"
          type="number"
          inputMode="numeric"
          min={MIN_CACHE_LIMIT}
          max={MAX_CACHE_LIMIT}
          step={1000}
          value={draft ?? String(cacheLimit)}
          aria-invalid={rejected !== undefined}
          aria-describedby="cache-limit-help"
          onChange={(event) => {
            setDraft(event.target.value);
            setRejected(undefined);
          }}
          onBlur={commit}
        />
        <span>tracks</span>
      </form>
      {rejected !== undefined ? (
        <p id="cache-limit-help" className="error" role="alert">
          {rejected}
        </p>
      ) : (
        <p id="cache-limit-help" className="muted small">
          The least recently used tracks are removed beyond this ({count.format(MIN_CACHE_LIMIT)} to {count.format(MAX_CACHE_LIMIT)}; about 50 MB per 100,000
          tracks). A smaller size applies when the next new tracks are cached.
        </p>
      )}
      <button type="button" disabled={busy || cache === undefined || (cache.tracks === 0 && cache.lists === 0)} onClick={() => run(onClear)}>
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
