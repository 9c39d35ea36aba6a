import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { MessageHandlers } from '@/lib/background/message-handlers';
import { createMessageRouter, listenForMessages, senderKind, type MessageSenderLike, type WireReply } from '@/lib/background/message-router';
import { sendMessage, type MessageName, type ReadJobView, type SaveJobView, type Status, type TrackResult } from '@/lib/shared/messaging';
import { trackId } from './support/fixtures';

beforeEach(() => fakeBrowser.reset());

const self = { id: 'abcdefghijklmnopabcdefghijklmnop', baseUrl: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop/' };
const SENDERS = {
  popup: { id: self.id, url: `${self.baseUrl}popup.html`, origin: `chrome-extension://${self.id}` },
  optionsInTab: { id: self.id, url: `${self.baseUrl}options.html`, tab: { id: 3 } },
  spotifyTab: { id: self.id, url: 'https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M', origin: 'https://open.spotify.com', tab: { id: 7 } },
  spotifyWithoutTab: { id: self.id, url: 'https://open.spotify.com/' },
  otherSite: { id: self.id, url: 'https://evil.example/', tab: { id: 9 } },
  spotifyLookalike: { id: self.id, url: 'https://open.spotify.com.evil.example/', tab: { id: 9 } },
  otherExtension: { id: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', url: 'chrome-extension://zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz/page.html' },
  originMismatch: { id: self.id, url: `${self.baseUrl}popup.html`, origin: 'https://open.spotify.com', tab: { id: 7 } },
  noUrl: { id: self.id },
  firefoxPage: { id: self.id, url: 'moz-extension://1f2e3d4c-0000-4000-8000-000000000000/options.html' },
} satisfies Record<string, MessageSenderLike>;

const status: Status = {
  spotify: { redirectUri: 'https://x.chromiumapp.org/', clientId: null, connected: false, audioFeatures: { state: 'unknown' }, problem: null },
  cache: { tracks: 0, bytes: 0, limit: 100_000, lists: 0, problem: null },
};

const JOB_ID = '00000000-0000-4000-8000-000000000001';
const readView: ReadJobView = { id: JOB_ID, listName: 'Mix', list: { kind: 'liked' }, state: 'ready', connected: true, scope: 'user-library-read', needsScope: true };
const saveView: SaveJobView = { id: JOB_ID, name: 'n', description: '', count: 1, preview: [], added: 0, state: 'ready', connected: true, needsScope: true };

function fakeHandlers() {
  const calls: MessageName[] = [];
  const handlers: MessageHandlers = {
    classify: vi.fn(async ({ trackIds }: { trackIds: string[] }) => (calls.push('classify'), trackIds.map((id): TrackResult => ({ trackId: id, status: 'unknown' })))),
    search: vi.fn(async () => (calls.push('search'), { source: 'seen' as const, hits: [] })),
    status: vi.fn(async () => (calls.push('status'), status)),
    connectSpotify: vi.fn(async () => (calls.push('connectSpotify'), status)),
    disconnectSpotify: vi.fn(async () => (calls.push('disconnectSpotify'), status)),
    clearCache: vi.fn(async () => (calls.push('clearCache'), status)),
    prepareSave: vi.fn(async () => (calls.push('prepareSave'), { jobId: JOB_ID })),
    saveJob: vi.fn(async () => (calls.push('saveJob'), saveView)),
    startSave: vi.fn(async () => (calls.push('startSave'), saveView)),
    prepareRead: vi.fn(async () => (calls.push('prepareRead'), { jobId: JOB_ID })),
    readJob: vi.fn(async () => (calls.push('readJob'), readView)),
    startRead: vi.fn(async () => (calls.push('startRead'), readView)),
    reportList: vi.fn(async () => (calls.push('reportList'), {})),
    warmList: vi.fn(async () => (calls.push('warmList'), { results: [], next: null })),
    tabList: vi.fn(async () => (calls.push('tabList'), { report: null })),
  };
  return { handlers, calls };
}

const REQUESTS: { [N in MessageName]: unknown } = {
  classify: { trackIds: [trackId(1)] },
  search: { query: 'a' },
  status: {},
  connectSpotify: { clientId: 'abcdef0123456789abcdef0123456789' },
  disconnectSpotify: {},
  clearCache: {},
  prepareSave: { listName: 'Mix', themes: ['workout'], tracks: [{ trackId: trackId(1), name: 'a', artists: [] }] },
  saveJob: { jobId: JOB_ID },
  startSave: { jobId: JOB_ID, name: 'Mix · Workout' },
  prepareRead: { list: { kind: 'playlist', id: 'abc' }, listName: 'Mix' },
  readJob: { jobId: JOB_ID },
  reportList: { listName: 'Mix', items: [] },
  warmList: { list: { kind: 'liked' } },
  tabList: { tabId: 3 },
  startRead: { jobId: JOB_ID },
};
/**
 * What the content script may send: the badges' classify, prepareSave / prepareRead (which only
 * open a confirmation window), reportList (its own tab's list, for the popup) and warmList (the
 * cached results of the list it opens).
 */
const OPEN_TO_CONTENT_SCRIPT: readonly MessageName[] = ['classify', 'prepareSave', 'prepareRead', 'reportList', 'warmList'];
/** What only the content script may send (about the tab it runs in). */
const CONTENT_SCRIPT_ONLY: readonly MessageName[] = ['prepareRead', 'reportList', 'warmList'];
const wire = (type: string, data: unknown) => ({ id: 1, type, data, timestamp: 1 });

async function route(router: ReturnType<typeof createMessageRouter>, message: unknown, sender: MessageSenderLike): Promise<WireReply | undefined> {
  return router(message, sender);
}

describe('senderKind', () => {
  it('tells extension pages, the Spotify content script and everyone else apart', () => {
    expect(senderKind(SENDERS.popup, self)).toBe('extension-page');
    expect(senderKind(SENDERS.optionsInTab, self)).toBe('extension-page');
    expect(senderKind(SENDERS.spotifyTab, self)).toBe('spotify-tab');
    for (const name of ['spotifyWithoutTab', 'otherSite', 'spotifyLookalike', 'otherExtension', 'originMismatch', 'noUrl'] as const) {
      expect(senderKind(SENDERS[name], self), name).toBe('other');
    }
  });

  it('recognizes Firefox extension pages by their moz-extension base URL', () => {
    const firefox = { id: self.id, baseUrl: 'moz-extension://1f2e3d4c-0000-4000-8000-000000000000/' };
    expect(senderKind(SENDERS.firefoxPage, firefox)).toBe('extension-page');
    expect(senderKind(SENDERS.firefoxPage, self)).toBe('other');
  });
});

describe('message router', () => {
  it('answers every message from an extension page but the content script\'s own prepareRead, reportList and warmList', async () => {
    const { handlers, calls } = fakeHandlers();
    const router = createMessageRouter({ handlers, self, log: { warn: vi.fn() } });
    for (const name of Object.keys(REQUESTS) as MessageName[]) {
      const reply = await route(router, wire(name, REQUESTS[name]), SENDERS.popup);
      if (CONTENT_SCRIPT_ONLY.includes(name)) expect(reply, name).toEqual({ err: expect.objectContaining({ name: 'MessageRefusedError' }) });
      else expect(reply, name).toHaveProperty('res');
    }
    expect(calls).toEqual(Object.keys(REQUESTS).filter((n) => !(CONTENT_SCRIPT_ONLY as readonly string[]).includes(n)));
  });

  it('gives the Spotify content script classify, prepareSave, prepareRead, reportList and warmList only; every other message (startSave, startRead, tabList included) is refused before its handler runs', async () => {
    const { handlers, calls } = fakeHandlers();
    const warn = vi.fn();
    const router = createMessageRouter({ handlers, self, log: { warn } });
    for (const name of Object.keys(REQUESTS) as MessageName[]) {
      const reply = await route(router, wire(name, REQUESTS[name]), SENDERS.spotifyTab);
      if (OPEN_TO_CONTENT_SCRIPT.includes(name)) expect(reply, name).toHaveProperty('res');
      else expect(reply, name).toEqual({ err: expect.objectContaining({ name: 'MessageRefusedError', message: expect.stringContaining('Spotify page') }) });
    }
    expect(calls).toEqual(OPEN_TO_CONTENT_SCRIPT);
    expect(warn).toHaveBeenCalledTimes(Object.keys(REQUESTS).length - OPEN_TO_CONTENT_SCRIPT.length);
  });

  it('refuses everything from other senders', async () => {
    const { handlers, calls } = fakeHandlers();
    const router = createMessageRouter({ handlers, self, log: { warn: vi.fn() } });
    for (const sender of [SENDERS.otherSite, SENDERS.otherExtension, SENDERS.spotifyWithoutTab, SENDERS.originMismatch, SENDERS.noUrl]) {
      for (const name of Object.keys(REQUESTS) as MessageName[]) {
        expect(await route(router, wire(name, REQUESTS[name]), sender)).toEqual({ err: expect.objectContaining({ name: 'MessageRefusedError' }) });
      }
    }
    expect(calls).toEqual([]);
  });

  it('refuses unknown types, inherited object properties included, before any dispatch', async () => {
    const { handlers, calls } = fakeHandlers();
    const router = createMessageRouter({ handlers, self, log: { warn: vi.fn() } });
    for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'nope']) {
      expect(await route(router, wire(type, {}), SENDERS.popup), type).toEqual({ err: expect.objectContaining({ name: 'MessageRefusedError', message: expect.stringContaining('Unknown message type') }) });
    }
    expect(calls).toEqual([]);
  });

  it('refuses a request that fails its schema, naming the problem', async () => {
    const { handlers, calls } = fakeHandlers();
    const router = createMessageRouter({ handlers, self, log: { warn: vi.fn() } });
    const a = trackId(1);
    const b = trackId(2);
    const bad = await route(router, wire('classify', { trackIds: [a], seen: [{ trackId: b, name: 'x', artists: [] }] }), SENDERS.spotifyTab);
    expect(bad).toEqual({ err: expect.objectContaining({ name: 'InvalidRequestError', message: expect.stringContaining('seen') }) });
    expect(await route(router, wire('status', { extra: 1 }), SENDERS.popup)).toEqual({ err: expect.objectContaining({ name: 'InvalidRequestError' }) });
    expect(calls).toEqual([]);
  });

  it('ignores what is not in the wire format (no answer)', () => {
    const router = createMessageRouter({ handlers: fakeHandlers().handlers, self, log: { warn: vi.fn() } });
    for (const message of [null, 'classify', 42, [], {}, { type: 'classify' }, { type: 3, data: {}, timestamp: 1 }, { type: 'classify', data: {}, timestamp: '1' }]) {
      expect(router(message, SENDERS.popup)).toBeUndefined();
    }
  });

  it("serializes a handler's error into the answer", async () => {
    const { handlers } = fakeHandlers();
    handlers.clearCache = async () => {
      throw new Error('disk on fire');
    };
    const router = createMessageRouter({ handlers, self, log: { warn: vi.fn() } });
    expect(await route(router, wire('clearCache', {}), SENDERS.popup)).toEqual({ err: expect.objectContaining({ message: 'disk on fire' }) });
  });
});

describe('listenForMessages', () => {
  it('answers sendMessage through runtime.onMessage, and refuses a sender the browser reports as a page', async () => {
    const { handlers } = fakeHandlers();
    // The fake browser reports an empty sender; the real one fills in id, url, origin and tab.
    const remove = listenForMessages(createMessageRouter({ handlers, self, log: { warn: vi.fn() } }), {
      addListener: (listener) => fakeBrowser.runtime.onMessage.addListener((message, _sender, sendResponse) => listener(message, SENDERS.popup, sendResponse)),
      removeListener: () => fakeBrowser.runtime.onMessage.removeAllListeners(),
    });
    expect(await sendMessage('status', {})).toEqual(status);
    remove();
    listenForMessages(createMessageRouter({ handlers, self, log: { warn: vi.fn() } }), fakeBrowser.runtime.onMessage);
    await expect(sendMessage('status', {})).rejects.toThrow(/not accepted/);
  });
});
