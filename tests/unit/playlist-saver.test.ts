import { describe, expect, it } from 'vitest';
import { playlistDescription, playlistName, runSaveJob, savedPrefix, type SaveJob } from '@/lib/background/playlist-saver';
import { MAX_PLAYLIST_NAME_LENGTH } from '@/lib/shared/save-limits';
import { SpotifyApiError } from '@/lib/background/spotify-client';
import { MAX_URIS_PER_ADD, type PlaylistsApi } from '@/lib/background/spotify-playlists';
import { trackId } from './support/fixtures';
import { memoryJobStore } from './support/save-fakes';

const NO_WAIT = { retries: 4, minTimeout: 0, factor: 1, maxTimeout: 0 };

/** `n` distinct track URIs. */
const uris = (n: number): string[] => Array.from({ length: n }, (_, i) => `spotify:track:${trackId(i + 1)}`);

function job(overrides: Partial<SaveJob> = {}): SaveJob {
  return { id: '00000000-0000-4000-8000-000000000001', name: 'Mix · Workout', description: 'd', uris: uris(250), preview: [], added: 0, unsure: false, state: 'ready', createdAt: 0, ...overrides };
}

/** One failure to inject into a call: before it is applied, or after (the answer is lost). */
type Fault = { readonly when: 'before' | 'after'; readonly error: Error };

/**
 * An in-memory Spotify account with one playlist store, and faults queued per call kind: each call
 * takes the next entry, `undefined` for a call that goes through.
 */
function fakeApi() {
  const playlists = new Map<string, string[]>();
  const calls: string[] = [];
  const faults: Record<'create' | 'add' | 'read', (Fault | undefined)[]> = { create: [], add: [], read: [] };
  const run = async <T>(kind: 'create' | 'add' | 'read', apply: () => T): Promise<T> => {
    const fault = faults[kind].shift();
    if (fault?.when === 'before') throw fault.error;
    const result = apply();
    if (fault?.when === 'after') throw fault.error;
    return result;
  };
  const api: PlaylistsApi = {
    createPrivatePlaylist: (name) =>
      run('create', () => {
        calls.push(`create ${name}`);
        const id = `pl${playlists.size + 1}`;
        playlists.set(id, []);
        return { id, url: `https://open.spotify.com/playlist/${id}` };
      }),
    addItems: (id, batch) =>
      run('add', () => {
        calls.push(`add ${batch.length}`);
        playlists.get(id)?.push(...batch);
      }),
    itemUris: (id) =>
      run('read', () => {
        calls.push('read');
        return [...(playlists.get(id) ?? [])];
      }),
  };
  return { api, playlists, calls, faults };
}

const http = (status: number) => new SpotifyApiError('http', `HTTP ${status}`, { status });
const lost = () => new SpotifyApiError('network', 'network error (connection reset)');

