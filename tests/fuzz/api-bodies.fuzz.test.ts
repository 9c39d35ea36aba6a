/**
 * Fuzz: what the audio-feature APIs and Spotify's token endpoint answer, malformed and stalled.
 *
 * What runs, with `fetch` swapped for a fake server (tests/fuzz/support/http.ts) and vitest's
 * fake timers driving every wait (ky's timeouts and backoff, `Retry-After`, the deadlines):
 * - `reccobeats`: `createReccoBeatsProvider` with its defaults (3 retries, 10 s longest
 *   `Retry-After`, 15 s per attempt, `PROVIDER_REQUEST_DEADLINE_MS` per batch).
 * - `spotify`: `createSpotifyProvider` over the real `createSpotifyClient` (SDK, ky, 401 refresh)
 *   and `createSpotifyAuth`, with a token store in memory (the real one's schema) holding a
 *   connection; the token endpoint answers too (a 401 refreshes).
 * - `spotify search`: `createSpotifySearch` over the same client.
 * - `token endpoint`: `getAccessToken()` with an expiring token, so the auth refreshes against a
 *   token endpoint answering anything (RFC 6749 §5.1 bodies valid and broken, OAuth errors,
 *   `invalid_grant`, HTML, stalls).
 *
 * Answers: 1 to 4 per call (the last repeats for further attempts): valid bodies with a share of
 * the requested IDs, items with values out of range / of the wrong type / missing, items for IDs
 * not requested or with odd hrefs and IDs, wrong envelopes, truncated JSON, empty bodies, HTML
 * error pages, 200 with an error object, huge arrays and deep nesting, 204, 4xx and 5xx (401,
 * 403, 429, 503 with odd `Retry-After`), and stalls: no headers ever, or headers and half a body
 * and then nothing, honouring the abort signal as `fetch` does or deaf to it.
 *
 * Per call:
 * - crash: a provider rejects (they promise never to: failures go in `errors`), or a call rejects
 *   with something that is not an `Error` with a message (search and `getAccessToken` may reject
 *   with `SpotifyApiError` / `SpotifyAuthError`: that is `rejected`).
 * - hang: not settled within its deadline: batches × `PROVIDER_REQUEST_DEADLINE_MS` (providers),
 *   `PROVIDER_REQUEST_DEADLINE_MS` (search), `TOKEN_REQUEST_DEADLINE_MS` (token endpoint), plus
 *   {@link SLACK_MS}.
 * - wrong: features failing `AudioFeaturesSchema`, or for an ID not requested, or not what an
 *   item for that ID in a served 2xx body said (an unknown track reported as known); an error
 *   message that is empty or does not name the provider; search hits that no served item had; a
 *   token handed out that is empty, not VSCHAR, or expires at a time that is not finite, past,
 *   or further than `MAX_ACCESS_TOKEN_LIFETIME_S`; more requests than the retries allow; a
 *   token response valid under RFC 6749 §5.1 refused.
 * - forbidden: a token response accepted that breaks RFC 6749 §5.1 as `parseTokenResponse`
 *   documents it (see {@link validTokenAnswer}).
 * - dataLost: the stored connection cleared without an `invalid_grant` answer, replaced by one
 *   whose tokens no answer gave, or stored invalid (not finite `expiresAt`); audio features
 *   marked unavailable without a 403, or available without a 2xx.
 * - rejected: the answer was refused as a whole with a clear error (every ID in `errors`, or the
 *   call rejected with a message); accepted: anything else that settled.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_ACCESS_TOKEN_LIFETIME_S, SpotifyAuthError, TOKEN_REQUEST_DEADLINE_MS, createSpotifyAuth } from '@/lib/background/auth/spotify-auth';
import { StoredConnectionSchema, type StoredConnection, type TokenStore } from '@/lib/background/auth/token-store';
import { PROVIDER_REQUEST_DEADLINE_MS } from '@/lib/background/deadline';
import { RECCOBEATS_BATCH_SIZE, createReccoBeatsProvider } from '@/lib/background/providers/reccobeats';
import { SPOTIFY_BATCH_SIZE, createSpotifyProvider } from '@/lib/background/providers/spotify';
import type { ProviderResult } from '@/lib/background/providers/types';
import { SpotifyApiError, createSpotifyClient } from '@/lib/background/spotify-client';
import { createSpotifySearch } from '@/lib/background/spotify-search';
import { AudioFeaturesAvailabilitySchema, type AudioFeaturesAvailability } from '@/lib/shared/availability';
import { AUDIO_FEATURE_NAMES, AudioFeaturesSchema } from '@/model/features';
import { CLIENT_ID, REDIRECT, fakeIdentity } from '../unit/support/spotify-fakes';
import { TRACK_ID_RE, hostileString, validFeatures, validTrackId } from './support/arbitraries';
import { runsFor, timeoutFor } from './support/config';
import { brokenBody, fakeServer, retryAfterValue, type Answer, type Served, type Stall } from './support/http';
import { useTally, describeError, isClearError, runCategory, settleWithFakeTimers } from './support/run';
import { accepted, crashed, hung, rejected, type Outcome } from './support/tally';

/** Time a call may take past its deadline before it counts as hung: timers firing in the same tick, the last step of the fake clock. */
const SLACK_MS = 1_000;
const T0 = Date.UTC(2026, 0, 15, 12);

