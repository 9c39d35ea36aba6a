/**
 * Fuzz: `Retry-After` values (RFC 9110 §10.2.3), parsed and then obeyed.
 *
 * What runs:
 * - `parser`: `parseRetryAfter(value, now)` (lib/background/retry-after.ts) on generated values:
 *   delay-seconds (0, small, huge digit runs), what is not delay-seconds (negative, decimals,
 *   exponents, hex, `+5`, `Infinity`, `NaN`, units, non-ASCII digits, empty, whitespace of every
 *   kind around valid values), HTTP-dates in the three RFC 9110 §5.6.7 formats (valid, with
 *   impossible fields, lower case, wrong day names, far past and future) and in formats the RFC
 *   does not allow (ISO 8601, `Date.prototype.toString`, two-digit years, time zones other than
 *   GMT), and random strings.
 * - `end to end`: the ReccoBeats provider and the Spotify client (defaults: 3 resp. 2 retries,
 *   `RETRY_WAIT_MAX_MS`, `PROVIDER_REQUEST_DEADLINE_MS`) against a server answering 429 / 503
 *   with generated `Retry-After` values before (maybe) answering 200, under fake timers.
 *
 * Per value / call:
 * - crash: `parseRetryAfter` throws; a provider rejects (it promises not to) or a client call
 *   rejects with something that is not an `Error` with a message.
 * - hang: a call not settled within `PROVIDER_REQUEST_DEADLINE_MS` (+ 1 s): the total wait must
 *   stay bounded whatever the server asks for.
 * - wrong: a parsed wait that is not absent or a finite number in [0, `RETRY_AFTER_MAX_MS`]; a
 *   wait for valid delay-seconds or IMF-fixdate other than the value itself (clamped); a retry
 *   sooner than the `Retry-After` asked, or a retry at all after a wait longer than
 *   `RETRY_WAIT_MAX_MS`; more attempts than the retries allow.
 * - forbidden: a number for a value that is neither delay-seconds nor an HTTP-date.
 * - accepted: a wait was read (parser) / the call ended with features or a body (end to end);
 *   rejected: absent (parser) / the call failed with its error.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PROVIDER_REQUEST_DEADLINE_MS } from '@/lib/background/deadline';
import { createReccoBeatsProvider } from '@/lib/background/providers/reccobeats';
import { RETRY_AFTER_MAX_MS, RETRY_WAIT_MAX_MS, parseRetryAfter } from '@/lib/background/retry-after';
import { SpotifyApiError, createSpotifyClient } from '@/lib/background/spotify-client';
import { z } from 'zod';
import { runsFor, timeoutFor } from './support/config';
import { fakeServer, onTheWire, retryAfterValue, type Answer, type Served } from './support/http';
import { useTally, describeError, isClearError, runCategory, settleWithFakeTimers } from './support/run';
import { accepted, crashed, hung, rejected, type Outcome } from './support/tally';

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const SLACK_MS = 1_000;

// ---------------------------------------------------------------------------------------------
// Values, each with what RFC 9110 says it is (decided here, not by the code under test).

type Expect = { readonly is: 'seconds'; readonly ms: number } | { readonly is: 'date'; readonly at: number } | { readonly is: 'loose-date' } | { readonly is: 'invalid' };
interface Value {
  readonly value: string;
  readonly expect: Expect;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');
const imfFixdate = (d: Date) => `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCFullYear()).padStart(4, '0')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} GMT`;
const rfc850 = (d: Date) => `${LONG_DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${p2(d.getUTCFullYear() % 100)} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} GMT`;
const asctime = (d: Date) => `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;

/** Whitespace the field value may carry around it (RFC 9110 §5.5: OWS is SP / HTAB). */
const ows = fc.constantFrom('', '', '', ' ', '\t', '  ');
const secondsDate = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2200-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => new Date(Math.floor(d.getTime() / 1000) * 1000));
const nearDate = fc.integer({ min: -3_600, max: 7_200 }).map((s) => new Date(NOW + s * 1000));

