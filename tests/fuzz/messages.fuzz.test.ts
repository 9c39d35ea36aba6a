/**
 * Fuzz: runtime messages from every kind of sender, through the background's real receiver.
 *
 * What runs: `createMessageRouter` over the real `createMessageHandlers`, wired as
 * `entrypoints/background.ts` wires them: the real feature cache and token store over one
 * `PredictorDatabase` (fake-indexeddb), the real theme service (with a fake provider and a fake
 * classifier: no network, no TF.js), the real Spotify auth (fake sign-in window and token
 * endpoint), the real Spotify client and search (fake Web API), and the settings in WXT storage
 * (`fakeBrowser`). The database starts with a connection, features and seen titles, so there is
 * something to lose.
 *
 * Inputs, per sender kind (`extension-page`, `spotify-tab`, `other`: the label is decided here
 * from how the sender was built, never by asking `senderKind`): realistic `MessageSender`s (popup,
 * options in a tab, Spotify tabs, look-alike hosts, other extensions, no URL, `origin` and `url`
 * disagreeing, ...) and wire messages: valid requests of every type, near-valid ones (too many
 * IDs, seen entries for IDs not requested or twice, names over the caps, durations outside
 * 1 s - 2 h or not whole ms, bad IDs, wrong types, prototype keys, deep nesting), unknown and
 * inherited types (`constructor`, `__proto__`, ...),
 * random JSON-ish data and things that are not wire messages at all.
 *
 * Per input:
 * - crash: the router throws, its promise rejects, or the reply is neither `{res}` nor `{err}`.
 * - hang: the reply has not settled after {@link REPLY_DEADLINE_MS} of real time (every fake
 *   answers at once, so anything slower is stuck).
 * - rejected: no answer (not in the wire format) or `{err}` with a message.
 * - forbidden: `{res}` or a handler call for a sender that `PROTOCOL[type].senders` does not
 *   list, or `{res}` for a request that fails its schema.
 * - wrong: an `{err}` without a message, or a `{res}` that fails the message's response schema
 *   (what the sender's `sendMessage` would throw on), or classify results not one per ID in order.
 * - dataLost: any stored change the message may not cause: a refused message changes nothing;
 *   settings never change; the connection only through connect/disconnect from an extension page;
 *   feature records only for the IDs classified; seen titles only for the request's `seen` IDs
 *   (each within `SEEN_NAME_MAX_LENGTH` / `SEEN_MAX_ARTISTS`) or Spotify search hits; deletions
 *   only by clearCache (and connect's clearing of "unknown" records); remembered lists only by a
 *   Spotify tab's report of that list, emptied only by clearCache.
 */
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { createSpotifyAuth } from '@/lib/background/auth/spotify-auth';
import { createTokenStore } from '@/lib/background/auth/token-store';
import { PredictorDatabase, createFeatureCache, type FeatureCache, type TrackInfo } from '@/lib/background/cache';
import { createMessageHandlers, type MessageHandlers, type SpotifyAccount } from '@/lib/background/message-handlers';
import { createMessageRouter, type MessageSenderLike } from '@/lib/background/message-router';
import type { AudioFeatureProvider, ProviderResult } from '@/lib/background/providers/types';
import { createSpotifyAccount } from '@/lib/background/spotify-account';
import { createSpotifyClient } from '@/lib/background/spotify-client';
import { createSpotifySearch } from '@/lib/background/spotify-search';
import { createThemeService } from '@/lib/background/theme-service';
import { modelThemeInfo } from '@/lib/shared/bundled-metadata';
import { MAX_TRACKS_PER_MESSAGE, PROTOCOL, type ApiList, SEEN_MAX_ARTISTS, SEEN_NAME_MAX_LENGTH, type MessageName, type SenderKind } from '@/lib/shared/messaging';
import { DEFAULT_SETTINGS, defineSettingsItem, effectiveThemeSettings, readSettings, writeSettings } from '@/lib/shared/settings';
import type { Classifier } from '@/model/classifier';
import { parseModelMetadata } from '@/model/metadata';
import { makeFeatures, makeMetadataJson, trackId } from '../unit/support/fixtures';
import { CLIENT_ID, REDIRECT, connection, fakeIdentity, fakeSpotifyApi, fakeTokenEndpoint, jsonResponse } from '../unit/support/spotify-fakes';
import { createReadService } from '@/lib/background/list-reader';
import { createSaveService } from '@/lib/background/save-service';
import { createTabLists } from '@/lib/background/tab-lists';
import { createListMemory, listKey } from '@/lib/background/list-memory';
import { memoryJobStore } from '../unit/support/save-fakes';
import { EVIL_KEYS, deeplyNested, hostileString, jsonish, nearTrackId, ownProperty, validTrackId } from './support/arbitraries';
import { FUZZ_BUDGET, FUZZ_SEED, runsFor, timeoutFor } from './support/config';
import { countUnhandledRejections, describeError, runCategory, settleWithin, show } from './support/run';
import { Tally, accepted, crashed, hung, rejected, type Outcome } from './support/tally';

/** Longest a reply may take: every dependency answers at once, so this is generous. */
const REPLY_DEADLINE_MS = 5_000;
/** The theme service's classify deadline in the stalled-provider category (its default is 45 s). */
const STALLED_CLASSIFY_DEADLINE_MS = 100;

const SELF = { id: 'abcdefghijklmnopabcdefghijklmnop', baseUrl: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop/' };
const OTHER_EXTENSION = 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz';
const MESSAGE_NAMES = Object.keys(PROTOCOL) as MessageName[];

/** IDs the messages draw from, so the database stays small and messages hit stored records. */
const POOL = Array.from({ length: 240 }, (_, i) => trackId(i, 'F'));
/** The first this many IDs of {@link POOL} start with cached features. */
const PRECACHED = 60;
/** A deterministic hash of an ID: decides what the fake provider and search answer. */
const hashOf = (id: string): number => [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_003, 7);

// ---------------------------------------------------------------------------------------------
// Senders: built per kind, so the expected kind is known without asking the code under test.

interface LabelledSender {
  readonly sender: MessageSenderLike;
  readonly kind: SenderKind;
  readonly what: string;
}

/** Anything after a URL's first `/` keeps its origin. */
const pathSuffix = fc.oneof(fc.constantFrom('', 'popup.html', 'options.html', 'options.html#/cache', 'playlist/37i9dQZF1DXcBWIGoYBM5M', 'track/x?si=1'), fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 20 }));
const tab = fc.record({ id: fc.nat(), url: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }) });

