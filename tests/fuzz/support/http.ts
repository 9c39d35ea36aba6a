import fc from 'fast-check';

/**
 * A fake HTTP server behind a `fetch`, answering each request with a generated {@link Answer}:
 * a status, headers and a body sent whole, or stalled. It behaves as `fetch` does with the
 * request's `signal` (WHATWG Fetch: an abort rejects a pending `fetch`, and errors the body
 * stream of a response already handed over), except for `deaf` stalls, which ignore the abort
 * (a broken network stack): only the caller's own deadline can end those.
 */

/** How an answer stalls: never sends headers, or sends headers and part of the body and then nothing. */
export type Stall = 'headers' | 'body' | 'headers-deaf' | 'body-deaf';

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly stall?: Stall;
  /** What the answer is, for reports. */
  readonly kind: string;
}

/** A request the fake server got, and the answer it gave. */
export interface Served {
  readonly url: URL;
  readonly answer: Answer;
  /** `Date.now()` when the request arrived (the fake clock under fake timers). */
  readonly at: number;
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const encoder = new TextEncoder();

/**
 * A header value as it arrives over HTTP: a server sends bytes (its text as UTF-8), `fetch`
 * shows each byte as one character (Latin-1), and CR, LF and NUL cannot be sent inside a value.
 */
export function onTheWire(value: string): string {
  return String.fromCharCode(...encoder.encode(value.replace(/[\r\n\0]/g, '')));
}

const wireHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, onTheWire(v)]));

/** A `fetch` whose `index`-th request gets `answer(url, index)`; `served` lists what went out. */
export function fakeServer(answer: (url: URL, index: number) => Answer) {
  const served: Served[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const signal = init?.signal ?? request.signal;
    const url = new URL(request.url);
    const spec = answer(url, served.length);
    served.push({ url, answer: spec, at: Date.now() });
    signal.throwIfAborted();
    if (spec.stall === 'headers' || spec.stall === 'headers-deaf') {
      return new Promise<Response>((_, reject) => {
        if (spec.stall === 'headers') signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }
    const bytes = encoder.encode(spec.body);
    const stalled = spec.stall === 'body' || spec.stall === 'body-deaf';
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        if (!stalled) {
          if (bytes.length > 0) controller.enqueue(bytes);
          controller.close();
          return;
        }
        controller.enqueue(bytes.slice(0, Math.max(1, Math.floor(bytes.length / 2))));
        if (spec.stall === 'body') signal.addEventListener('abort', () => controller.error(signal.reason), { once: true });
      },
    });
    return new Response(NULL_BODY_STATUSES.has(spec.status) ? null : stream, { status: spec.status, headers: wireHeaders(spec.headers) });
  };
  return { fetch: fetch as typeof globalThis.fetch, served };
}

// ---------------------------------------------------------------------------------------------
// Generators of odd answers.

/** `Retry-After` values servers send, and values they should not. */
export const retryAfterValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0', '1', '2', '5', '10', '11', '30', '60', '3600', '86400', '-1', '1.5', '1e3', '0x10', '+5', ' 5 ', '5s', 'Infinity', 'NaN', '', 'abc', '99999999999999999999', '9'.repeat(400)),
  fc.nat({ max: 120 }).map(String),
  fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toUTCString()),
  fc.constantFrom('Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994', 'Wed, 31 Feb 2035 25:61:61 GMT', 'Fri, 01 Jan 2100 00:00:00 GMT', 'tomorrow'),
);

/** JSON that does not parse, or parses to something unexpected, and pages that are not JSON. */
export const brokenBody: fc.Arbitrary<{ body: string; kind: string }> = fc.oneof(
  fc.constantFrom('', ' ', 'null', 'true', '0', '"content"', '[]', '{}', 'NaN', 'undefined', '{"content":', '{"content":[{"href":', '\ufeff{"content":[]}', '<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>', '{"error":{"status":500,"message":"oops"}}', '{"content":[1,2,3]}', '{"content":"[]"}', '{"content":null}', '{"audio_features":{}}', '{"audio_features":[null,null]}', '{"tracks":{"items":null}}').map((body) => ({ body, kind: 'broken body' })),
  fc.string({ unit: 'binary', maxLength: 100 }).map((body) => ({ body, kind: 'binary body' })),
  fc.constantFrom(10_000, 200_000).map((depth) => ({ body: `${'['.repeat(depth)}${']'.repeat(depth)}`, kind: 'deeply nested body' })),
);
