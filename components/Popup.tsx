import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { SEARCH_QUERY_MAX_LENGTH, type SearchResponse, type Status } from '@/lib/shared/messaging';
import type { EffectiveThemeSettings } from '@/lib/shared/settings';
import { SearchResult } from './SearchResult';
import { errorMessage } from '@/lib/shared/error-message';
import { pastedLinkProblem, trackIdFromInput } from '@/lib/shared/track-id';

/** Props of {@link Popup}; every effect is a callback, so the view runs anywhere. */
export interface PopupProps {
  /** Runs a search in the background (rejects with a message the user can read). */
  readonly search: (query: string) => Promise<SearchResponse>;
  /** Connection and cache status, `undefined` while loading. */
  readonly status: Status | undefined;
  /** Themes, colours and threshold in effect, `undefined` while loading. */
  readonly themes: EffectiveThemeSettings | undefined;
  readonly onOpenOptions: () => void;
  /** The open Spotify tab's list (`TabProfile`), shown under the header; none when the tab reported no list. */
  readonly tabList?: ReactNode;
}

type SearchState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'loading'; readonly query: string }
  | { readonly kind: 'done'; readonly query: string; readonly response: SearchResponse }
  | { readonly kind: 'error'; readonly query: string; readonly message: string }
  /** Not searched, with the reason: a pasted link that names no track (an album, a playlist, another site), or a text too long to search. */
  | { readonly kind: 'not-searched'; readonly query: string; readonly message: string };

const SOURCE_LABEL: Record<SearchResponse['source'], string> = {
  link: 'Track from the pasted link',
  spotify: 'Spotify search',
  seen: 'Tracks you have seen on open.spotify.com',
};

/**
 * What the popup sends for the trimmed text `q`: a track link or URI as its `spotify:track:<id>`
 * URI (a shared link may carry a long query string, and only the ID is read), anything else as typed.
 */
function searchQuery(q: string): string {
  const trackId = trackIdFromInput(q);
  return trackId === undefined ? q : `spotify:track:${trackId}`;
}

/**
 * Why the trimmed text `q` is not searched when `sent`, what {@link searchQuery} makes of it, is
 * longer than the background accepts (`SEARCH_QUERY_MAX_LENGTH`; a track link never is); `null`
 * otherwise. The text stays in the field.
 */
function tooLongProblem(q: string, sent: string): string | null {
  if (sent.length <= SEARCH_QUERY_MAX_LENGTH) return null;
  return `Too long to search: at most ${SEARCH_QUERY_MAX_LENGTH} characters, and this has ${q.length.toLocaleString('en')}. Type a title or an artist, or paste a track link.`;
}

/** Delay after the last keystroke before searching, in ms. */
export const SEARCH_DEBOUNCE_MS = 350;

/**
 * The toolbar popup: a search box (Spotify search when connected, otherwise tracks already seen;
 * a pasted track URL or URI is classified directly, a pasted link to anything else is answered
 * with the reason it cannot be classified, `pastedLinkProblem`), results with badges and
 * probability bars, the connection status and a link to the options page; between the header
 * and the search, the open tab's list when there is one. Arrow keys move between results.
 */