const extensionPage: fc.Arbitrary<LabelledSender> = fc
  .record({ path: pathSuffix, origin: fc.constantFrom(undefined, `chrome-extension://${SELF.id}`), tab: fc.option(tab, { nil: undefined }) })
  .map(({ path, origin, tab }) => ({
    kind: 'extension-page',
    what: tab ? 'extension page in a tab' : 'popup',
    sender: { id: SELF.id, url: `${SELF.baseUrl}${path}`, ...(origin ? { origin } : {}), ...(tab ? { tab } : {}) },
  }));

/** Spellings of Spotify's origin that URL parsing normalizes to `https://open.spotify.com`. */
const spotifyOrigins = fc.constantFrom('https://open.spotify.com/', 'https://OPEN.Spotify.com/', 'https://open.spotify.com:443/', 'HTTPS://open.spotify.com/');

const spotifyTab: fc.Arbitrary<LabelledSender> = fc
  .record({ base: spotifyOrigins, path: pathSuffix, origin: fc.constantFrom(undefined, 'https://open.spotify.com'), tab })
  .map(({ base, path, origin, tab }) => ({
    kind: 'spotify-tab',
    what: 'content script on open.spotify.com',
    sender: { id: SELF.id, url: `${base}${path}`, ...(origin ? { origin } : {}), tab },
  }));

/** URLs whose origin is neither the extension's nor Spotify's, many of them made to look like one. */
const LOOKALIKE_URLS = [
  'https://open.spotify.com.evil.example/',
  'https://open.spotify.com@evil.example/',
  'https://open.spotify.com%2F@evil.example/',
  'https://evil.example/#https://open.spotify.com/',
  'https://evil.example/?u=https://open.spotify.com/',
  'https://evil.example/open.spotify.com/',
  'http://open.spotify.com/',
  'wss://open.spotify.com/',
  'https://open.spotify.com:8443/',
  'https://open.spotify.com./',
  'https://opén.spotify.com/',
  'https://xn--opn-dma.spotify.com/',
  'https://spotify.com/',
  'https://accounts.spotify.com/',
  'https://open.spotify.co/',
  'blob:https://open.spotify.com/0b0e9c52-0000-4000-8000-000000000000',
  'filesystem:https://open.spotify.com/temporary/x',
  'about:blank',
  'about:srcdoc',
  'data:text/html,<script>chrome.runtime.sendMessage()</script>',
  'javascript:void 0',
  `chrome-extension://${OTHER_EXTENSION}/page.html`,
  `chrome-extension://${SELF.id}.evil.example/popup.html`,
  `moz-extension://1f2e3d4c-0000-4000-8000-000000000000/options.html`,
  'chrome://extensions/',
  '',
  '/popup.html',
  'popup.html',
] as const;

const otherSender: fc.Arbitrary<LabelledSender> = fc.oneof(
  // Spotify's origin without a tab (a service worker or a frame the browser reports without one).
  fc.record({ base: spotifyOrigins, path: pathSuffix, tab: fc.constantFrom(undefined, null) }).map(({ base, path, tab }) => ({
    kind: 'other' as const,
    what: 'Spotify URL without a tab',
    sender: { id: SELF.id, url: `${base}${path}`, tab },
  })),
  fc.record({ url: fc.constantFrom(...LOOKALIKE_URLS), path: pathSuffix, tab: fc.option(tab, { nil: undefined }), origin: fc.constantFrom(undefined, 'https://open.spotify.com', `chrome-extension://${SELF.id}`) }).map(({ url, path, tab, origin }) => ({
    kind: 'other' as const,
    what: `look-alike or foreign URL ${url}`,
    sender: { id: SELF.id, url: url.endsWith('/') ? `${url}${path}` : url, ...(tab ? { tab } : {}), ...(origin ? { origin } : {}) },
  })),
  // Another extension, whatever URL it claims.
  fc.record({ id: fc.constantFrom(OTHER_EXTENSION, '', SELF.id.toUpperCase(), `${SELF.id} `), url: fc.constantFrom(`${SELF.baseUrl}popup.html`, 'https://open.spotify.com/', `chrome-extension://${OTHER_EXTENSION}/x.html`), tab: fc.option(tab, { nil: undefined }) }).map(({ id, url, tab }) => ({
    kind: 'other' as const,
    what: 'another extension',
    sender: { id, url, ...(tab ? { tab } : {}) },
  })),
  // No ID, or no URL.
  fc.record({ url: fc.constantFrom(`${SELF.baseUrl}popup.html`, 'https://open.spotify.com/'), tab: fc.option(tab, { nil: undefined }) }).map(({ url, tab }) => ({ kind: 'other' as const, what: 'no sender ID', sender: { url, ...(tab ? { tab } : {}) } })),
  fc.record({ tab: fc.option(tab, { nil: undefined }), origin: fc.constantFrom(undefined, 'https://open.spotify.com', `chrome-extension://${SELF.id}`) }).map(({ tab, origin }) => ({
    kind: 'other' as const,
    what: 'no URL',
    sender: { id: SELF.id, ...(tab ? { tab } : {}), ...(origin ? { origin } : {}) },
  })),
  // `origin` and `url` disagree: the document navigated, or someone lies.
  fc
    .record({
      pair: fc.constantFrom<[string, string]>(
        [`${SELF.baseUrl}popup.html`, 'https://open.spotify.com'],
        [`${SELF.baseUrl}options.html`, 'null'],
        [`${SELF.baseUrl}options.html`, ''],
        [`${SELF.baseUrl}options.html`, `chrome-extension://${OTHER_EXTENSION}`],
        ['https://open.spotify.com/', `chrome-extension://${SELF.id}`],
        ['https://open.spotify.com/', 'https://evil.example'],
        ['https://open.spotify.com/', 'https://open.spotify.com/'],
        ['https://open.spotify.com/', 'null'],
      ),
      tab: fc.option(tab, { nil: undefined }),
    })
    .map(({ pair: [url, origin], tab }) => ({ kind: 'other' as const, what: 'origin and url disagree', sender: { id: SELF.id, url, origin, ...(tab ? { tab } : {}) } })),
  // Garbage URLs: the `zz` prefix keeps them away from both origins.
  fc.record({ url: fc.string({ unit: 'binary', maxLength: 40 }), tab: fc.option(tab, { nil: undefined }) }).map(({ url, tab }) => ({ kind: 'other' as const, what: 'garbage URL', sender: { id: SELF.id, url: `zz${url}`, ...(tab ? { tab } : {}) } })),
);

