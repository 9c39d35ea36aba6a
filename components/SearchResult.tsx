import type { SearchHit } from '@/lib/shared/messaging';
import type { ThemeId } from '@/model/themes';
import { ProbabilityBars } from './ProbabilityBars';
import { PROVIDER_NAMES } from '@/lib/shared/providers';
import { ThemeBadge } from './ThemeBadge';

/** Props of {@link SearchResult}. */
export interface SearchResultProps {
  readonly hit: SearchHit;
  readonly enabled: readonly ThemeId[];
  readonly colors: Readonly<Partial<Record<ThemeId, string>>>;
}

/** Why a track has no theme, in words for the popup. */
function explain(hit: SearchHit): string | undefined {
  switch (hit.result.status) {
    case 'unknown':
      return 'No provider has audio features for this track, so no theme is guessed.';
    case 'error':
      return `Could not classify this track now: ${hit.result.message}`;
    default:
      return undefined;
  }
}

/** One popup search result: title, artists, theme badge, probability bars and feature source. */
export function SearchResult({ hit, enabled, colors }: SearchResultProps) {
  const { result } = hit;
  const note = explain(hit);
  return (
    <article className="result" data-track-id={hit.trackId} tabIndex={0} aria-label={hit.name ?? `Track ${hit.trackId}`}>
      <header className="result-head">
        <div className="result-title">
          <strong>{hit.name ?? 'Unknown title'}</strong>
          <span className="muted">{hit.artists.length > 0 ? hit.artists.join(', ') : `track ${hit.trackId}`}</span>
        </div>
        <ThemeBadge trackId={hit.trackId} state={result} colors={colors} />
      </header>
      {result.status === 'ok' ? (
        <>
          <ProbabilityBars probabilities={result.probabilities} enabled={enabled} colors={colors} />
          <p className="muted small" data-provider={result.provider}>
            Audio features from {PROVIDER_NAMES[result.provider]}
            {result.uncertain ? ' · the model is not confident enough to name one theme' : ''}
          </p>
        </>
      ) : (
        <p className="muted small">{note}</p>
      )}
    </article>
  );
}