// ---------------------------------------------------------------------------------------------
// Generated answers.

const oddValue = fc.constantFrom<unknown>(null, '0.5', '', -0.0001, 1.0001, 1e308, -1e308, 300.0001, 12, -2, 0.5, 1.5, [], {}, true);
/** Features, or features with one value odd or missing. */
const itemFeatures = fc.oneof(
  { weight: 3, arbitrary: validFeatures.map((f): Record<string, unknown> => f) },
  { weight: 1, arbitrary: fc.tuple(validFeatures, fc.constantFrom(...AUDIO_FEATURE_NAMES), oddValue, fc.boolean()).map(([f, k, v, drop]) => (drop ? Object.fromEntries(Object.entries(f).filter(([n]) => n !== k)) : { ...f, [k]: v })) },
);

/** Text-level damage JSON.stringify cannot make: numbers that parse to Infinity, or are written oddly. */
const textTweak = fc.constantFrom<(text: string) => string>(
  (t) => t,
  (t) => t,
  (t) => t,
  (t) => t.replace(/"tempo":[-0-9.e+]+/, '"tempo":1e999'),
  (t) => t.replace(/"energy":[-0-9.e+]+/, '"energy":-0'),
  (t) => t.replace(/"key":[-0-9.e+]+/, '"key":1E1'),
  (t) => t.replace(/"loudness":[-0-9.e+]+/, '"loudness":-1e999'),
  (t) => t.slice(0, Math.floor(t.length * 0.7)),
);

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };
const errorStatus = fc.constantFrom(400, 401, 403, 404, 408, 410, 418, 422, 429, 429, 500, 502, 503, 503, 504);

/** An error answer: an odd status with an odd body and maybe a `Retry-After`. */
const errorAnswer: fc.Arbitrary<Answer> = fc
  .record({ status: errorStatus, retryAfter: fc.option(retryAfterValue, { nil: undefined }), body: fc.oneof(brokenBody, fc.constantFrom({ body: '{"error":{"status":429,"message":"API rate limit exceeded"}}', kind: 'error object' }, { body: '{"error":{"status":403}}', kind: 'bare 403' })) })
  .map(({ status, retryAfter, body }) => ({ status, headers: { ...JSON_HEADERS, ...(retryAfter === undefined ? {} : { 'retry-after': retryAfter }) }, body: body.body, kind: `${status} ${body.kind}${retryAfter === undefined ? '' : ` Retry-After ${JSON.stringify(retryAfter)}`}` }));

const stall = fc.constantFrom<Stall>('headers', 'body', 'headers-deaf', 'body-deaf');

/** Answers for a call, given how a 2xx body for `ids` is made. */
function answersFor(ok: (ids: string[]) => fc.Arbitrary<{ body: string; kind: string }>, ids: string[]): fc.Arbitrary<Answer[]> {
  const okAnswer = fc.tuple(ok(ids), fc.constantFrom<Record<string, string>>(JSON_HEADERS, JSON_HEADERS, { 'content-type': 'text/html' }, {}), fc.constantFrom(200, 200, 200, 201, 203)).map(
    ([body, headers, status]): Answer => ({ status, headers, body: body.body, kind: `${status} ${body.kind}` }),
  );
  const answer = fc.oneof(
    { weight: 5, arbitrary: okAnswer },
    { weight: 1, arbitrary: brokenBody.map((b): Answer => ({ status: 200, headers: JSON_HEADERS, body: b.body, kind: `200 ${b.kind}` })) },
    { weight: 1, arbitrary: fc.constant<Answer>({ status: 204, headers: {}, body: '', kind: '204' }) },
    { weight: 3, arbitrary: errorAnswer },
    { weight: 2, arbitrary: fc.tuple(okAnswer, stall).map(([a, s]): Answer => ({ ...a, stall: s, kind: `${a.kind}, stalled (${s})` })) },
  );
  return fc.array(answer, { minLength: 1, maxLength: 4 });
}