export function Popup({ search, status, themes, onOpenOptions, tabList }: PopupProps) {
  const [query, setQuery] = useState('');
  const [state, setState] = useState<SearchState>({ kind: 'idle' });
  const latest = useRef(0);
  const listRef = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  /** The typed query's pending search (SEARCH_DEBOUNCE_MS after the last keystroke); Enter runs it at once instead. */
  const debounce = useRef<ReturnType<typeof setTimeout>>(undefined);

  function run(text: string): void {
    const q = text.trim();
    const ticket = ++latest.current;
    if (q === '') {
      setState({ kind: 'idle' });
      return;
    }
    const sent = searchQuery(q);
    const problem = pastedLinkProblem(q) ?? tooLongProblem(q, sent);
    if (problem !== null) {
      setState({ kind: 'not-searched', query: q, message: problem });
      return;
    }
    setState({ kind: 'loading', query: q });
    search(sent).then(
      (response) => {
        if (ticket === latest.current) setState({ kind: 'done', query: q, response });
      },
      (error: unknown) => {
        if (ticket === latest.current) setState({ kind: 'error', query: q, message: errorMessage(error) });
      },
    );
  }

  useEffect(() => {
    // An emptied field is answered at once by `changeQuery`: nothing to wait for.
    if (query.trim() === '') return;
    const timer = setTimeout(() => run(query), SEARCH_DEBOUNCE_MS);
    debounce.current = timer;
    return () => clearTimeout(timer);
    // `run` is recreated every render; the search depends on the query only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query]);

  /**
   * A new text in the field: searched after the typing pause, except an emptied field (the clear
   * button, or the text deleted), which shows the empty state at once and drops an answer still on its way.
   */
  function changeQuery(text: string): void {
    setQuery(text);
    if (text.trim() !== '') return;
    clearTimeout(debounce.current);
    run(text);
  }

  /** The clear button: an empty field and no results at once, focus back in the field. */
  function clear(): void {
    changeQuery('');
    inputRef.current?.focus();
  }

  function onResultsKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const items = [...(listRef.current?.querySelectorAll<HTMLElement>('.result') ?? [])];
    const index = items.findIndex((el) => el === document.activeElement);
    const next = items[event.key === 'ArrowDown' ? Math.min(items.length - 1, index + 1) : Math.max(0, index - 1)];
    next?.focus();
    event.preventDefault();
  }

  function onInputKeyDown(event: KeyboardEvent<HTMLInputElement>): void {
    if (event.key === 'ArrowDown') {
      listRef.current?.querySelector<HTMLElement>('.result')?.focus();
      event.preventDefault();
    }
  }

  const connected = status?.spotify.connected ?? false;
  return (
    <main className="popup">
      <header className="popup-head">
        <h1>Playlist Predictor</h1>
        <button type="button" className="link" onClick={onOpenOptions}>
          Options
        </button>
      </header>
      {tabList}
      <p className="status-line" data-testid="connection-status">
        {status === undefined ? 'Checking the Spotify connection…' : connected ? 'Spotify connected: searching Spotify.' : 'Not connected to Spotify: searching tracks you have seen.'}
      </p>
      {status?.cache.problem && (
        <p className="error small" role="alert" data-testid="cache-problem">
          {status.cache.problem}
        </p>
      )}
      <form
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          // Enter searches now; the same query is not searched again when the typing pause ends
          // (which would blank the results it just showed with "Searching…").
          clearTimeout(debounce.current);
          run(query);
        }}
      >
        <label className="visually-hidden" htmlFor="search">
          Search a song or paste a Spotify track link
        </label>
        {/* Our own clear button, in Firefox too (Chromium's native one is hidden: components/ui.css). */}
        <div className="search-field">
          <input
            id="search"
            ref={inputRef}
            type="search"
            autoFocus
            autoComplete="off"
            placeholder="Search a song, or paste a track link"
            value={query}
            onChange={(event) => changeQuery(event.target.value)}
            onKeyDown={onInputKeyDown}
          />
          {query !== '' && (
            <button type="button" className="clear" aria-label="Clear the search" onClick={clear}>
              ×
            </button>
          )}
        </div>
      </form>
      <div className="results" ref={listRef} onKeyDown={onResultsKeyDown} aria-live="polite" aria-busy={state.kind === 'loading'}>
        {state.kind === 'idle' && (
          <p className="muted">
            Type a title or an artist, or paste a link such as <span style={{ whiteSpace: 'nowrap' }}>https://open.spotify.com/track/…</span>
          </p>
        )}
        {state.kind === 'loading' && <p className="muted">Searching…</p>}
        {state.kind === 'error' && (
          <p className="error" role="alert">
            Search failed: {state.message}
          </p>
        )}
        {state.kind === 'not-searched' && (
          <p className="error" role="alert" data-testid="not-searched">
            {state.message}
          </p>
        )}
        {state.kind === 'done' && (
          <>
            <p className="muted small" data-testid="search-source">
              {SOURCE_LABEL[state.response.source]}
              {state.response.notice ? ` · ${state.response.notice}` : ''}
            </p>
            {state.response.hits.length === 0 && <p className="muted">No tracks found for “{state.query}”.</p>}
            {state.response.hits.length > 0 && !themes && <p className="muted">Reading the theme settings…</p>}
            {themes &&
              state.response.hits.map((hit) => <SearchResult key={hit.trackId} hit={hit} enabled={themes.enabled} colors={themes.colors} />)}
          </>
        )}
      </div>
    </main>
  );
}
