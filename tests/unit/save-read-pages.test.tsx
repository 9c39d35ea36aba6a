// @vitest-environment happy-dom
import { act } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ReadPage } from '@/components/ReadPage';
import { SavePage } from '@/components/SavePage';
import type { ReadJobView, SaveJobView } from '@/lib/shared/messaging';
import { render, useReactRoot } from './support/render';

useReactRoot();

const JOB_ID = '123e4567-e89b-42d3-a456-426614174000';
const saveJob = (over: Partial<SaveJobView> = {}): SaveJobView => ({
  id: JOB_ID,
  name: 'Mix · Workout',
  description: 'Saved by Playlist Predictor',
  count: 250,
  preview: ['Song 1 — A'],
  added: 0,
  state: 'ready',
  connected: true,
  needsScope: false,
  ...over,
});
const readJob = (over: Partial<ReadJobView> = {}): ReadJobView => ({ id: JOB_ID, listName: 'Mix', list: { kind: 'playlist', id: 'abc' }, state: 'ready', connected: true, scope: 'playlist-read-private', needsScope: false, ...over });

/** Lets pending promises and the React updates they cause run. */
async function settle(): Promise<void> {
  await act(async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  });
}

const alerts = (view: HTMLElement): (string | null)[] => [...view.querySelectorAll('[role="alert"]')].map((a) => a.textContent);
const button = (view: HTMLElement, name: string): HTMLButtonElement | undefined => [...view.querySelectorAll('button')].find((b) => b.textContent === name);

describe('the save window (issue 12)', () => {
  it('says why the job could not be loaded', async () => {
    const view = render(<SavePage load={() => Promise.reject(new Error('This save is no longer known.'))} start={vi.fn()} openPlaylist={vi.fn()} openOptions={vi.fn()} close={vi.fn()} />);
    await settle();
    expect(alerts(view)).toEqual(['This save is no longer known.']);
  });

  it('a save that fails shows the reason, reads the job again for what was saved, and can be tried again', async () => {
    const load = vi.fn<() => Promise<SaveJobView>>().mockResolvedValueOnce(saveJob()).mockResolvedValue(saveJob({ state: 'failed', added: 100, error: 'Spotify answered 403.' }));
    const start = vi.fn<(name: string) => Promise<SaveJobView>>().mockRejectedValueOnce(new Error('network error (offline)')).mockResolvedValue(saveJob({ state: 'done', added: 250, playlistUrl: 'https://open.spotify.com/playlist/x' }));
    const view = render(<SavePage load={load} start={start} openPlaylist={vi.fn()} openOptions={vi.fn()} close={vi.fn()} pollMs={60_000} />);
    await settle();
    act(() => button(view, 'Save to Spotify')?.click());
    expect(button(view, 'Save to Spotify')?.disabled).toBe(true);
    await settle();
    expect(start).toHaveBeenCalledWith('Mix · Workout');
    expect(load).toHaveBeenCalledTimes(2);
    expect(alerts(view)).toEqual([expect.stringContaining('Spotify answered 403. Saved so far: 100 of 250 tracks.'), 'network error (offline)']);
    const again = button(view, 'Try again');
    expect(again?.disabled).toBe(false);
    act(() => again?.click());
    await settle();
    expect(alerts(view)).toEqual([]);
    expect(view.querySelector('[data-testid="save-summary"]')?.textContent).toBe('Saved 250 tracks to Mix · Workout (private).');
  });
});

describe('the whole-list read window (issue 12)', () => {
  it('a read that fails shows the reason and can be tried again; a read that ends says how much it read', async () => {
    const start = vi.fn<() => Promise<ReadJobView>>().mockRejectedValueOnce(new Error('Spotify is not connected.')).mockResolvedValue(readJob({ state: 'done', count: 10_000, total: 12_345 }));
    const view = render(<ReadPage load={() => Promise.resolve(readJob())} start={start} openOptions={vi.fn()} close={vi.fn()} />);
    await settle();
    act(() => button(view, 'Read with Spotify')?.click());
    expect(button(view, 'Reading…')?.disabled).toBe(true);
    await settle();
    expect(alerts(view)).toEqual(['Spotify is not connected.']);
    act(() => button(view, 'Read with Spotify')?.click());
    await settle();
    expect(alerts(view)).toEqual([]);
    expect(view.querySelector('[data-testid="read-result"]')?.textContent).toBe('Read the first 10000 of 12345 tracks through your Spotify account (one read takes at most 10000). The panel on the page shows them.');
  });
});