// ---------------------------------------------------------------------------------------------
// Messages.

const poolId = fc.constantFrom(...POOL);
const name = hostileString.map((s) => s.slice(0, SEEN_NAME_MAX_LENGTH));
/** A valid shown duration (issue 10): whole ms within 1 s - 2 h, edges more often. */
const durationMs = fc.oneof(fc.integer({ min: 1_000, max: 7_200_000 }), fc.constantFrom(1_000, 187_000, 7_200_000));
const seenFor = (id: string) =>
  fc.record({ trackId: fc.constant(id), name, artists: fc.array(name, { maxLength: SEEN_MAX_ARTISTS }), durationMs }, { requiredKeys: ['trackId', 'name', 'artists'] });

/** A classify request that passes its schema: up to 40 IDs (sometimes up to 100), seen entries for some of them. */
const classifyValid = fc
  .oneof({ weight: 5, arbitrary: fc.uniqueArray(poolId, { minLength: 1, maxLength: 40 }) }, { weight: 1, arbitrary: fc.uniqueArray(poolId, { minLength: 41, maxLength: MAX_TRACKS_PER_MESSAGE }) })
  .chain((ids) =>
    fc.record({
      trackIds: fc.constant(ids),
      seen: fc.option(fc.subarray(ids).chain((sub) => fc.tuple(...sub.map(seenFor))), { nil: undefined, freq: 3 }),
    }),
  )
  .map(({ trackIds, seen }) => (seen === undefined ? { trackIds } : { trackIds, seen }));

/** A classify request that breaks its schema in one specific way. */
const classifyNearValid: fc.Arbitrary<unknown> = fc.oneof(
  fc.array(poolId, { minLength: MAX_TRACKS_PER_MESSAGE + 1, maxLength: 160 }).map((trackIds) => ({ trackIds })),
  fc.constantFrom(5_000, 20_000).map((n) => ({ trackIds: Array.from({ length: n }, (_, i) => POOL[i % POOL.length]) })),
  fc.tuple(classifyValid, poolId, validTrackId).map(([r, a, b]) => ({ ...r, seen: [...(r.seen ?? []), { trackId: r.trackIds.includes(a) ? b : a, name: 'not requested', artists: [] }] })),
  classifyValid.map((r) => ({ ...r, seen: [{ trackId: r.trackIds[0], name: 'once', artists: [] }, { trackId: r.trackIds[0], name: 'twice', artists: [] }] })),
  classifyValid.map((r) => ({ ...r, seen: [{ trackId: r.trackIds[0], name: 'x'.repeat(SEEN_NAME_MAX_LENGTH + 1), artists: [] }] })),
  fc.tuple(classifyValid, fc.constantFrom<unknown>(0, 999, 7_200_001, 86_400_000, 187_000.5, -187_000, '187000', null, 1e300, true, [187_000])).map(([r, d]) => ({ ...r, seen: [{ trackId: r.trackIds[0], name: 'bad duration', artists: [], durationMs: d }] })),
  classifyValid.map((r) => ({ ...r, seen: [{ trackId: r.trackIds[0], name: 'n', artists: Array.from({ length: SEEN_MAX_ARTISTS + 1 }, (_, i) => `a${i}`) }] })),
  classifyValid.map((r) => ({ ...r, seen: [{ trackId: r.trackIds[0], name: 'n', artists: ['y'.repeat(SEEN_NAME_MAX_LENGTH + 1)] }] })),
  classifyValid.map((r) => ({ ...r, seen: Array.from({ length: MAX_TRACKS_PER_MESSAGE + 1 }, () => ({ trackId: r.trackIds[0], name: 'flood', artists: [] })) })),
  fc.tuple(classifyValid, nearTrackId).map(([r, bad]) => ({ ...r, trackIds: [...r.trackIds, bad] })),
  fc.tuple(classifyValid, nearTrackId).map(([r, bad]) => ({ trackIds: r.trackIds, seen: [{ trackId: bad, name: 'bad id', artists: [] }] })),
  fc.constant({ trackIds: [] }),
  fc.constantFrom<unknown>(null, undefined, 0, '', 'classify', [], {}, { trackIds: POOL[0] }, { trackIds: { 0: POOL[0], length: 1 } }, { trackIds: [POOL[0]], seen: {} }, { trackIds: [POOL[0]], seen: 'x' }, { trackIds: [POOL[0]], seen: [null] }, { trackIds: [1, 2] }),
  fc.tuple(classifyValid, deeplyNested).map(([r, deep]) => ({ ...r, seen: [deep] })),
  fc.tuple(classifyValid, deeplyNested).map(([r, deep]) => ({ trackIds: [...r.trackIds, deep] })),
  fc.tuple(classifyValid, fc.constantFrom(...EVIL_KEYS), jsonish).map(([r, key, value]) => ownProperty({ ...r }, key, value)),
  fc.tuple(classifyValid, fc.constantFrom(...EVIL_KEYS), jsonish).map(([r, key, value]) => ({ ...r, seen: [ownProperty({ trackId: r.trackIds[0], name: 'proto', artists: [] }, key, value)] })),
  fc.tuple(classifyValid, fc.constantFrom('trackIds', 'seen')).map(([r, key]) => ownProperty({ trackIds: r.trackIds }, '__proto__', { [key]: r.trackIds })),
);