describe('saving a selection as a playlist (issue 12)', () => {
  it('creates one private playlist and adds every track once, in order, in batches of at most 100', async () => {
    const { api, playlists, calls } = fakeApi();
    const store = memoryJobStore();
    const done = await runSaveJob(job(), { api, store, retry: NO_WAIT });
    expect(done).toMatchObject({ state: 'done', added: 250, unsure: false, playlist: { id: 'pl1' } });
    expect(calls).toEqual(['create Mix · Workout', 'add 100', 'add 100', 'add 50']);
    expect(playlists.get('pl1')).toEqual(uris(250));
    expect(MAX_URIS_PER_ADD).toBe(100);
    // Stored before the first request, with the playlist's ID before any item, and after every batch.
    expect(store.saved[0]?.state).toBe('saving');
    expect(store.saved[0]?.playlist).toBeUndefined();
    expect(store.saved.findIndex((j) => j.playlist) < store.saved.findIndex((j) => j.unsure)).toBe(true);
    expect(store.saved.at(-1)).toEqual(done);
  });

  it('a 500 on the second batch (not applied): read back, then the batch again; each track once', async () => {
    const { api, playlists, calls, faults } = fakeApi();
    // First batch fine, the second fails before it is applied.
    faults.add.push(undefined, { when: 'before', error: http(500) });
    const done = await runSaveJob(job(), { api, store: memoryJobStore(), retry: NO_WAIT });
    expect(done.state).toBe('done');
    expect(playlists.get('pl1')).toEqual(uris(250));
    expect(calls).toEqual(['create Mix · Workout', 'add 100', 'read', 'add 100', 'add 50']);
  });

  it('a batch applied whose answer was lost is not sent again: the read-back finds it', async () => {
    const { api, playlists, calls, faults } = fakeApi();
    faults.add.push(undefined, { when: 'after', error: lost() });
    const done = await runSaveJob(job(), { api, store: memoryJobStore(), retry: NO_WAIT });
    expect(done.state).toBe('done');
    expect(playlists.get('pl1')).toEqual(uris(250));
    expect(calls).toEqual(['create Mix · Workout', 'add 100', 'add 100', 'read', 'add 50']);
  });

  it('a 403 stops the job with the reason, and resuming it (read back first) completes it without duplicates', async () => {
    const { api, playlists, calls, faults } = fakeApi();
    const store = memoryJobStore();
    faults.add.push(undefined, { when: 'before', error: http(403) });
    const stopped = await runSaveJob(job(), { api, store, retry: NO_WAIT });
    expect(stopped).toMatchObject({ state: 'failed', added: 100, unsure: true });
    expect(stopped.error).toBe('Stopped after 100 of 250 tracks were saved: HTTP 403');
    const resumed = await runSaveJob(stopped, { api, store, retry: NO_WAIT });
    expect(resumed).toMatchObject({ state: 'done', added: 250, error: undefined });
    expect(playlists.get('pl1')).toEqual(uris(250));
    expect(calls.filter((c) => c.startsWith('create'))).toHaveLength(1);
    expect(calls.slice(-3)).toEqual(['read', 'add 100', 'add 50']);
  });

  it('resumes a job the background stopped in the middle of a batch (stored unsure), from what the playlist holds', async () => {
    const { api, playlists, calls } = fakeApi();
    await api.createPrivatePlaylist('Mix · Workout', 'd');
    await api.addItems('pl1', uris(250).slice(0, 100));
    await api.addItems('pl1', uris(250).slice(100, 200));
    calls.length = 0;
    const done = await runSaveJob(job({ playlist: { id: 'pl1', url: 'u' }, added: 100, unsure: true, state: 'saving' }), { api, store: memoryJobStore(), retry: NO_WAIT });
    expect(done.state).toBe('done');
    expect(calls).toEqual(['read', 'add 50']);
    expect(playlists.get('pl1')).toEqual(uris(250));
  });

  it('retries 429s with backoff, gives up after the retries with the reason, and never creates a second playlist after a lost create', async () => {
    const { api, calls, faults } = fakeApi();
    faults.create.push({ when: 'before', error: http(429) });
    expect((await runSaveJob(job({ uris: uris(3) }), { api, store: memoryJobStore(), retry: NO_WAIT })).state).toBe('done');
    expect(calls[0]).toBe('create Mix · Workout');

    const second = fakeApi();
    for (let i = 0; i < 5; i++) second.faults.create.push({ when: 'before', error: http(503) });
    const failed = await runSaveJob(job({ uris: uris(3) }), { api: second.api, store: memoryJobStore(), retry: NO_WAIT });
    expect(failed).toMatchObject({ state: 'failed', error: 'Stopped before the playlist was created: HTTP 503' });

    const third = fakeApi();
    third.faults.create.push({ when: 'after', error: new SpotifyApiError('malformed', 'malformed response') });
    const unknown = await runSaveJob(job({ uris: uris(3) }), { api: third.api, store: memoryJobStore(), retry: NO_WAIT });
    expect(unknown.state).toBe('failed');
    expect(third.playlists.size).toBe(1);
  });

  it('refuses to go on when the playlist holds something else than the selection\'s first tracks', () => {
    const all = uris(5);
    expect(savedPrefix(all.slice(0, 3), all)).toBe(3);
    expect(savedPrefix([], all)).toBe(0);
    expect(() => savedPrefix([all[1] ?? ''], all)).toThrow(/changed meanwhile/);
    expect(() => savedPrefix([...all, all[0] ?? ''], all)).toThrow(/changed meanwhile/);
  });
});

describe('naming the new playlist (issue 12)', () => {
  it('names it after the list and the picked themes, within the length limit', () => {
    expect(playlistName('Morning Run', ['Workout'])).toBe('Morning Run · Workout');
    expect(playlistName('Morning Run', ['Workout', 'Party'])).toBe('Morning Run · Workout + Party');
    expect(playlistName('Morning Run', ['Workout', 'Party', 'Chill'])).toBe('Morning Run · 3 themes');
    expect(playlistName('  ', [])).toBe('Spotify list');
    const long = playlistName('x'.repeat(300), ['Workout']);
    expect(long).toHaveLength(MAX_PLAYLIST_NAME_LENGTH);
    expect(long.endsWith('… · Workout')).toBe(true);
  });

  it('describes how it was made, within 300 characters', () => {
    expect(playlistDescription('Morning Run', ['Workout'], 42, new Date(Date.UTC(2026, 11, 5)))).toBe(
      'Made by Playlist Predictor on 2026-12-05 from “Morning Run”: the tracks whose badge was Workout (42), themes predicted on-device from audio features.',
    );
    expect(playlistDescription('y'.repeat(500), ['A', 'B'], 1, new Date(0)).length).toBeLessThanOrEqual(300);
  });
});