const value: fc.Arbitrary<Value> = fc.oneof(
  // delay-seconds
  fc.tuple(ows, fc.oneof(fc.nat({ max: 120 }), fc.nat({ max: 10_000_000 }), fc.constant(0)), ows).map(([a, n, b]) => ({ value: `${a}${n}${b}`, expect: { is: 'seconds' as const, ms: n * 1000 } })),
  fc.tuple(fc.nat({ max: 5 }), fc.nat({ max: 99 })).map(([zeros, n]) => ({ value: `${'0'.repeat(zeros)}${n}`, expect: { is: 'seconds' as const, ms: n * 1000 } })),
  // digit runs too long for a number: absent, or clamped; never a wrong number.
  fc.integer({ min: 17, max: 5_000 }).map((n) => ({ value: '9'.repeat(n), expect: { is: 'loose-date' as const } })),
  // not delay-seconds
  fc
    .oneof(
      fc.constantFrom('-1', '-0', '+5', '1.5', '1.', '.5', '1e3', '1E3', '0x10', '0b1', '0o7', 'Infinity', '-Infinity', 'NaN', '5s', '5 s', '5,5', '5 5', '١٢', '５', '٣', '', '   ', '\t', 'null', 'undefined', 'true', '[]', '{}', 'now', 'tomorrow', 'soon', '1_000'),
      fc.double({ noNaN: false }).filter((x) => !Number.isInteger(x) || x < 0).map(String),
      // Not digits with whitespace of any kind around them (those are the "loose" case below).
      fc.string({ unit: 'binary', maxLength: 30 }).filter((s) => !/^\d+$/.test(s.trim()) && !/GMT|\d{4}/.test(s)),
    )
    .map((v) => ({ value: v, expect: { is: 'invalid' as const } })),
  // Unicode whitespace around digits: not OWS; reading it as the number is lenient but harmless.
  fc.tuple(fc.constantFrom('\u00a0', '\u2003', '\u3000', '\ufeff', '\n', '\r\n', '\v', '\f'), fc.nat({ max: 60 })).map(([w, n]) => ({ value: `${w}${n}${w}`, expect: { is: 'loose-date' as const } })),
  // HTTP-dates (RFC 9110 §5.6.7), valid
  fc.tuple(ows, fc.oneof(secondsDate, nearDate), ows).map(([a, d, b]) => ({ value: `${a}${imfFixdate(d)}${b}`, expect: { is: 'date' as const, at: d.getTime() } })),
  fc.oneof(secondsDate, nearDate).map((d) => ({ value: asctime(d), expect: { is: 'date' as const, at: d.getTime() } })),
  // rfc850: two-digit years, read relative to now; checked for bounds only
  fc.oneof(secondsDate, nearDate).map((d) => ({ value: rfc850(d), expect: { is: 'loose-date' as const } })),
  // HTTP-dates with impossible fields, wrong case, or in formats the RFC does not allow
  fc
    .tuple(secondsDate, fc.constantFrom<(d: Date, s: string) => string>(
      (_, s) => s.replace(/ \d{2}:/, ' 25:'),
      (_, s) => s.replace(/:\d{2} GMT/, ':61 GMT'),
      (_, s) => s.replace(/, \d{2} /, ', 32 '),
      (_, s) => s.replace(/, \d{2} /, ', 1 '),
      (_, s) => s.replace('GMT', 'UTC'),
      (_, s) => s.replace('GMT', '+0000'),
      (_, s) => s.replace(' GMT', ''),
      (_, s) => s.toLowerCase(),
      (_, s) => s.toUpperCase(),
      (_, s) => s.replace(/^\w{3}/, 'Xyz'),
      (_, s) => s.replace(/^\w{3}, /, ''),
      (_, s) => s.replace(/, /, ','),
      (_, s) => s.replace(/ (\w{3}) /, ' $1. '),
      (_, s) => `${s}x`,
      (d) => d.toISOString(),
      (d) => d.toString(),
      (d) => String(d.getTime()),
      (d) => d.toISOString().slice(0, 10),
    ))
    .map(([d, f]) => ({ value: f(d, imfFixdate(d)), expect: { is: 'invalid' as const } }))
    .filter((v) => !/^\d+$/.test(v.value)),
  fc.constantFrom('Thu, 29 Feb 2024 00:00:00 GMT', 'Sat, 29 Feb 2025 00:00:00 GMT', 'Wed, 31 Apr 2026 00:00:00 GMT', 'Sun, 06 Nov 1994 08:49:60 GMT', 'Mon, 01 Jan 0000 00:00:00 GMT', 'Fri, 31 Dec 9999 23:59:59 GMT').map((v) => ({ value: v, expect: { is: 'loose-date' as const } })),
  fc.oneof(retryAfterValue, fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 80 })).map((v) => ({ value: v, expect: { is: 'loose-date' as const } })),
);