const searchValid = fc.oneof(
  hostileString.filter((q) => q.trim().length > 0 && q.trim().length <= 200).map((query) => ({ query })),
  poolId.map((id) => ({ query: `https://open.spotify.com/track/${id}?si=abc` })),
  poolId.map((id) => ({ query: ` spotify:track:${id} ` })),
  poolId.map((query) => ({ query })),
  fc.constantFrom('fail please', 'a', 'song').map((query) => ({ query })),
);
const searchNearValid = fc.oneof(
  fc.constantFrom<unknown>({ query: '' }, { query: '   ' }, { query: 'q'.repeat(201) }, { query: 'q'.repeat(100_000) }, { query: 42 }, { query: null }, { query: ['a'] }, { q: 'a' }, {}, null, 'a'),
  fc.tuple(fc.constantFrom(...EVIL_KEYS), jsonish).map(([key, value]) => ownProperty({ query: 'song' }, key, value)),
);

const clientIdValid = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 32, maxLength: 32 });
const connectValid = fc.oneof(clientIdValid, clientIdValid.map((id) => ` ${id}\n`), fc.constant(CLIENT_ID)).map((clientId) => ({ clientId }));
const connectNearValid = fc.oneof(
  fc.constantFrom<unknown>({ clientId: '' }, { clientId: ' ' }, { clientId: 'c'.repeat(101) }, { clientId: 1 }, {}, null, { clientId: CLIENT_ID, extra: 1 }),
  hostileString.map((clientId) => ({ clientId })),
);
// A few lists, so that reports and warm starts meet.
const apiListValid = fc.oneof(
  fc.constantFrom('abc', 'Mix0', '37i9dQZF1DXcBWIGoYBM5M').map((id) => ({ kind: 'playlist' as const, id })),
  fc.constant({ kind: 'album' as const, id: 'abc' }),
  fc.constant({ kind: 'liked' as const }),
);
const apiListNearValid = fc.constantFrom<unknown>({ kind: 'playlist' }, { kind: 'playlist', id: '' }, { kind: 'playlist', id: 'a/b' }, { kind: 'playlist', id: 'x'.repeat(65) }, { kind: 'artist', id: 'abc' }, { kind: 'liked', id: 1 }, 'liked', null);
const warmListValid = fc.record({ list: apiListValid, from: fc.option(fc.constantFrom(0, 1, 5, 250, 999), { nil: undefined }) }).map(({ list, from }) => (from === undefined ? { list } : { list, from }));
const warmListNearValid = fc.oneof(apiListNearValid.map((list) => ({ list })), fc.constantFrom<unknown>({}, null, { list: { kind: 'liked' }, from: -1 }, { list: { kind: 'liked' }, from: 1000 }, { list: { kind: 'liked' }, from: 2.5 }, { list: { kind: 'liked' }, from: '0' }));
const reportItem = (position: number) => poolId.map((id) => ({ trackId: id, name: `Song ${position}`, artists: ['A'], position, state: { status: 'loading' } }));
const reportListValid = fc.record({
  listName: fc.constant('Mix'),
  list: fc.option(apiListValid, { nil: undefined, freq: 4 }),
  items: fc.uniqueArray(fc.nat({ max: 300 }), { maxLength: 30 }).chain((positions) => fc.tuple(...positions.map(reportItem))),
}).map(({ list, ...rest }) => (list === undefined ? rest : { ...rest, list }));
const reportListNearValid = fc.oneof(
  apiListNearValid.map((list) => ({ listName: 'Mix', list, items: [] })),
  fc.constantFrom<unknown>({ listName: 'Mix', items: [{ trackId: 'short', name: '', artists: [], position: 0, state: { status: 'loading' } }] }, { listName: 'Mix', items: [{ trackId: POOL[0], name: '', artists: [], position: -1, state: { status: 'loading' } }] }, { items: [] }),
);
const emptyNearValid = fc.oneof(
  fc.constantFrom<unknown>(undefined, null, [], '', 0, { extra: 1 }, { __proto__: { extra: 1 } }),
  fc.tuple(fc.constantFrom(...EVIL_KEYS), jsonish).map(([key, value]) => ownProperty({}, key, value)),
);

/** Data for a message of `type`: mostly valid requests, then near-valid ones, then anything. */
function dataFor(type: string): fc.Arbitrary<unknown> {
  const junk = fc.oneof(jsonish, deeplyNested);
  switch (type) {
    case 'classify':
      return fc.oneof({ weight: 5, arbitrary: classifyValid }, { weight: 4, arbitrary: classifyNearValid }, { weight: 1, arbitrary: junk });
    case 'search':
      return fc.oneof({ weight: 5, arbitrary: searchValid }, { weight: 3, arbitrary: searchNearValid }, { weight: 1, arbitrary: junk });
    case 'connectSpotify':
      return fc.oneof({ weight: 3, arbitrary: connectValid }, { weight: 3, arbitrary: connectNearValid }, { weight: 1, arbitrary: junk });
    case 'warmList':
      return fc.oneof({ weight: 5, arbitrary: warmListValid }, { weight: 3, arbitrary: warmListNearValid }, { weight: 1, arbitrary: junk });
    case 'reportList':
      return fc.oneof({ weight: 5, arbitrary: reportListValid }, { weight: 3, arbitrary: reportListNearValid }, { weight: 1, arbitrary: junk });
    case 'status':
    case 'disconnectSpotify':
    case 'clearCache':
      return fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, { weight: 3, arbitrary: emptyNearValid }, { weight: 1, arbitrary: junk });
    default:
      return fc.oneof(classifyValid, searchValid, fc.constant({}), junk);
  }
}