/** A share of `ids` (plus strangers), each with features or odd ones. */
function itemsFor(ids: string[], item: (id: string, features: Record<string, unknown>) => unknown): fc.Arbitrary<unknown[]> {
  const stranger = validTrackId;
  return fc
    .tuple(fc.subarray(ids), fc.array(stranger, { maxLength: 3 }), fc.array(fc.constantFrom(null, 1, 'x', [], {}), { maxLength: 2 }))
    .chain(([known, strangers, junk]) => fc.tuple(fc.tuple(...[...known, ...strangers].map((id) => itemFeatures.map((f) => item(id, f)))), fc.constant(junk)))
    .chain(([items, junk]) => fc.shuffledSubarray([...items, ...junk], { minLength: items.length + junk.length }));
}

/** ReccoBeats maps by the Spotify URL in `href`; odd hrefs included. */
const reccoHref = (id: string) =>
  fc.constantFrom(`https://open.spotify.com/track/${id}`, `https://open.spotify.com/track/${id}`, `https://open.spotify.com/track/${id}?si=1`, `/track/${id}`, `spotify:track:${id}`, `https://evil.example/track/${id}`, `https://open.spotify.com/album/${id}`, `https://open.spotify.com/track/${id.toLowerCase()}`, `https://open.spotify.com/track/${id}/track/0000000000000000000000`);

const reccoOk = (ids: string[]) =>
  fc
    .tuple(itemsFor(ids, (id, f) => ({ id: `rb-${id.slice(0, 6)}`, isrc: 'USAAA0000001', hrefOf: id, ...f })), textTweak, fc.constantFrom('plain', 'plain', 'plain', 'huge'))
    .chain(([items, tweak, size]) =>
      fc.tuple(...items.map((item) => (typeof item === 'object' && item !== null && 'hrefOf' in item ? reccoHref(String(item.hrefOf)).map((href) => ({ ...Object.fromEntries(Object.entries(item).filter(([k]) => k !== 'hrefOf')), href })) : fc.constant(item)))).map((content) => {
        const padded = size === 'huge' ? [...content, ...Array.from({ length: 20_000 }, (_, i) => ({ href: `https://open.spotify.com/track/${String(i).padStart(22, 'Z')}`, tempo: 1 }))] : content;
        return { body: tweak(JSON.stringify({ content: padded })), kind: size === 'huge' ? 'huge content' : 'content' };
      }),
    );

const spotifyOk = (ids: string[]) =>
  fc
    .tuple(
      itemsFor(ids, (id, f) => ({ ...f, type: 'audio_features', id, uri: `spotify:track:${id}`, duration_ms: 200_000, time_signature: 4 })),
      fc.array(fc.constantFrom<unknown>(null, { id: 'short' }, { id: 42 }), { maxLength: 2 }),
      textTweak,
    )
    .map(([items, odd, tweak]) => ({ body: tweak(JSON.stringify({ audio_features: [...items, ...odd] })), kind: 'audio_features' }));

const searchOk = () =>
  fc
    .array(
      fc.record({
        id: fc.oneof(validTrackId, fc.constantFrom('short', '', 'x'.repeat(22) + '!')),
        name: fc.oneof(hostileString, fc.constant(42 as unknown)),
        artists: fc.oneof(fc.array(fc.record({ name: hostileString }), { maxLength: 3 }), fc.constant(null as unknown)),
        album: fc.option(fc.record({ name: hostileString, images: fc.array(fc.record({ url: fc.oneof(fc.webUrl(), hostileString), width: fc.option(fc.oneof(fc.nat(), fc.double()), { nil: null }) }), { maxLength: 3 }) }), { nil: undefined }),
      }),
      { maxLength: 12 },
    )
    .map((items) => ({ body: JSON.stringify({ tracks: { items: [...items, null] } }), kind: 'search result' }));

/** Requested IDs: one batch usually, sometimes two; duplicates sometimes. */
const idsFor = (batch: number) =>
  fc.oneof({ weight: 5, arbitrary: fc.uniqueArray(validTrackId, { minLength: 1, maxLength: batch }) }, { weight: 1, arbitrary: fc.uniqueArray(validTrackId, { minLength: batch + 1, maxLength: batch + 10 }) }, { weight: 1, arbitrary: validTrackId.map((id) => [id, id, id]) });

