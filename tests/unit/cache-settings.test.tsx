// @vitest-environment happy-dom
import { act } from 'react';
import { render, rerender, useReactRoot } from './support/render';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CacheSettings, parseCacheLimit } from '@/components/options/CacheSettings';
import { Options } from '@/components/Options';
import { Popup } from '@/components/Popup';
import { SEARCH_QUERY_MAX_LENGTH, type SearchResponse, type Status } from '@/lib/shared/messaging';
import { DEFAULT_SETTINGS, type Settings } from '@/lib/shared/settings';

useReactRoot();

const PROBLEM = 'Storage is full: the cache could not save 40 tracks’ audio features (QuotaExceededError: full). Free disk space or lower the cache size.';
const cache = (over: Partial<Status['cache']> = {}): Status['cache'] => ({ tracks: 1234, bytes: 2_500_000, limit: 100_000, lists: 0, problem: null, ...over });

/** Types `text` into the input as a user would (React listens to `input` events). */
function type(input: HTMLInputElement, text: string): void {
  // Through the prototype's setter: React ignores a value set on the element itself.
  const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
  act(() => {
    setValue?.call(input, text);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

/** The cache section with 100,000 as the saved size: its view, its size field and the `onLimitChange` spy. */
function renderSizeField(): { view: HTMLElement; input: HTMLInputElement; onLimitChange: ReturnType<typeof vi.fn> } {
  const onLimitChange = vi.fn();
  const view = render(<CacheSettings cache={cache()} cacheLimit={100_000} onLimitChange={onLimitChange} onClear={vi.fn(async () => undefined)} />);
  const input = view.querySelector<HTMLInputElement>('#cache-limit');
  if (!input) throw new Error('no cache size field');
  return { view, input, onLimitChange };
}

describe('cache size field', () => {
  it('parses whole numbers of tracks from 1,000 to 1,000,000 only', () => {
    expect(parseCacheLimit('1000')).toEqual({ limit: 1_000 });
    expect(parseCacheLimit(' 250000 ')).toEqual({ limit: 250_000 });
    expect(parseCacheLimit('1000000')).toEqual({ limit: 1_000_000 });
    for (const text of ['999', '1000001', '1500.5', '100.000', '1,000', '', 'lots', '-2000', '1e4']) expect(parseCacheLimit(text)).toEqual({ error: 'Enter a whole number of tracks from 1,000 to 1,000,000.' });
  });

  it('shows the count, the limit and the size, and the storage problem as an alert', () => {
    const view = render(<CacheSettings cache={cache({ problem: PROBLEM })} cacheLimit={100_000} onLimitChange={vi.fn()} onClear={vi.fn(async () => undefined)} />);
    expect(view.querySelector('[data-testid="cache-summary"]')?.textContent).toBe('1,234 tracks (at most 100,000), about 2.5 MB of audio features and titles.');
    const alerts = [...view.querySelectorAll('[role="alert"]')].map((a) => a.textContent);
    expect(alerts).toEqual([PROBLEM]);
    const input = view.querySelector<HTMLInputElement>('#cache-limit');
    expect([input?.min, input?.max, input?.value]).toEqual(['1000', '1000000', '100000']);
  });

  it('counts the remembered lists (not in the size), and keeps Clear cache enabled while only lists are kept', () => {
    const summary = (view: HTMLElement) => view.querySelector('[data-testid="cache-summary"]')?.textContent;
    const clear = (view: HTMLElement) => [...view.querySelectorAll('button')].find((b) => b.textContent === 'Clear cache');
    const props = { cacheLimit: 100_000, onLimitChange: vi.fn(), onClear: vi.fn(async () => undefined) };
    const view = render(<CacheSettings cache={cache({ tracks: 1, bytes: 450, lists: 1 })} {...props} />);
    expect(summary(view)).toBe('1 track (at most 100,000), about 450 bytes of audio features and titles; and the track order of 1 list you opened, so its badges show at once when you reopen it.');
    rerender(<CacheSettings cache={cache({ lists: 12 })} {...props} />);
    expect(summary(view)).toBe('1,234 tracks (at most 100,000), about 2.5 MB of audio features and titles; and the track order of 12 lists you opened, so their badges show at once when you reopen them.');
    // A list reported while every provider failed: no track cached, but something to clear.
    rerender(<CacheSettings cache={cache({ tracks: 0, bytes: 0, lists: 2 })} {...props} />);
    expect(summary(view)).toBe('No tracks cached (at most 100,000); and the track order of 2 lists you opened, so their badges show at once when you reopen them.');
    expect(clear(view)?.disabled).toBe(false);
    rerender(<CacheSettings cache={cache({ tracks: 0, bytes: 0, lists: 0 })} {...props} />);
    expect(summary(view)).toBe('The cache is empty (it keeps at most 100,000 tracks).');
    expect(clear(view)?.disabled).toBe(true);
  });

  it('no alert without a problem', () => {
    const view = render(<CacheSettings cache={cache()} cacheLimit={100_000} onLimitChange={vi.fn()} onClear={vi.fn(async () => undefined)} />);
    expect(view.querySelectorAll('[role="alert"]')).toHaveLength(0);
  });

  it('saves a valid size on Enter or when the field loses focus, and refuses one out of range with the reason', () => {
    const { view, input, onLimitChange } = renderSizeField();
    // Typing does not save (a half-typed 5 must not shrink the cache).
    type(input, '5');
    expect(onLimitChange).not.toHaveBeenCalled();
    act(() => input.dispatchEvent(new FocusEvent('focusout', { bubbles: true })));
    expect(onLimitChange).not.toHaveBeenCalled();
    expect(view.querySelector('[role="alert"]')?.textContent).toBe('Enter a whole number of tracks from 1,000 to 1,000,000.');
    expect(input.getAttribute('aria-invalid')).toBe('true');

    type(input, '50000');
    expect(view.querySelector('[role="alert"]')).toBeNull();
    act(() => input.form?.requestSubmit());
    expect(onLimitChange).toHaveBeenCalledExactlyOnceWith(50_000);

    type(input, '2000');
    act(() => input.dispatchEvent(new FocusEvent('focusout', { bubbles: true })));
    expect(onLimitChange).toHaveBeenLastCalledWith(2_000);
  });

  it('Enter gives the same answer as leaving the field: the reason for a size out of range, and any whole number in range saved (not only multiples of the arrows\' step)', () => {
    const { view, input, onLimitChange } = renderSizeField();
    type(input, '12');
    act(() => input.form?.requestSubmit());
    expect(onLimitChange).not.toHaveBeenCalled();
    expect(view.querySelector('[role="alert"]')?.textContent).toBe('Enter a whole number of tracks from 1,000 to 1,000,000.');
    type(input, '1500');
    act(() => input.form?.requestSubmit());
    expect(onLimitChange).toHaveBeenCalledExactlyOnceWith(1_500);
  });
});

describe('options page', () => {
  it('saves a new cache size with every other setting kept, and shows a failed save as an alert', () => {
    const onChange = vi.fn();
    const settings: Settings = { ...DEFAULT_SETTINGS, themeColors: { sleep: '#123456' }, uncertainThreshold: 0.3 };
    const props = {
      settings,
      model: { labels: ['workout', 'sleep', 'focus'], experimental: [], uncertainThreshold: 0.4 } as const,
      status: undefined,
      onChange,
      onConnect: vi.fn(async () => undefined),
      onDisconnect: vi.fn(async () => undefined),
      onClearCache: vi.fn(async () => undefined),
      exportText: () => '',
      onImport: vi.fn(async () => undefined),
    };
    const view = render(<Options {...props} />);
    const input = view.querySelector<HTMLInputElement>('#cache-limit');
    if (!input) throw new Error('no cache size field');
    type(input, '20000');
    act(() => input.form?.requestSubmit());
    expect(onChange).toHaveBeenCalledExactlyOnceWith({ ...settings, cacheLimit: 20_000 });
    expect(view.querySelector('[role="alert"]')).toBeNull();

    const saveError = 'Storage is full: the browser could not store the settings (QUOTA_BYTES quota exceeded). Free disk space and try again.';
    rerender(<Options {...props} saveError={saveError} />);
    expect(view.querySelector('[role="alert"]')?.textContent).toBe(`Settings not saved: ${saveError}`);
  });
});

describe('popup', () => {
  it('shows the cache problem as a one-line alert', () => {
    const status: Status = {
      spotify: { redirectUri: 'https://x.chromiumapp.org/', clientId: null, connected: false, audioFeatures: { state: 'unknown' }, problem: null },
      cache: cache({ problem: PROBLEM }),
    };
    const view = render(<Popup search={vi.fn()} status={status} themes={undefined} onOpenOptions={vi.fn()} />);
    expect(view.querySelector('[data-testid="cache-problem"]')?.getAttribute('role')).toBe('alert');
    expect(view.querySelector('[data-testid="cache-problem"]')?.textContent).toBe(PROBLEM);
  });
});

describe('popup search box', () => {
  const status: Status = {
    spotify: { redirectUri: 'https://x.chromiumapp.org/', clientId: null, connected: false, audioFeatures: { state: 'unknown' }, problem: null },
    cache: cache(),
  };

  // Every test here runs the popup's typing pause on fake timers.
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** The popup searching with `search`: its view and its search box. */
  function renderPopup(search: (query: string) => Promise<SearchResponse>): { view: HTMLElement; input: HTMLInputElement } {
    const view = render(<Popup search={search} status={status} themes={undefined} onOpenOptions={vi.fn()} />);
    const input = view.querySelector<HTMLInputElement>('#search');
    if (!input) throw new Error('no search box');
    return { view, input };
  }

  /** The popup with a search that answers only when `answer` is called (the answer still on its way). */
  function renderPopupWithHeldSearch() {
    let resolveSearch: (response: SearchResponse) => void = () => undefined;
    const search = vi.fn(() => new Promise<SearchResponse>((resolve) => (resolveSearch = resolve)));
    return { ...renderPopup(search), search, answer: (response: SearchResponse) => resolveSearch(response) };
  }

  /** The one search asked answers now, after the field was emptied: no result is shown, and nothing else was searched. */
  async function expectLateAnswerDropped(view: HTMLElement, search: ReturnType<typeof vi.fn>, answer: (response: SearchResponse) => void): Promise<void> {
    await act(async () => answer({ source: 'seen', hits: [] }));
    await act(async () => vi.advanceTimersByTimeAsync(1_000));
    expect(view.querySelector('[data-testid="search-source"]')).toBeNull();
    expect(search).toHaveBeenCalledTimes(1);
  }

  it('answers a pasted link to a playlist with the reason, without searching; a track link is searched by its URI', async () => {
    const search = vi.fn(async () => ({ source: 'link' as const, hits: [] }));
    const { view, input } = renderPopup(search);
    type(input, 'https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M');
    await act(async () => vi.advanceTimersByTimeAsync(1_000));
    expect(search).not.toHaveBeenCalled();
    const problem = view.querySelector('[data-testid="not-searched"]');
    expect(problem?.getAttribute('role')).toBe('alert');
    expect(problem?.textContent).toMatch(/^That is a link to a playlist\. The popup classifies one track at a time/);

    type(input, 'https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC');
    await act(async () => vi.advanceTimersByTimeAsync(1_000));
    expect(search).toHaveBeenCalledWith('spotify:track:4uLU6hMCjMI75M1A2tKUQC');
    expect(view.querySelector('[data-testid="not-searched"]')).toBeNull();
  });

  it('a text longer than a search may be is answered with the limit and kept in the field; a long shared track link is still searched', async () => {
    const search = vi.fn(async () => ({ source: 'seen' as const, hits: [] }));
    const { view, input } = renderPopup(search);
    const tooLong = `${'night drive '.repeat(20)}x`.slice(0, SEARCH_QUERY_MAX_LENGTH + 1);
    type(input, tooLong);
    await act(async () => vi.advanceTimersByTimeAsync(1_000));
    expect(search).not.toHaveBeenCalled();
    const problem = view.querySelector('[data-testid="not-searched"]');
    expect(problem?.getAttribute('role')).toBe('alert');
    expect(problem?.textContent).toBe(`Too long to search: at most ${SEARCH_QUERY_MAX_LENGTH} characters, and this has ${SEARCH_QUERY_MAX_LENGTH + 1}. Type a title or an artist, or paste a track link.`);
    expect(input.value).toBe(tooLong);

    type(input, tooLong.slice(0, SEARCH_QUERY_MAX_LENGTH));
    await act(async () => vi.advanceTimersByTimeAsync(1_000));
    expect(search).toHaveBeenCalledExactlyOnceWith(tooLong.slice(0, SEARCH_QUERY_MAX_LENGTH).trim());

    const sharedLink = `https://open.spotify.com/intl-de/track/4uLU6hMCjMI75M1A2tKUQC?si=${'a'.repeat(16)}&utm_source=copy-link&context=${'spotify%3Aplaylist%3A37i9dQZF1DXcBWIGoYBM5M'.repeat(5)}`;
    expect(sharedLink.length).toBeGreaterThan(SEARCH_QUERY_MAX_LENGTH);
    type(input, sharedLink);
    await act(async () => vi.advanceTimersByTimeAsync(1_000));
    expect(search).toHaveBeenLastCalledWith('spotify:track:4uLU6hMCjMI75M1A2tKUQC');
    expect(view.querySelector('[data-testid="not-searched"]')).toBeNull();
  });

  it('the clear button empties the field and the results at once, drops an answer still on its way, and puts the focus back in the field', async () => {
    const { view, input, search, answer } = renderPopupWithHeldSearch();
    const clearButton = () => view.querySelector<HTMLButtonElement>('button[aria-label="Clear the search"]');
    expect(clearButton(), 'no clear button while the field is empty').toBeNull();
    type(input, 'night drive');
    act(() => input.form?.requestSubmit());
    expect(view.textContent).toContain('Searching…');
    act(() => clearButton()?.click());
    expect(input.value).toBe('');
    expect(clearButton()).toBeNull();
    expect(document.activeElement).toBe(input);
    expect(view.textContent).toContain('Type a title or an artist');
    // The search asked before the clear answers now: not shown.
    await expectLateAnswerDropped(view, search, answer);
  });

  it('deleting the text shows the empty state at once, without waiting for the typing pause, and drops an answer still on its way', async () => {
    const { view, input, search, answer } = renderPopupWithHeldSearch();
    type(input, 'night drive');
    await act(async () => vi.advanceTimersByTimeAsync(1_000));
    expect(view.textContent).toContain('Searching…');
    type(input, '  ');
    expect(view.textContent).not.toContain('Searching…');
    expect(view.textContent).toContain('Type a title or an artist');
    await expectLateAnswerDropped(view, search, answer);
  });

  it('Enter searches at once, and the typing pause that ends later does not search the same words again', async () => {
    const search = vi.fn(async () => ({ source: 'seen' as const, hits: [] }));
    const { input } = renderPopup(search);
    type(input, 'night drive');
    act(() => input.form?.requestSubmit());
    expect(search).toHaveBeenCalledTimes(1);
    await act(async () => vi.advanceTimersByTimeAsync(1_000));
    expect(search.mock.calls).toEqual([['night drive']]);
    // Typing again is still searched after the pause.
    type(input, 'night drive 2');
    await act(async () => vi.advanceTimersByTimeAsync(1_000));
    expect(search.mock.calls).toEqual([['night drive'], ['night drive 2']]);
  });
});