const INHERITED_TYPES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString'] as const;
const messageType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('classify') },
  { weight: 8, arbitrary: fc.constantFrom(...MESSAGE_NAMES) },
  { weight: 3, arbitrary: fc.constantFrom(...INHERITED_TYPES) },
  { weight: 2, arbitrary: fc.constantFrom('Classify', 'classify ', ' classify', 'classify\u0000', 'clearcache', 'classify'.padEnd(101, 'x'), '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

/** What the router receives: usually a wire message, sometimes not one at all. */
const message: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: messageType.chain((type) => fc.record({ id: fc.nat(), type: fc.constant(type), data: dataFor(type), timestamp: fc.oneof(fc.nat(), fc.constant(Date.UTC(2026, 0, 1))) })) },
  {
    weight: 1,
    arbitrary: fc.tuple(messageType, fc.constantFrom(...EVIL_KEYS), jsonish).map(([type, key, value]) => ownProperty({ id: 1, type, data: {}, timestamp: 1 }, key, value)),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constantFrom<unknown>(null, undefined, 'classify', 42, [], {}, { type: 'classify' }, { type: 'status', data: {} }, { type: 'status', data: {}, timestamp: '1' }, { type: 3, data: {}, timestamp: 1 }, { type: ['status'], data: {}, timestamp: 1 }),
      jsonish,
    ),
  },
);

// ---------------------------------------------------------------------------------------------
// The background, wired as entrypoints/background.ts wires it.

const metadata = parseModelMetadata(makeMetadataJson());
/** Deterministic probabilities from the features (they sum to 1). */
const classifier: Classifier = {
  metadata,
  predict: (rows) =>
    rows.map((r) => {
      const raw = metadata.labels.map((_, i) => 1 + ((Math.round(r.features.tempo) * (i + 3)) % 7) + r.features.energy);
      const sum = raw.reduce((a, b) => a + b, 0);
      return raw.map((x) => x / sum);
    }),
  dispose() {},
};

/** Knows most pool IDs; some are unknown to it and some fail, decided by the ID. */
const provider: AudioFeatureProvider = {
  id: 'reccobeats',
  async getAudioFeatures(ids) {
    const result: ProviderResult = { features: new Map(), errors: new Map() };
    for (const id of ids) {
      const h = hashOf(id);
      if (h % 7 === 0) continue;
      if (h % 7 === 1) result.errors.set(id, 'reccobeats: HTTP 500 for audio features');
      else result.features.set(id, makeFeatures({ tempo: 60 + (h % 180), energy: (h % 100) / 100, key: (h % 13) - 1 }));
    }
    return result;
  },
};

interface Background {
  readonly router: ReturnType<typeof createMessageRouter>;
  readonly db: PredictorDatabase;
  /** Writes to the database since the current message was sent. */
  readonly writes: Write[];
  /** Feature records that say "unknown" (connect may delete those). */
  readonly unknownFeatures: Set<string>;
  /** The last classify answer (`res`), for checks on top of {@link deliver}'s. */
  lastReply?: { status: string }[];
  /** What the handlers did during the current message (reset per message). */
  readonly trace: { handlers: string[]; classified: Set<string>; remembered: Set<string>; searchHits: Set<string>; writes: Promise<unknown>[] };
}

/** Options of {@link startBackground}. */
interface BackgroundOptions {
  /** Breaks the background on purpose, for the harness's self-check. */
  readonly sabotage?: 'status clears the cache';
  /** IDs the provider never answers for (a request that contains one stalls for good). */
  readonly stalls?: ReadonlySet<string>;
  /** The theme service's classify deadline, ms (default: its own, 45 s). */
  readonly classifyDeadlineMs?: number;
}