// ---------------------------------------------------------------------------------------------
// Oracles.

/** Per requested ID, the features that the served 2xx bodies' items (matched by `matches`) gave. */
function featuresServed(served: readonly Served[], ids: readonly string[], matches: (item: Record<string, unknown>, id: string) => boolean): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { answer } of served) {
    if (answer.status < 200 || answer.status > 299 || answer.stall) continue;
    let json: unknown;
    try {
      json = JSON.parse(answer.body);
    } catch {
      continue;
    }
    const list = typeof json === 'object' && json !== null ? ((json as { content?: unknown }).content ?? (json as { audio_features?: unknown }).audio_features) : undefined;
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      if (typeof item !== 'object' || item === null) continue;
      const parsed = AudioFeaturesSchema.safeParse(item);
      if (!parsed.success) continue;
      for (const id of ids) if (matches(item as Record<string, unknown>, id)) out.set(id, [...(out.get(id) ?? []), JSON.stringify(parsed.data)]);
    }
  }
  return out;
}

/** What is wrong with a provider's result, or `undefined`. */
function badResult(result: ProviderResult, ids: readonly string[], served: readonly Served[], provider: string, matches: (item: Record<string, unknown>, id: string) => boolean): string | undefined {
  const requested = new Set(ids);
  const allowed = featuresServed(served, ids, matches);
  for (const [id, features] of result.features) {
    if (!requested.has(id)) return `features for ${id}, which was not requested`;
    if (!AudioFeaturesSchema.safeParse(features).success) return `features for ${id} fail AudioFeaturesSchema: ${JSON.stringify(features)}`;
    if (!(allowed.get(id) ?? []).includes(JSON.stringify(features))) return `features for ${id} that no served item gave it: ${JSON.stringify(features)}`;
  }
  for (const [id, message] of result.errors) {
    if (!requested.has(id)) return `an error for ${id}, which was not requested`;
    if (typeof message !== 'string' || !message.startsWith(`${provider}: `) || message.length <= provider.length + 2) return `an error message that does not say what failed: ${JSON.stringify(message)}`;
  }
  return undefined;
}

/** Verdict of a provider's result: refused as a whole, or taken. */
function verdictOf(result: ProviderResult, ids: readonly string[], extra: Omit<Outcome, 'verdict'>): Outcome {
  const unique = new Set(ids);
  return result.features.size === 0 && result.errors.size === unique.size ? rejected([...result.errors.values()][0] ?? '', extra) : accepted(extra);
}

// ---------------------------------------------------------------------------------------------
// A token store in memory with the real one's schema, and the Spotify side wired as the background does.

function memoryStore(initial: StoredConnection | undefined) {
  const state: { connection: StoredConnection | undefined; availability: Map<string, AudioFeaturesAvailability>; problem: string | undefined } = { connection: initial, availability: new Map(), problem: undefined };
  const store: TokenStore = {
    load: async () => (state.connection ? structuredClone(state.connection) : undefined),
    async save(connection) {
      state.connection = StoredConnectionSchema.parse(connection);
    },
    async clearTokens() {
      state.connection = undefined;
    },
    getAvailability: async (clientId) => state.availability.get(clientId) ?? { state: 'unknown' },
    async setAvailability(clientId, availability) {
      const valid = AudioFeaturesAvailabilitySchema.parse(availability);
      if (valid.state === 'unknown') state.availability.delete(clientId);
      else state.availability.set(clientId, valid);
    },
    getProblem: async () => state.problem,
    async setProblem(message) {
      state.problem = message ?? undefined;
    },
  };
  return { store, state };
}

const INITIAL: StoredConnection = { clientId: CLIENT_ID, accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: T0 + 3_600_000, scope: '', connectedAt: T0 - 1_000 };

