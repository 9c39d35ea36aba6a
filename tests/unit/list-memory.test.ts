import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { MAX_REMEMBERED_LISTS, createListMemory, listKey } from '@/lib/background/list-memory';
import type { ListReport } from '@/lib/shared/messaging';
import { useFreshDatabases } from './support/databases';
import { trackId } from './support/fixtures';

const freshDb = useFreshDatabases('lists');

const item = (position: number, id: string): ListReport['items'][number] => ({ trackId: id, name: `Song ${position}`, artists: ['X'], position, state: { status: 'loading' } });
const playlist = { kind: 'playlist' as const, id: 'abc123' };
const id = (i: number) => trackId(i, 'L');

describe('list memory', () => {
  it('keys lists by kind and ID (Liked Songs has one)', () => {
    expect(listKey(playlist)).toBe('playlist:abc123');
    expect(listKey({ kind: 'album', id: 'abc123' })).toBe('album:abc123');
    expect(listKey({ kind: 'liked' })).toBe('liked');
  });

  it('keeps the track at each reported position; a later report replaces what it covers and keeps the rest', async () => {
    const memory = createListMemory(freshDb());
    const [a, b, c, d, e] = [id(0), id(1), id(2), id(3), id(4)];
    await memory.remember(playlist, { items: [item(0, a), item(1, b), item(2, c)] });
    expect(await memory.trackIds(playlist, 10)).toEqual([a, b, c]);
    // The list was edited: position 1 now holds d; a revisit reported the top two rows and one far down.
    await memory.remember(playlist, { items: [item(0, a), item(1, d), item(5, e)] });
    expect(await memory.trackIds(playlist, 10)).toEqual([a, d, c, e]);
    expect(await memory.trackIds(playlist, 2)).toEqual([a, d]);
    expect(await memory.trackIds({ kind: 'album', id: 'abc123' }, 10)).toEqual([]);
  });

  it('drops positions past the list\'s length when the page gives it, and lists a track that appears twice once', async () => {
    const db = freshDb();
    const memory = createListMemory(db);
    const [a, b, c] = [id(0), id(1), id(2)];
    await memory.remember(playlist, { items: [item(0, a), item(1, b), item(2, c), item(3, a)] });
    expect(await memory.trackIds(playlist, 10)).toEqual([a, b, c]);
    await memory.remember(playlist, { items: [item(0, b)], total: 2 });
    expect(await memory.trackIds(playlist, 10)).toEqual([b]);
    expect((await db.lists.get(listKey(playlist)))?.tracks).toEqual([b, b]);
  });

  it(`remembers the ${MAX_REMEMBERED_LISTS} most recently reported lists`, async () => {
    const memory = createListMemory(freshDb());
    const list = (i: number) => ({ kind: 'playlist' as const, id: `list${i}` });
    const report = async (i: number) => memory.remember(list(i), { items: [item(0, trackId(i, 'M'))] }, 1_000 + i);
    for (let i = 0; i < MAX_REMEMBERED_LISTS; i++) await report(i);
    expect(await memory.trackIds(list(0), 10)).toEqual([trackId(0, 'M')]);
    // The first list is reported again (now the most recent), then two new lists come.
    await memory.remember(list(0), { items: [item(1, trackId(999, 'M'))] }, 5_000);
    await report(MAX_REMEMBERED_LISTS);
    await report(MAX_REMEMBERED_LISTS + 1);
    expect(await memory.trackIds(list(0), 10)).toEqual([trackId(0, 'M'), trackId(999, 'M')]);
    expect(await memory.trackIds(list(1), 10)).toEqual([]);
    expect(await memory.trackIds(list(2), 10)).toEqual([]);
    expect(await memory.trackIds(list(3), 10)).toEqual([trackId(3, 'M')]);
    expect(await memory.count(), 'lists remembered').toBe(MAX_REMEMBERED_LISTS);
  });

  it('an empty report changes nothing; clear forgets every list', async () => {
    const db = freshDb();
    const memory = createListMemory(db);
    const a = id(0);
    await memory.remember(playlist, { items: [item(0, a)] });
    await memory.remember(playlist, { items: [], total: 0 });
    expect(await memory.trackIds(playlist, 10)).toEqual([a]);
    expect(await memory.count()).toBe(1);
    await memory.clear();
    expect(await memory.count()).toBe(0);
    expect(await memory.trackIds(playlist, 10)).toEqual([]);
    expect(await db.lists.count()).toBe(0);
  });

  it('reads an invalid stored row (not written by this module) as a list never reported, and a new report replaces it', async () => {
    const db = freshDb();
    const memory = createListMemory(db);
    await db.lists.put({ key: 'playlist:abc123', tracks: ['not a track ID', 42] as unknown as string[], seenAt: 1 });
    expect(await memory.trackIds(playlist, 10)).toEqual([]);
    const a = id(0);
    await memory.remember(playlist, { items: [item(0, a)] });
    expect(await memory.trackIds(playlist, 10)).toEqual([a]);
  });

  it('version 4 adds the lists table and keeps a version-3 database\'s feature records', async () => {
    const name = `lists-upgrade-${crypto.randomUUID()}`;
    const old = new Dexie(name);
    old.version(3).stores({ features: 'trackId, fetchedAt, usedAt', tracks: 'trackId, seenAt, *words', connection: 'key', availability: 'clientId' });
    await old.table('features').put({ trackId: trackId(1), features: null, provider: 'reccobeats', fetchedAt: 1, usedAt: 1 });
    old.close();
    const db = freshDb(name);
    expect(await db.features.count()).toBe(1);
    await createListMemory(db).remember(playlist, { items: [item(0, trackId(2))] });
    expect(await db.lists.count()).toBe(1);
  });
});