async function startBackground({ sabotage, stalls, classifyDeadlineMs }: BackgroundOptions = {}): Promise<Background> {
  const settingsItem = defineSettingsItem();
  // Not the defaults: a reset to the defaults would show.
  await writeSettings(settingsItem, { ...DEFAULT_SETTINGS, enabledThemes: ['sleep', 'focus', 'chill'], themeColors: { sleep: '#112233' }, uncertainThreshold: 0.3, spotifyClientId: CLIENT_ID });
  const settings = () => readSettings(settingsItem, { warn: () => {} });
  const db = new PredictorDatabase(`fuzz-messages-${crypto.randomUUID()}`);
  const writes: Write[] = [];
  const unknownFeatures = new Set<string>();
  recordWrites(db, writes, unknownFeatures);
  // As the background makes it: bounded by the user's cache size (never reached by the pool of IDs here).
  const cache = createFeatureCache(db, { limit: async () => (await settings()).cacheLimit, storage: null, log: { warn: () => {} } });
  const store = createTokenStore(db);
  await store.save(connection({ accessToken: 'access-stored', refreshToken: 'refresh-stored', expiresAt: Date.now() + 365 * 24 * 3_600_000, connectedAt: Date.now() }));
  await store.setAvailability(CLIENT_ID, { state: 'unavailable', reason: 'HTTP 403 from GET /v1/audio-features', checkedAt: 1 });
  await cache.put(POOL.slice(0, PRECACHED).map((id, i) => ({ trackId: id, features: i % 5 === 0 ? null : makeFeatures({ tempo: 80 + i }), provider: 'reccobeats' as const, fetchedAt: Date.now(), durationMs: null })));
  await cache.putTrackInfo(POOL.slice(0, 80).map((id, i) => ({ trackId: id, name: `Stored song ${i}`, artists: [`Stored artist ${i % 7}`] })));

  const trace: Background['trace'] = { handlers: [], classified: new Set(), remembered: new Set(), searchHits: new Set(), writes: [] };
  const token = fakeTokenEndpoint((_, i) => jsonResponse({ access_token: `access-${i}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `refresh-${i}` }));
  const identity = fakeIdentity((url) => `${REDIRECT}?code=code-${hashOf(url.href)}&state=${url.searchParams.get('state') ?? ''}`).identity;
  const auth = createSpotifyAuth({ store, identity, fetch: token.fetch, locks: null });
  const api = fakeSpotifyApi((call) => {
    const q = call.url.searchParams.get('q') ?? '';
    if (q.includes('fail')) return jsonResponse({ error: { status: 500, message: 'search failed' } }, 500);
    const items = POOL.filter((id) => hashOf(id + q) % 60 === 0).slice(0, 3);
    return jsonResponse({ tracks: { items: items.map((id) => ({ id, name: `Hit ${q.slice(0, 20)}`, artists: [{ name: 'Artist' }], album: { name: 'Album', images: [] } })), total: items.length } });
  });
  const search = createSpotifySearch(createSpotifyClient({ auth, fetch: api.fetch, retries: 0 }));
  const stalling: AudioFeatureProvider = {
    id: 'reccobeats',
    getAudioFeatures: (ids, onBatch) => (ids.some((id) => stalls?.has(id)) ? new Promise<ProviderResult>(() => {}) : provider.getAudioFeatures(ids, onBatch)),
  };
  // The theme service stores fetched features after it has answered: the harness waits for those
  // writes too before it checks what the message changed.
  const themeCache: FeatureCache = {
    get: (ids, now) => cache.get(ids, now),
    put: (records, now) => {
      const write = cache.put(records, now);
      trace.writes.push(write.catch(() => undefined));
      return write;
    },
    fillDurations: (durations) => cache.fillDurations(durations),
  };
  const themes = createThemeService({
    classifier: async () => classifier,
    cache: themeCache,
    provider: stalls ? stalling : provider,
    ...(classifyDeadlineMs === undefined ? {} : { deadlineMs: classifyDeadlineMs }),
    enabledThemes: async () => effectiveThemeSettings(await settings(), modelThemeInfo(metadata)).enabled,
    uncertainThreshold: async () => effectiveThemeSettings(await settings(), modelThemeInfo(metadata)).uncertainThreshold,
    log: { warn: () => {} },
  });
  const tracedThemes = {
    classify(ids: readonly string[]) {
      for (const id of ids) trace.classified.add(id);
      return themes.classify(ids);
    },
    // The warm start reads (and so marks used) the cached records of the IDs it is given.
    classifyCached(ids: readonly string[]) {
      for (const id of ids) trace.classified.add(id);
      return themes.classifyCached(ids);
    },
  };
  const spotify = createSpotifyAccount({ auth, search, cache, savedClientId: async () => (await settings()).spotifyClientId });
  const account: SpotifyAccount = {
    ...spotify,
    async searchTracks(query, limit) {
      const hits = await spotify.searchTracks(query, limit);
      for (const h of hits) trace.searchHits.add(h.trackId);
      return hits;
    },
  };
  const seen = {
    remember: async (tracks: readonly TrackInfo[]) => {
      for (const t of tracks) trace.remembered.add(t.trackId);
      const write = cache.putTrackInfo(tracks);
      trace.writes.push(write.catch(() => undefined));
      await write;
    },
    search: (q: string, limit: number) => cache.searchSeen(q, limit),
    get: (ids: readonly string[]) => cache.getTrackInfo(ids),
  };
  // Saving: never connected here, so startSave refuses; prepareSave keeps its job in memory.
  const saves = createSaveService({
    account: { connection: async () => ({ connected: false, scope: '' }), ensureScopes: async () => {} },
    api: { createPrivatePlaylist: async () => ({ id: 'x', url: 'u' }), addItems: async () => {}, itemUris: async () => [] },
    jobs: memoryJobStore(),
    openConfirmation: async () => {},
  });
  const reads = createReadService({
    client: { call: () => Promise.reject(new Error('no Spotify in the fuzz suite')) },
    account: { connection: async () => ({ connected: false, scope: '' }), ensureScopes: async () => {} },
    openConfirmation: async () => {},
    notifyTab: async () => {},
  });
  const handlers = createMessageHandlers({ themes: tracedThemes, account, seen, cache, saves, reads, tabLists: createTabLists(), lists: createListMemory(db), log: { warn: () => {} } });
  const traced = Object.fromEntries(
    MESSAGE_NAMES.map((n) => [
      n,
      async (request: never) => {
        trace.handlers.push(n);
        if (sabotage && n === 'status') await cache.clear();
        return (handlers[n] as (r: never) => Promise<unknown>)(request);
      },
    ]),
  ) as unknown as MessageHandlers;
  const router = createMessageRouter({ handlers: traced, self: SELF, log: { warn: () => {} } });
  return { router, db, trace, writes, unknownFeatures };
}

// ---------------------------------------------------------------------------------------------
// Stored state: every write to the database, recorded below Dexie (a DBCore middleware sees each
// put, delete and clear with its keys, whichever API made it), and the settings in storage.

/** One write to the database. */
interface Write {
  readonly table: string;
  readonly kind: 'put' | 'delete' | 'clear';
  readonly keys: string[];
  /** The rows written, for puts. */
  readonly values?: readonly unknown[];
}

const PRIMARY_KEYS: Record<string, string> = { features: 'trackId', tracks: 'trackId', connection: 'key', availability: 'clientId', lists: 'key' };

/** Records every write to `db` in `log`; `unknownFeatures` follows which feature records say "unknown" (features: null). */
function recordWrites(db: PredictorDatabase, log: Write[], unknownFeatures: Set<string>): void {
  db.use({
    stack: 'dbcore',
    name: 'fuzz-write-log',
    create: (down) => ({
      ...down,
      table: (name) => {
        const table = down.table(name);
        return {
          ...table,
          mutate: (req) => {
            const keyPath = PRIMARY_KEYS[name] ?? 'id';
            if (req.type === 'deleteRange') log.push({ table: name, kind: 'clear', keys: [] });
            else if (req.type === 'delete') log.push({ table: name, kind: 'delete', keys: req.keys.map(String) });
            else {
              const values = req.values as Record<string, unknown>[];
              const keys = req.keys ?? (values.length > 0 ? values.map((v) => v[keyPath]) : (req.type === 'put' ? (req.updates?.keys ?? []) : []));
              log.push({ table: name, kind: 'put', keys: keys.map(String), values });
              for (const v of name === 'features' ? values : []) {
                if (typeof v.trackId !== 'string' || !('features' in v)) continue;
                if (v.features === null) unknownFeatures.add(v.trackId);
                else unknownFeatures.delete(v.trackId);
              }
            }
            return table.mutate(req);
          },
        };
      },
    }),
  });
}

const storedSettings = async (): Promise<string> => JSON.stringify(await fakeBrowser.storage.local.get(null));

const clip = (ids: string[]) => `${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ` and ${ids.length - 3} more` : ''}`;

interface Delivery {
  readonly from: LabelledSender;
  readonly message: unknown;
}

function typeOf(message: unknown): MessageName | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const type: unknown = (message as { type?: unknown }).type;
  return typeof type === 'string' && (MESSAGE_NAMES as string[]).includes(type) && Object.hasOwn(PROTOCOL, type) ? (type as MessageName) : undefined;
}

/** Sends one message and checks every invariant (see the module comment). */
async function deliver(bg: Background, { from, message }: Delivery, deadlineMs = REPLY_DEADLINE_MS): Promise<Outcome> {
  const settingsBefore = await storedSettings();
  bg.writes.length = 0;
  Object.assign(bg.trace, { handlers: [], classified: new Set(), remembered: new Set(), searchHits: new Set(), writes: [] });

  const type = typeOf(message);
  const allowed = type !== undefined && (PROTOCOL[type].senders as readonly SenderKind[]).includes(from.kind);
  const data = typeof message === 'object' && message !== null ? (message as { data?: unknown }).data : undefined;
  const request = type ? PROTOCOL[type].request.safeParse(data) : undefined;
  const valid = allowed && request?.success === true;

  let reply;
  try {
    reply = bg.router(message, from.sender);
  } catch (error) {
    return crashed(`the router threw: ${describeError(error)}`);
  }
  let outcome: Outcome;
  let answered: 'res' | 'err' | 'none' = 'none';
  const problems: { forbidden?: string; wrong?: string } = {};
  if (reply === undefined) {
    outcome = rejected('ignored (not a wire message)');
  } else {
    const settled = await settleWithin(reply, deadlineMs);
    if (settled.status === 'pending') return hung(`no reply after ${deadlineMs} ms`);
    if (settled.status === 'rejected') return crashed(`the reply promise rejected: ${describeError(settled.reason)}`);
    const value: unknown = settled.value;
    if (typeof value === 'object' && value !== null && 'res' in value) {
      answered = 'res';
      if (!allowed) problems.forbidden = `answered "${String(type)}" from ${from.kind} (${from.what})`;
      else if (!valid) problems.forbidden = `answered an invalid "${String(type)}" request`;
      else if (type) {
        const res = (value as { res: unknown }).res;
        bg.lastReply = Array.isArray(res) ? (res as { status: string }[]) : undefined;
        const parsed = PROTOCOL[type].response.safeParse(res);
        if (!parsed.success) problems.wrong = `the "${type}" response fails its schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
        else if (type === 'classify' && request?.success) {
          const ids = (request.data as { trackIds: string[] }).trackIds;
          const got = (res as { trackId: string }[]).map((r) => r.trackId);
          if (JSON.stringify(got) !== JSON.stringify(ids)) problems.wrong = 'classify results are not one per requested ID, in order';
        }
      }
      outcome = accepted(problems);
    } else if (typeof value === 'object' && value !== null && 'err' in value) {
      answered = 'err';
      const err = (value as { err: unknown }).err;
      const message = typeof err === 'object' && err !== null ? (err as { message?: unknown }).message : undefined;
      if (typeof message !== 'string' || message.trim() === '') problems.wrong = 'refused without a message';
      outcome = rejected(typeof message === 'string' ? message : 'no message', problems);
    } else {
      return crashed(`a reply that is neither {res} nor {err}: ${show(value)}`);
    }
  }
  if (bg.trace.handlers.length > 0 && !allowed) outcome = { ...outcome, forbidden: `the ${bg.trace.handlers.join(', ')} handler ran for ${from.kind} (${from.what})` };
  if (bg.trace.handlers.length > 0 && !valid && !outcome.forbidden) outcome = { ...outcome, forbidden: 'a handler ran for an invalid request' };

  await Promise.all(bg.trace.writes);
  const lost = storedChanges(bg, settingsBefore !== (await storedSettings()), { type: answered === 'none' && bg.trace.handlers.length === 0 ? undefined : type, from, request: request?.success ? request.data : undefined, trace: bg.trace });
  return lost ? { ...outcome, dataLost: lost } : outcome;
}