/** Token endpoint answers: valid rotations and everything RFC 6749 §5.1 forbids. */
const tokenBody: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    access_token: fc.oneof({ weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z0-9._~-]{8,40}$/) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('', ' ', 'tab\there', 'é', 42, null) }),
    token_type: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('Bearer', 'bearer', 'BEARER') }, { weight: 1, arbitrary: fc.constantFrom<unknown>('mac', 'DPoP', '', 7) }),
    expires_in: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(3600, 1, 60, 86_400, 86_401) }, { weight: 2, arbitrary: fc.constantFrom<unknown>(0, -1, 3600.5, '3600', '1e3', '3600abc', ' 60', '0x10', '', 1e308, null) }),
    refresh_token: fc.oneof({ weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z0-9._~-]{8,40}$/) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('', 'ü', 42, null) }),
    scope: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('', 'user-read-private') }, { weight: 1, arbitrary: fc.constantFrom<unknown>(42, [], null) }),
  },
  { requiredKeys: ['access_token', 'token_type'] },
);

const tokenAnswer: fc.Arbitrary<Answer> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(tokenBody, fc.constantFrom<Record<string, string>>(JSON_HEADERS, JSON_HEADERS, { 'content-type': 'text/plain' })).map(([body, headers]): Answer => ({ status: 200, headers, body: JSON.stringify(body), kind: 'token response' })) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Answer>(
      { status: 400, headers: JSON_HEADERS, body: '{"error":"invalid_grant","error_description":"Refresh token revoked"}', kind: 'invalid_grant' },
      { status: 400, headers: JSON_HEADERS, body: '{"error":"invalid_client"}', kind: 'invalid_client' },
      { status: 400, headers: JSON_HEADERS, body: '{"error":42}', kind: 'error not a string' },
      { status: 401, headers: { ...JSON_HEADERS, 'www-authenticate': 'Basic realm="x"' }, body: '{"error":"invalid_client"}', kind: '401 challenge' },
      { status: 500, headers: { 'content-type': 'text/html' }, body: '<html>oops</html>', kind: '500 HTML' },
      { status: 503, headers: { ...JSON_HEADERS, 'retry-after': '5' }, body: '{}', kind: '503' },
      { status: 200, headers: JSON_HEADERS, body: '{"access_token":"a"', kind: 'truncated' },
      { status: 200, headers: JSON_HEADERS, body: '', kind: 'empty' },
      { status: 200, headers: JSON_HEADERS, body: '[]', kind: 'array' },
      { status: 200, headers: JSON_HEADERS, body: '{"error":"invalid_grant"}', kind: '200 with an error' },
    ),
  },
  { weight: 1, arbitrary: fc.tuple(tokenBody, stall).map(([body, s]): Answer => ({ status: 200, headers: JSON_HEADERS, body: JSON.stringify(body), stall: s, kind: `token response stalled (${s})` })) },
);

const VSCHAR = /^[\x20-\x7E]+$/;

/**
 * RFC 6749 §5.1 as `parseTokenResponse` documents it, read here on its own: whether a 200 token
 * answer is one a client may use. Not required: the `application/json` media type (oauth4webapi
 * checks it only when the body does not parse, and the module does not promise more). `expires_in`
 * may be a JSON number or a string of digits (Appendix A.14: `expires-in = 1*DIGIT`), positive.
 */
function validTokenAnswer(answer: Answer): boolean {
  if (answer.status !== 200 || answer.stall) return false;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return false;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const b = body as Record<string, unknown>;
  const token = (v: unknown) => typeof v === 'string' && VSCHAR.test(v);
  if (!token(b.access_token) || typeof b.token_type !== 'string' || b.token_type.toLowerCase() !== 'bearer') return false;
  const lifetime = b.expires_in;
  if ('expires_in' in b && !((typeof lifetime === 'number' && Number.isInteger(lifetime) && lifetime > 0) || (typeof lifetime === 'string' && /^\d+$/.test(lifetime) && Number(lifetime) > 0))) return false;
  if ('refresh_token' in b && !token(b.refresh_token)) return false;
  if ('scope' in b && typeof b.scope !== 'string') return false;
  return true;
}