const WaitSchema = z.number().finite().min(0).max(RETRY_AFTER_MAX_MS);

function checkValue({ value: v, expect: e }: Value): Promise<Outcome> {
  let wait: number | undefined;
  try {
    wait = parseRetryAfter(v, NOW);
  } catch (error) {
    return Promise.resolve(crashed(`parseRetryAfter threw ${describeError(error)}`));
  }
  if (wait !== undefined && !WaitSchema.safeParse(wait).success) return Promise.resolve(accepted({ wrong: `read as ${wait} ms` }));
  const clamp = (ms: number) => Math.min(Math.max(0, ms), RETRY_AFTER_MAX_MS);
  let problem: Omit<Outcome, 'verdict'> = {};
  if (e.is === 'seconds' && wait !== clamp(e.ms)) problem = { wrong: `delay-seconds read as ${String(wait)} ms, expected ${clamp(e.ms)}` };
  if (e.is === 'date' && wait !== clamp(e.at - NOW)) problem = { wrong: `HTTP-date read as ${String(wait)} ms, expected ${clamp(e.at - NOW)}` };
  if (e.is === 'invalid' && wait !== undefined) problem = { forbidden: `not delay-seconds nor an HTTP-date, read as ${wait} ms` };
  return Promise.resolve(wait === undefined ? rejected('absent', problem) : accepted(problem));
}

// ---------------------------------------------------------------------------------------------
// End to end.

interface RetryCase {
  readonly provider: 'reccobeats' | 'spotify';
  /** Rate-limit answers before the last answer, which is 200 (`succeeds`) or 429 again. */
  readonly limits: { status: 429 | 503; retryAfter: string | undefined }[];
  readonly succeeds: boolean;
}

const retryCase: fc.Arbitrary<RetryCase> = fc.record({
  provider: fc.constantFrom('reccobeats', 'spotify'),
  limits: fc.array(
    fc.record({
      status: fc.constantFrom<429 | 503>(429, 429, 503),
      retryAfter: fc.option(
        fc.oneof(
          { weight: 3, arbitrary: fc.nat({ max: 12 }).map(String) },
          { weight: 1, arbitrary: fc.integer({ min: -5, max: 15 }).map((s) => new Date(NOW + s * 1000).toUTCString()) },
          { weight: 2, arbitrary: retryAfterValue },
          { weight: 2, arbitrary: value.map((v) => v.value) },
        ),
        { nil: undefined, freq: 5 },
      ),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  succeeds: fc.boolean(),
});

const ID = '4uLU6hMCjMI75M1A2tKUQC';
const FEATURES = { acousticness: 0.1, danceability: 0.5, energy: 0.5, instrumentalness: 0, key: 5, liveness: 0.1, loudness: -6, mode: 1, speechiness: 0.05, tempo: 120, valence: 0.5 };

function answersOf(c: RetryCase): Answer[] {
  const ok: Answer =
    c.provider === 'reccobeats'
      ? { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: [{ href: `https://open.spotify.com/track/${ID}`, ...FEATURES }] }), kind: '200' }
      : { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ audio_features: [{ id: ID, ...FEATURES }] }), kind: '200' };
  const limits = c.limits.map((l): Answer => ({ status: l.status, headers: l.retryAfter === undefined ? {} : { 'retry-after': l.retryAfter }, body: '{"error":{"status":429,"message":"API rate limit exceeded"}}', kind: `${l.status} Retry-After ${JSON.stringify(l.retryAfter)}` }));
  const last = limits[limits.length - 1] as Answer;
  return [...limits, c.succeeds ? ok : last];
}

/** What is wrong with the timing of the attempts, or `undefined`. */
function badTiming(served: readonly Served[], retries: number): string | undefined {
  if (served.length > retries + 1) return `${served.length} attempts for ${retries} retries`;
  for (let i = 0; i + 1 < served.length; i++) {
    const previous = served[i] as Served;
    const next = served[i + 1] as Served;
    if (previous.answer.status !== 429 && previous.answer.status !== 503) continue;
    const header = previous.answer.headers['retry-after'];
    const wait = parseRetryAfter(header === undefined ? null : onTheWire(header).trim(), previous.at);
    if (wait === undefined) continue;
    if (wait > RETRY_WAIT_MAX_MS) return `retried after a Retry-After of ${wait} ms (longer than ${RETRY_WAIT_MAX_MS} ms: should fail at once)`;
    const gap = next.at - previous.at;
    if (gap < wait) return `retried ${gap} ms after a Retry-After of ${wait} ms`;
  }
  return undefined;
}