/** The first stored change this message may not cause, or `undefined`. */
function storedChanges(bg: Background, settingsChanged: boolean, ctx: { type: MessageName | undefined; from: LabelledSender; request: unknown; trace: Background['trace'] }): string | undefined {
  const ran = ctx.trace.handlers.length > 0 ? ctx.type : undefined;
  const by = `${ran ?? 'a refused message'} from ${ctx.from.kind}`;
  const fromPage = ctx.from.kind === 'extension-page';
  if (settingsChanged) return `the stored settings changed (${by})`;
  const writes = (table: string, kind: Write['kind']) => bg.writes.filter((w) => w.table === table && w.kind === kind);
  const keys = (table: string, kind: Write['kind']) => writes(table, kind).flatMap((w) => w.keys);

  const mayTouchAccount = fromPage && (ran === 'connectSpotify' || ran === 'disconnectSpotify');
  for (const table of ['connection', 'availability']) {
    if (!mayTouchAccount && bg.writes.some((w) => w.table === table)) return `the stored Spotify ${table} was written (${by})`;
  }

  const put = keys('features', 'put').filter((id) => !ctx.trace.classified.has(id));
  if (put.length > 0) return `feature records written for IDs not classified: ${clip(put)} (${by})`;
  const clearsAll = fromPage && ran === 'clearCache';
  if (!clearsAll && writes('features', 'clear').length > 0) return `every feature record deleted (${by})`;
  const deleted = keys('features', 'delete').filter((id) => !(clearsAll || (fromPage && ran === 'connectSpotify' && bg.unknownFeatures.has(id))));
  if (deleted.length > 0) return `feature records deleted: ${clip(deleted)} (${by})`;

  // The list memory: written only by a Spotify tab's report of that list (evicting the oldest lists), emptied only by clearCache.
  const reported = ran === 'reportList' && ctx.from.kind === 'spotify-tab' ? (ctx.request as { list?: ApiList } | undefined)?.list : undefined;
  const strayLists = keys('lists', 'put').filter((key) => reported === undefined || key !== listKey(reported));
  if (strayLists.length > 0) return `remembered lists written: ${clip(strayLists)} (${by})`;
  if (!clearsAll && writes('lists', 'clear').length > 0) return `every remembered list deleted (${by})`;
  if (reported === undefined && writes('lists', 'delete').length > 0) return `remembered lists deleted (${by})`;

  if (!clearsAll && (writes('tracks', 'clear').length > 0 || writes('tracks', 'delete').length > 0)) return `seen titles deleted (${by})`;
  const titled = keys('tracks', 'put');
  if (titled.length > 0) {
    if (ran === 'classify') {
      const seen = (ctx.request as { seen?: { trackId: string }[] } | undefined)?.seen ?? [];
      const seenIds = new Set(seen.map((t) => t.trackId));
      const requested = new Set((ctx.request as { trackIds?: string[] } | undefined)?.trackIds ?? []);
      const stray = titled.filter((id) => !seenIds.has(id) || !requested.has(id));
      if (stray.length > 0) return `classify stored titles for IDs it did not describe: ${clip(stray)}`;
      if (titled.length > MAX_TRACKS_PER_MESSAGE) return `classify stored ${titled.length} titles (cap ${MAX_TRACKS_PER_MESSAGE})`;
      const rows = writes('tracks', 'put').flatMap((w) => w.values ?? []) as { trackId?: unknown; name?: unknown; artists?: unknown }[];
      const over = rows.find((r) => typeof r.name !== 'string' || r.name.length > SEEN_NAME_MAX_LENGTH || !Array.isArray(r.artists) || r.artists.length > SEEN_MAX_ARTISTS || r.artists.some((a) => typeof a !== 'string' || a.length > SEEN_NAME_MAX_LENGTH));
      if (over) return `classify stored a title over the caps for ${String(over.trackId)}`;
    } else if (!(ran === 'search' && fromPage && titled.every((id) => ctx.trace.searchHits.has(id)))) {
      return `seen titles written: ${clip(titled)} (${by})`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

const tally = new Tally('fuzz: messages through the background router');
let bg: Background;
let stopCounting: () => void;

beforeAll(async () => {
  fakeBrowser.reset();
  bg = await startBackground();
  stopCounting = countUnhandledRejections(tally);
});

afterAll(async () => {
  stopCounting();
  console.log(tally.table(`seed ${FUZZ_SEED}, budget ${FUZZ_BUDGET}`));
  await bg.db.delete();
});

const RUNS = runsFor(500);

describe('fuzz: messages', () => {
  it('the harness notices a stored change, a forbidden answer and a handler run for a refused sender', async () => {
    const broken = await startBackground({ sabotage: 'status clears the cache' });
    const popup = fc.sample(extensionPage, { seed: FUZZ_SEED, numRuns: 1 })[0] as LabelledSender;
    const tab = fc.sample(spotifyTab, { seed: FUZZ_SEED, numRuns: 1 })[0] as LabelledSender;
    const wire = (type: string, data: unknown) => ({ id: 1, type, data, timestamp: 1 });
    expect((await deliver(broken, { from: popup, message: wire('status', {}) })).dataLost).toMatch(/deleted/);
    const yes = { ...broken, router: () => Promise.resolve({ res: [] }) };
    expect((await deliver(yes, { from: tab, message: wire('clearCache', {}) })).forbidden).toMatch(/answered "clearCache" from spotify-tab/);
    const runsAnyway = {
      ...broken,
      router: () => {
        broken.trace.handlers.push('status');
        return Promise.resolve({ err: { message: 'no' } });
      },
    };
    expect((await deliver(runsAnyway, { from: tab, message: wire('status', {}) })).forbidden).toMatch(/handler ran/);
    await broken.db.delete();
  });

  for (const [kind, senders] of [
    ['extension-page', extensionPage],
    ['spotify-tab', spotifyTab],
    ['other', otherSender],
  ] as const) {
    it(
      `from ${kind} senders: never a crash, a hang, an answer the sender may not have, or a stored change the message may not cause`,
      async () => {
        await runCategory({
          tally,
          category: kind,
          arbitrary: fc.record({ from: senders, message }),
          runs: RUNS,
          check: (delivery) => deliver(bg, delivery),
          shrinkChecks: 60,
        });
        expect(tally.problems().filter((p) => p.startsWith(`${kind}:`))).toEqual([]);
      },
      timeoutFor(25_000),
    );
  }

  it(
    'with a provider that stalls for good, every classify is still answered, within the classify deadline',
    async () => {
      // Only IDs the database does not start with (the first PRECACHED are cached: never asked of the provider).
      const stalls = new Set(POOL.filter((id, i) => i >= PRECACHED && hashOf(id) % 4 === 0));
      const stalled = await startBackground({ stalls, classifyDeadlineMs: STALLED_CLASSIFY_DEADLINE_MS });
      try {
        const classify = classifyValid.map((data) => ({ id: 1, type: 'classify', data, timestamp: 1 }));
        await runCategory({
          tally,
          category: 'stalled provider',
          arbitrary: fc.record({ from: fc.oneof(spotifyTab, extensionPage), message: classify }),
          runs: runsFor(25),
          check: async (delivery) => {
            const outcome = await deliver(stalled, delivery, STALLED_CLASSIFY_DEADLINE_MS + 2_000);
            const ids = (delivery.message.data as { trackIds: string[] }).trackIds;
            if (outcome.verdict === 'accepted' && !outcome.wrong && ids.some((id) => stalls.has(id)) && stalled.lastReply?.every((r) => r.status !== 'error')) return { ...outcome, wrong: 'a stalled track was answered without an error' };
            return outcome;
          },
          shrinkChecks: 10,
        });
      } finally {
        await stalled.db.delete();
      }
      expect(tally.problems().filter((p) => p.startsWith('stalled provider:'))).toEqual([]);
    },
    timeoutFor(10_000),
  );
});