/** The connection stored after a call: what may it be, given the token answers served? */
function badStoredConnection(after: StoredConnection | undefined, tokenServed: readonly Served[]): string | undefined {
  const bodies = tokenServed.filter((s) => validTokenAnswer(s.answer)).map((s) => JSON.parse(s.answer.body) as Record<string, unknown>);
  if (!after) return tokenServed.some((s) => s.answer.status === 400 && s.answer.body.includes('"invalid_grant"')) ? undefined : 'the stored connection was cleared without an invalid_grant answer';
  if (!StoredConnectionSchema.safeParse(after).success || !Number.isFinite(after.expiresAt)) return `an invalid connection was stored: ${JSON.stringify(after)}`;
  const refreshTokens = new Set([INITIAL.refreshToken, ...bodies.map((b) => b.refresh_token).filter((t) => t !== undefined)]);
  const accessTokens = new Set([INITIAL.accessToken, ...bodies.map((b) => b.access_token)]);
  if (!refreshTokens.has(after.refreshToken)) return `the stored refresh token ${JSON.stringify(after.refreshToken)} came from no valid answer`;
  if (!accessTokens.has(after.accessToken)) return `the stored access token ${JSON.stringify(after.accessToken)} came from no valid answer`;
  if (after.clientId !== INITIAL.clientId) return 'the stored client ID changed';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Checks.

/** Settles `call` under fake timers within `deadlineMs` (+ slack); a hang or a rejection where none is promised is returned as the outcome. */
async function settle<T>(call: Promise<T>, deadlineMs: number): Promise<{ value: T } | { error: unknown } | Outcome> {
  const settled = await settleWithFakeTimers(call, deadlineMs + SLACK_MS + 1_000);
  vi.clearAllTimers();
  if (settled.status === 'pending') return hung(`not settled ${Math.round((deadlineMs + SLACK_MS + 1_000) / 1000)} s after the call (deadline ${deadlineMs / 1000} s)`);
  if (settled.elapsedMs > deadlineMs + SLACK_MS) return hung(`settled after ${settled.elapsedMs} ms, deadline ${deadlineMs} ms`);
  return settled.status === 'fulfilled' ? { value: settled.value } : { error: settled.reason };
}
const isOutcome = (x: object): x is Outcome => 'verdict' in x;

interface ProviderCase {
  readonly ids: string[];
  readonly answers: Answer[];
}

async function checkReccoBeats({ ids, answers }: ProviderCase): Promise<Outcome> {
  const server = fakeServer((_, i) => answers[Math.min(i, answers.length - 1)] as Answer);
  const provider = createReccoBeatsProvider({ fetch: server.fetch });
  const batches = Math.ceil(new Set(ids).size / RECCOBEATS_BATCH_SIZE);
  const got = await settle(provider.getAudioFeatures(ids), batches * PROVIDER_REQUEST_DEADLINE_MS);
  if (isOutcome(got)) return got;
  if ('error' in got) return crashed(`getAudioFeatures rejected: ${describeError(got.error)}`);
  const wrong = badResult(got.value, ids, server.served, 'reccobeats', (item, id) => typeof item.href === 'string' && item.href.includes(id)) ?? (server.served.length > batches * 4 ? `${server.served.length} requests for ${batches} batches (3 retries each at most)` : undefined);
  return verdictOf(got.value, ids, wrong ? { wrong } : {});
}

/** The Spotify side as the background wires it; `api` answers the Web API, `token` the token endpoint. */
function spotifySide(apiAnswers: Answer[], tokenAnswers: Answer[], connection: StoredConnection = INITIAL) {
  const { store, state } = memoryStore(connection);
  const api = fakeServer((_, i) => apiAnswers[Math.min(i, apiAnswers.length - 1)] as Answer);
  const token = fakeServer((_, i) => tokenAnswers[Math.min(i, tokenAnswers.length - 1)] as Answer);
  const auth = createSpotifyAuth({ store, identity: fakeIdentity(() => REDIRECT).identity, fetch: token.fetch, locks: null });
  const client = createSpotifyClient({ auth, fetch: api.fetch });
  return { store, state, api, token, auth, client };
}

/** Availability changes the answers did not justify. */
function badAvailability(after: AudioFeaturesAvailability | undefined, served: readonly Served[]): string | undefined {
  if (after?.state === 'unavailable' && !served.some((s) => s.answer.status === 403)) return 'audio features marked unavailable without a 403';
  if (after?.state === 'available' && !served.some((s) => s.answer.status >= 200 && s.answer.status < 300 && !s.answer.stall)) return 'audio features marked available without a 2xx answer';
  return undefined;
}

async function checkSpotify({ ids, answers, tokenAnswers }: ProviderCase & { tokenAnswers: Answer[] }): Promise<Outcome> {
  const side = spotifySide(answers, tokenAnswers);
  const provider = createSpotifyProvider({ client: side.client, store: side.store });
  const batches = Math.ceil(new Set(ids).size / SPOTIFY_BATCH_SIZE);
  const got = await settle(provider.getAudioFeatures(ids), batches * PROVIDER_REQUEST_DEADLINE_MS);
  if (isOutcome(got)) return got;
  if ('error' in got) return crashed(`getAudioFeatures rejected: ${describeError(got.error)}`);
  const wrong = badResult(got.value, ids, side.api.served, 'spotify', (item, id) => item.id === id) ?? (side.api.served.length > batches * 6 ? `${side.api.served.length} requests for ${batches} batches` : undefined);
  const lost = badStoredConnection(side.state.connection, side.token.served) ?? badAvailability(side.state.availability.get(CLIENT_ID), side.api.served);
  return verdictOf(got.value, ids, { ...(wrong ? { wrong } : {}), ...(lost ? { dataLost: lost } : {}) });
}

async function checkSearch({ query, answers, tokenAnswers }: { query: string; answers: Answer[]; tokenAnswers: Answer[] }): Promise<Outcome> {
  const side = spotifySide(answers, tokenAnswers);
  const got = await settle(createSpotifySearch(side.client).searchTracks(query), PROVIDER_REQUEST_DEADLINE_MS);
  if (isOutcome(got)) return got;
  const lost = badStoredConnection(side.state.connection, side.token.served);
  if ('error' in got) {
    if (!(got.error instanceof SpotifyApiError || got.error instanceof SpotifyAuthError) || !isClearError(got.error)) return crashed(`searchTracks rejected with ${describeError(got.error)}`);
    return rejected(got.error.message, lost ? { dataLost: lost } : {});
  }
  const servedIds = new Set(side.api.served.flatMap((s) => [...s.answer.body.matchAll(/"id":"([0-9A-Za-z]{22})"/g)].map((m) => m[1])));
  const bad = got.value.find((h) => !TRACK_ID_RE.test(h.trackId) || !servedIds.has(h.trackId) || typeof h.name !== 'string' || h.artists.some((a) => typeof a !== 'string'));
  return accepted({ ...(bad ? { wrong: `a search hit no served item had: ${JSON.stringify(bad).slice(0, 200)}` } : {}), ...(lost ? { dataLost: lost } : {}) });
}

async function checkTokenEndpoint({ answers }: { answers: Answer[] }): Promise<Outcome> {
  // Expires within the refresh margin: getAccessToken refreshes first.
  const initial = { ...INITIAL, expiresAt: Date.now() + 30_000 };
  const side = spotifySide([], answers, initial);
  const started = Date.now();
  const got = await settle(side.auth.getAccessToken(), TOKEN_REQUEST_DEADLINE_MS);
  if (isOutcome(got)) return got;
  const lost = badStoredConnection(side.state.connection, side.token.served);
  const first = side.token.served[0]?.answer;
  const valid = first !== undefined && validTokenAnswer(first);
  if ('error' in got) {
    if (!(got.error instanceof SpotifyAuthError) || !isClearError(got.error)) return crashed(`getAccessToken rejected with ${describeError(got.error)}`);
    const unchanged = JSON.stringify(side.state.connection) === JSON.stringify(initial);
    const extra: Omit<Outcome, 'verdict'> = {
      ...(valid ? { wrong: `a valid token response was refused: ${got.error.message}` } : {}),
      ...(lost ? { dataLost: lost } : got.error.code !== 'invalid-grant' && !unchanged ? { dataLost: 'the stored connection changed although the refresh failed' } : {}),
    };
    return rejected(`${got.error.code}: ${got.error.message}`, extra);
  }
  const token = got.value;
  const wrong =
    !VSCHAR.test(token.accessToken)
      ? `handed out the access token ${JSON.stringify(token.accessToken)}`
      : !Number.isFinite(token.expiresAt) || token.expiresAt <= started || token.expiresAt > Date.now() + MAX_ACCESS_TOKEN_LIFETIME_S * 1000
        ? `handed out a token expiring at ${token.expiresAt}`
        : undefined;
  return accepted({ ...(wrong ? { wrong } : {}), ...(lost ? { dataLost: lost } : {}), ...(valid ? {} : { forbidden: `accepted a token response RFC 6749 §5.1 forbids: ${first?.kind ?? 'none'} ${first?.body.slice(0, 200) ?? ''}` }) });
}

// ---------------------------------------------------------------------------------------------

const tally = useTally('fuzz: API bodies (malformed and stalled)');
beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A case as reported: token answers first (short), then the IDs, the query and the API answers (bodies cut). */
const showCase = (c: { ids?: string[]; query?: string; answers: Answer[]; tokenAnswers?: Answer[] }) =>
  JSON.stringify({
    ...(c.tokenAnswers ? { tokenAnswers: c.tokenAnswers.map((a) => `${a.status} ${a.kind}: ${a.body.slice(0, 300)}`) } : {}),
    ...(c.ids ? { ids: c.ids.length > 3 ? [...c.ids.slice(0, 3), `… ${c.ids.length} IDs`] : c.ids } : {}),
    ...(c.query === undefined ? {} : { query: c.query }),
    answers: c.answers.map((a) => ({ ...a, body: a.body.length > 300 ? `${a.body.slice(0, 300)}… (${a.body.length} characters)` : a.body })),
  });

describe('fuzz: API bodies', () => {
  it('the harness: a stalled body ends at the deadline with a message, and a call that never settles is a hang', async () => {
    const id = '4uLU6hMCjMI75M1A2tKUQC';
    const body = JSON.stringify({ content: [{ href: `https://open.spotify.com/track/${id}`, acousticness: 0.1, danceability: 0.5, energy: 0.5, instrumentalness: 0, key: 5, liveness: 0.1, loudness: -6, mode: 1, speechiness: 0.05, tempo: 120, valence: 0.5 }] });
    for (const s of ['body', 'body-deaf', 'headers', 'headers-deaf'] as const) {
      const outcome = await checkReccoBeats({ ids: [id], answers: [{ status: 200, headers: JSON_HEADERS, body, stall: s, kind: s }] });
      // A stalled body meets the batch's deadline; stalled headers meet ky's per-attempt timeout (15 s) first.
      expect(outcome, s).toMatchObject({ verdict: 'rejected', detail: s.startsWith('body') ? expect.stringContaining(`within ${PROVIDER_REQUEST_DEADLINE_MS / 1000} s`) : expect.stringMatching(/timed out/) });
    }
    expect(await checkReccoBeats({ ids: [id], answers: [{ status: 200, headers: JSON_HEADERS, body, kind: 'ok' }] })).toEqual({ verdict: 'accepted' });
    expect(await settle(new Promise(() => {}), 1_000)).toMatchObject({ verdict: 'hang' });
  });

  it(
    'ReccoBeats: every call settles within its deadline with valid features of requested tracks only, or errors that say why',
    async () => {
      const arbitrary = idsFor(RECCOBEATS_BATCH_SIZE).chain((ids) => answersFor(reccoOk, ids).map((answers) => ({ ids, answers })));
      await runCategory({ tally, category: 'reccobeats', arbitrary, runs: runsFor(150), check: checkReccoBeats, show: showCase });
      expect(tally.problems().filter((p) => p.startsWith('reccobeats:'))).toEqual([]);
    },
    timeoutFor(15_000),
  );

  it(
    'Spotify: the same, and the stored connection and availability change only as the answers say',
    async () => {
      const arbitrary = idsFor(SPOTIFY_BATCH_SIZE).chain((ids) =>
        fc.record({ ids: fc.constant(ids), answers: answersFor(spotifyOk, ids), tokenAnswers: fc.array(tokenAnswer, { minLength: 1, maxLength: 2 }) }),
      );
      await runCategory({ tally, category: 'spotify', arbitrary, runs: runsFor(150), check: checkSpotify, show: showCase });
      expect(tally.problems().filter((p) => p.startsWith('spotify:'))).toEqual([]);
    },
    timeoutFor(20_000),
  );

  it(
    'Spotify search: settles within the deadline; hits are items the answer had, or the call rejects with a message',
    async () => {
      const arbitrary = fc.record({ query: fc.oneof(hostileString, fc.constant('song')), answers: answersFor(searchOk, []), tokenAnswers: fc.array(tokenAnswer, { minLength: 1, maxLength: 2 }) });
      await runCategory({ tally, category: 'spotify search', arbitrary, runs: runsFor(80), check: checkSearch, show: showCase });
      expect(tally.problems().filter((p) => p.startsWith('spotify search:'))).toEqual([]);
    },
    timeoutFor(10_000),
  );

  it(
    'token endpoint: a refresh settles within its deadline, takes only RFC 6749 token responses, and keeps the stored tokens unless told otherwise',
    async () => {
      await runCategory({ tally, category: 'token endpoint', arbitrary: fc.record({ answers: fc.array(tokenAnswer, { minLength: 1, maxLength: 1 }) }), runs: runsFor(200), check: checkTokenEndpoint, show: showCase });
      expect(tally.problems().filter((p) => p.startsWith('token endpoint:'))).toEqual([]);
    },
    timeoutFor(10_000),
  );
});
