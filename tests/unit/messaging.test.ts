import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { z } from 'zod';
import { ClassifyRequestSchema, InvalidMessageError, PROTOCOL, SEARCH_QUERY_MAX_LENGTH, WARM_LIST_MAX_TRACKS, WARM_LIST_PAGE_TRACKS, isMessageName, sendClassify, sendMessage, type TrackResult } from '@/lib/shared/messaging';
import { errorMessage } from '@/lib/shared/error-message';
import { trackId } from './support/fixtures';

beforeEach(() => fakeBrowser.reset());

const result = (id: string): TrackResult => ({ trackId: id, status: 'unknown' });

/** The envelope every runtime message has on the wire (`{ type, data, timestamp }`). */
const Envelope = z.object({ type: z.string(), data: z.unknown() });

/** Answers every runtime message with `reply(message)` on the wire (`{ res }` or `{ err }`), as the background's router does. */
function answerWith(reply: (message: z.infer<typeof Envelope>) => unknown): unknown[] {
  const received: unknown[] = [];
  fakeBrowser.runtime.onMessage.addListener((message: unknown, _sender, sendResponse) => {
    received.push(message);
    sendResponse(reply(Envelope.parse(message)));
    return true;
  });
  return received;
}

describe('typed, validated messaging (sending side)', () => {
  it('sends a valid classify request in the wire format and returns the parsed answer', async () => {
    const a = trackId(1);
    const received = answerWith((m) => ({ res: (m.data as { trackIds: string[] }).trackIds.map(result) }));
    expect(await sendClassify([a], [{ trackId: a, name: 'Song', artists: ['A'] }])).toEqual([result(a)]);
    expect(received).toEqual([expect.objectContaining({ type: 'classify', data: { trackIds: [a], seen: [{ trackId: a, name: 'Song', artists: ['A'] }] }, timestamp: expect.any(Number) })]);
  });

  it('refuses to send an invalid request (not a track ID, too many IDs, a blank or too long search), saying why in words', async () => {
    const received = answerWith(() => ({ res: [] }));
    const refusal = async (sent: Promise<unknown>): Promise<unknown> => sent.then(() => 'sent', (error: unknown) => error);
    const notAnId = await refusal(sendClassify(['not-an-id']));
    expect(notAnId).toBeInstanceOf(InvalidMessageError);
    expect(errorMessage(notAnId)).toMatch(/^Invalid classify request: ✖ .*base62.*\n {2}→ at trackIds\[0\]$/s);
    expect(errorMessage(await refusal(sendClassify(Array.from({ length: 101 }, (_, i) => trackId(i)))))).toMatch(/^Invalid classify request: ✖ Too big: expected array to have <=100 items\n {2}→ at trackIds$/);
    expect(errorMessage(await refusal(sendMessage('search', { query: '   ' })))).toMatch(/^Invalid search request: ✖ Too small/);
    const tooLong = await refusal(sendMessage('search', { query: 'a'.repeat(SEARCH_QUERY_MAX_LENGTH + 1) }));
    expect(tooLong).toBeInstanceOf(InvalidMessageError);
    expect(errorMessage(tooLong)).toBe(`Invalid search request: ✖ Too big: expected string to have <=${SEARCH_QUERY_MAX_LENGTH} characters\n  → at query`);
    expect(received).toEqual([]);
    // The longest query is sent.
    fakeBrowser.reset();
    answerWith(() => ({ res: { source: 'seen', hits: [] } }));
    expect(await sendMessage('search', { query: 'a'.repeat(SEARCH_QUERY_MAX_LENGTH) })).toEqual({ source: 'seen', hits: [] });
  });

  it('rejects a malformed answer instead of passing it on, naming the message and the field', async () => {
    answerWith(() => ({ res: { spotify: { connected: 'yes' } } }));
    const error = await sendMessage('status', {}).then(() => 'resolved', (e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(errorMessage(error)).toMatch(/^Invalid answer to status: ✖ .*\n {2}→ at spotify\.redirectUri/s);
  });

  it("rejects with the background's error when it refuses", async () => {
    answerWith(() => ({ err: { name: 'MessageRefusedError', message: '"status" is not accepted from a Spotify page.', stack: '' } }));
    await expect(sendMessage('status', {})).rejects.toThrow('not accepted from a Spotify page');
  });
});

describe('the classify request schema', () => {
  const a = trackId(1);
  const b = trackId(2);
  const seen = (id: string) => ({ trackId: id, name: 'Song', artists: ['A'] });

  it('accepts seen tracks that are among the requested ones', () => {
    expect(ClassifyRequestSchema.safeParse({ trackIds: [a, b], seen: [seen(b)] }).success).toBe(true);
  });

  it('refuses seen tracks that were not requested, or are described twice', () => {
    expect(ClassifyRequestSchema.safeParse({ trackIds: [a], seen: [seen(b)] }).success).toBe(false);
    expect(ClassifyRequestSchema.safeParse({ trackIds: [a], seen: [seen(a), seen(a)] }).success).toBe(false);
  });

  it('accepts a seen duration in whole ms within 1 s - 2 h, and refuses anything else (issue 10)', () => {
    const withDuration = (durationMs: unknown) => ClassifyRequestSchema.safeParse({ trackIds: [a, b], seen: [{ ...seen(a), durationMs }] });
    for (const ok of [1_000, 187_000, 187_001, 7_200_000]) expect(withDuration(ok).success, String(ok)).toBe(true);
    for (const bad of [0, 999, 7_200_001, 187_000.5, -187_000, Number.NaN, Number.POSITIVE_INFINITY, '187000', null, 1e300]) {
      expect(withDuration(bad).success, String(bad)).toBe(false);
    }
    // Optional: a row that shows no duration sends none.
    expect(ClassifyRequestSchema.parse({ trackIds: [a], seen: [seen(a)] }).seen?.[0]).not.toHaveProperty('durationMs');
    // A title-less entry may carry just the duration; it is still tied to the request's own tracks.
    expect(ClassifyRequestSchema.safeParse({ trackIds: [a], seen: [{ trackId: a, name: '', artists: [], durationMs: 200_000 }] }).success).toBe(true);
    expect(ClassifyRequestSchema.safeParse({ trackIds: [a], seen: [{ trackId: b, name: '', artists: [], durationMs: 200_000 }] }).success).toBe(false);
    expect(ClassifyRequestSchema.safeParse({ trackIds: [a], seen: [{ ...seen(a), durationMs: 200_000 }, { ...seen(a), durationMs: 300_000 }] }).success).toBe(false);
  });

  it('caps every string and array a page can fill', () => {
    expect(ClassifyRequestSchema.safeParse({ trackIds: [a], seen: [{ trackId: a, name: 'x'.repeat(201), artists: [] }] }).success).toBe(false);
    expect(ClassifyRequestSchema.safeParse({ trackIds: [a], seen: [{ trackId: a, name: 'x', artists: ['y'.repeat(201)] }] }).success).toBe(false);
    expect(ClassifyRequestSchema.safeParse({ trackIds: [a], seen: [{ trackId: a, name: 'x', artists: Array.from({ length: 11 }, () => 'y') }] }).success).toBe(false);
    expect(ClassifyRequestSchema.safeParse({ trackIds: [], seen: [] }).success).toBe(false);
  });
});

describe('protocol table', () => {
  it('knows only its own message names, not inherited object properties', () => {
    for (const name of Object.keys(PROTOCOL)) expect(isMessageName(name)).toBe(true);
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'unknown', 42, null]) expect(isMessageName(name)).toBe(false);
  });

  it('opens only classify, prepareSave and prepareRead (which only open a confirmation window), reportList (its own tab\'s list) and warmList (the cached results of a list) to the Spotify content script', () => {
    const open = Object.entries(PROTOCOL).filter(([, m]) => (m.senders as readonly string[]).includes('spotify-tab')).map(([name]) => name);
    expect(open).toEqual(['classify', 'prepareSave', 'prepareRead', 'reportList', 'warmList']);
  });

  it(`a warmList page carries answers only (no error results), at most ${WARM_LIST_PAGE_TRACKS}, and the next page within the first ${WARM_LIST_MAX_TRACKS} tracks`, () => {
    const { request, response } = PROTOCOL.warmList;
    const results = (n: number) => Array.from({ length: n }, (_, i) => result(trackId(i)));
    expect(response.safeParse({ results: results(1), next: null }).success).toBe(true);
    expect(response.safeParse({ results: results(1) }).success).toBe(false);
    expect(response.safeParse({ results: [{ trackId: trackId(1), status: 'error', message: 'x' }], next: null }).success).toBe(false);
    expect(response.safeParse({ results: results(WARM_LIST_PAGE_TRACKS), next: WARM_LIST_PAGE_TRACKS }).success).toBe(true);
    expect(response.safeParse({ results: results(WARM_LIST_PAGE_TRACKS + 1), next: null }).success).toBe(false);
    for (const next of [0, WARM_LIST_MAX_TRACKS, 1.5]) expect(response.safeParse({ results: [], next }).success, `next ${next}`).toBe(false);
    expect(request.safeParse({ list: { kind: 'liked' }, from: WARM_LIST_MAX_TRACKS - 1 }).success).toBe(true);
    for (const from of [-1, WARM_LIST_MAX_TRACKS, 0.5]) expect(request.safeParse({ list: { kind: 'liked' }, from }).success, `from ${from}`).toBe(false);
    expect(request.safeParse({ list: { kind: 'artist', id: 'abc' } }).success).toBe(false);
  });
});