async function checkRetries(c: RetryCase): Promise<Outcome> {
  const server = fakeServer((_, i) => answersOf(c)[Math.min(i, c.limits.length)] as Answer);
  let call: Promise<unknown>;
  let retries: number;
  if (c.provider === 'reccobeats') {
    retries = 3;
    call = createReccoBeatsProvider({ fetch: server.fetch }).getAudioFeatures([ID]);
  } else {
    retries = 2;
    const auth = { getAccessToken: async () => ({ accessToken: 'a', clientId: 'c', expiresAt: Date.now() + 3_600_000 }), refreshAfterUnauthorized: async () => ({ accessToken: 'a', clientId: 'c', expiresAt: Date.now() + 3_600_000 }) };
    call = createSpotifyClient({ auth, fetch: server.fetch }).call((api) => api.makeRequest('GET', `audio-features?ids=${ID}`), z.object({ audio_features: z.array(z.unknown()) }));
  }
  const settled = await settleWithFakeTimers(call, PROVIDER_REQUEST_DEADLINE_MS + SLACK_MS + 1_000);
  vi.clearAllTimers();
  if (settled.status === 'pending') return hung(`not settled within ${PROVIDER_REQUEST_DEADLINE_MS + SLACK_MS} ms`);
  if (settled.elapsedMs > PROVIDER_REQUEST_DEADLINE_MS + SLACK_MS) return hung(`settled after ${settled.elapsedMs} ms`);
  const wrong = badTiming(server.served, retries);
  const extra = wrong ? { wrong } : {};
  if (settled.status === 'rejected') {
    if (c.provider === 'reccobeats') return crashed(`the provider rejected: ${describeError(settled.reason)}`);
    if (!(settled.reason instanceof SpotifyApiError) || !isClearError(settled.reason)) return crashed(`the client rejected with ${describeError(settled.reason)}`);
    return rejected(settled.reason.message, extra);
  }
  if (c.provider === 'reccobeats') {
    const result = settled.value as { features: Map<string, unknown>; errors: Map<string, string> };
    return result.features.size > 0 ? accepted(extra) : rejected(result.errors.get(ID) ?? '', extra);
  }
  return accepted(extra);
}

// ---------------------------------------------------------------------------------------------

const tally = useTally('fuzz: Retry-After');

describe('fuzz: Retry-After', () => {
  it('the harness notices a retry sooner than asked, one after a too long wait, and too many attempts', () => {
    const answer = (retryAfter: string): Answer => ({ status: 429, headers: { 'retry-after': retryAfter }, body: '', kind: '429' });
    const at = (t: number, a: Answer): Served => ({ url: new URL('https://x.example/'), answer: a, at: t });
    expect(badTiming([at(0, answer('5')), at(4_999, answer('5'))], 3)).toMatch(/retried 4999 ms after/);
    expect(badTiming([at(0, answer('11')), at(11_000, answer('5'))], 3)).toMatch(/should fail at once/);
    expect(badTiming([at(0, answer('0')), at(0, answer('0')), at(0, answer('0'))], 1)).toMatch(/3 attempts/);
    expect(badTiming([at(0, answer('5')), at(5_000, answer('5'))], 3)).toBeUndefined();
  });

  it(
    'parseRetryAfter: absent, or a finite wait in [0, RETRY_AFTER_MAX_MS]; exact for delay-seconds and HTTP-dates; absent for anything else',
    async () => {
      await runCategory({ tally, category: 'parser', arbitrary: value, runs: runsFor(3_000), check: checkValue });
      expect(tally.problems().filter((p) => p.startsWith('parser:'))).toEqual([]);
    },
    timeoutFor(5_000),
  );

  describe('end to end', () => {
    beforeEach(() => {
      vi.useFakeTimers({ now: NOW });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it(
      'a provider answered 429 / 503 with odd Retry-After values waits what is asked (up to RETRY_WAIT_MAX_MS), never longer than its deadline',
      async () => {
        await runCategory({ tally, category: 'end to end', arbitrary: retryCase, runs: runsFor(100), check: checkRetries });
        expect(tally.problems().filter((p) => p.startsWith('end to end:'))).toEqual([]);
      },
      timeoutFor(10_000),
    );
  });
});
