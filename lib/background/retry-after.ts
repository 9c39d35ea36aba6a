import { HTTPError, type RetryOptions } from 'ky';

/**
 * `Retry-After` (RFC 9110 §10.2.3) read strictly, and ky's retry configured to use it with a
 * bound. ky 1.14 reads the header itself with `Number()` and `Date.parse()`: "abc" or "Infinity"
 * becomes a wait of `maxRetryAfter` (ky's default is no limit at all), "1e3" a 1,000 s wait, and
 * it also reads `RateLimit-Reset` and `X-RateLimit-Reset` when `Retry-After` is absent. So
 * {@link boundedRetry} turns ky's header reading off (`afterStatusCodes: []`) and gives ky the
 * wait through its `delay` option instead.
 */

/**
 * Longest wait a `Retry-After` value is read as, ms (1 hour): a real but longer value (an
 * HTTP-date years ahead) is clamped to it. RFC 9110 sets no maximum; the providers never wait
 * anywhere near this long (see {@link RETRY_WAIT_MAX_MS}), this only keeps the figure sane.
 */
export const RETRY_AFTER_MAX_MS = 60 * 60 * 1000;

/**
 * Longest `Retry-After` wait honoured before a retry, ms (10 s), and the longest backoff between
 * attempts. Asked to wait longer, a request fails at once instead: retrying sooner than the server
 * allows only earns another 429, and a retry after 10 s still fits in
 * `PROVIDER_REQUEST_DEADLINE_MS` (20 s).
 */
export const RETRY_WAIT_MAX_MS = 10_000;

/** First backoff between attempts without a `Retry-After`, ms, doubling per retry: ky's default (0.3 s × 2^(n−1)). */
export const RETRY_BACKOFF_BASE_MS = 300;

/**
 * Longest header value read, in characters: an IMF-fixdate has 29, an rfc850-date at most 33
 * (RFC 9110 §5.6.7). Anything longer is not a value a server means.
 */
const MAX_HEADER_LENGTH = 64;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
/** RFC 9110 §5.6.7 `IMF-fixdate`: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
/** RFC 9110 §5.6.7 obsolete `rfc850-date`: `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC850_DATE = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
/** RFC 9110 §5.6.7 obsolete `asctime-date`: `Sun Nov  6 08:49:37 1994`. */
const ASCTIME_DATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

/** ms since the epoch of a UTC date and time, or `undefined` when a field is out of range (e.g. 31 Feb, 25:00). */
function utc(year: number, month: number, day: number, hour: number, minute: number, second: number): number | undefined {
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const date = new Date(Date.UTC(year, month, day));
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  date.setUTCFullYear(year, month, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month || date.getUTCDate() !== day) return undefined;
  return date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000;
}

/**
 * An HTTP-date (RFC 9110 §5.6.7: `IMF-fixdate`, or the obsolete `rfc850-date` and `asctime-date`
 * every recipient must accept) in ms since the epoch; `undefined` for anything else. Case
 * sensitive, as the RFC says; the redundant day name is not checked against the date. An
 * rfc850-date's two-digit year more than 50 years ahead of `now` is read as the most recent past
 * year with those digits (§5.6.7).
 */
export function parseHttpDate(value: string, now: number): number | undefined {
  const month = (name: string | undefined): number => MONTHS.findIndex((m) => m === name);
  let match = IMF_FIXDATE.exec(value);
  if (match) {
    const [, day, mon, year, h, m, s] = match;
    return utc(Number(year), month(mon), Number(day), Number(h), Number(m), Number(s));
  }
  match = RFC850_DATE.exec(value);
  if (match) {
    const [, day, mon, yy, h, m, s] = match;
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(yy);
    if (year > thisYear + 50) year -= 100;
    return utc(year, month(mon), Number(day), Number(h), Number(m), Number(s));
  }
  match = ASCTIME_DATE.exec(value);
  if (match) {
    const [, mon, day, h, m, s, year] = match;
    return utc(Number(year), month(mon), Number(day), Number(h), Number(m), Number(s));
  }
  return undefined;
}

/**
 * The wait a `Retry-After` field value asks for, in ms (RFC 9110 §10.2.3: `Retry-After =
 * HTTP-date / delay-seconds`, `delay-seconds = 1*DIGIT`).
 * - delay-seconds: that many seconds. Only digits: `"1e3"`, `"-1"`, `"1.5"`, `"Infinity"` are
 *   not delay-seconds.
 * - HTTP-date: the time from `now` until then; 0 for a date in the past.
 * - `undefined` (treat as absent) when `value` is `null`, empty, neither form, longer than 64
 *   characters, or delay-seconds too large to be a safe integer (e.g. 10,000 digits).
 * - A real value longer than {@link RETRY_AFTER_MAX_MS} is clamped to it.
 * @param now ms since the epoch, for HTTP-dates.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (v === '' || v.length > MAX_HEADER_LENGTH) return undefined;
  let wait: number;
  if (/^\d+$/.test(v)) {
    const seconds = Number(v);
    if (!Number.isSafeInteger(seconds)) return undefined;
    wait = seconds * 1000;
  } else {
    const date = parseHttpDate(v, now);
    if (date === undefined) return undefined;
    wait = Math.max(0, date - now);
  }
  return Math.min(wait, RETRY_AFTER_MAX_MS);
}

/** Statuses whose `Retry-After` is honoured (RFC 9110 §10.2.3: 503; RFC 6585 §4: 429). */
export const RETRY_AFTER_STATUSES: readonly number[] = [429, 503];

/** Options of {@link boundedRetry}. */
export interface BoundedRetryOptions {
  /** Retries after the first attempt. */
  readonly limit: number;
  /** Statuses retried (those in {@link RETRY_AFTER_STATUSES} wait their `Retry-After`). */
  readonly statusCodes: readonly number[];
  /** Whether ky's per-attempt `TimeoutError` is retried. */
  readonly retryOnTimeout?: boolean;
  /** Longest `Retry-After` waited for, ms (default {@link RETRY_WAIT_MAX_MS}); longer: fail at once. Also the backoff's cap. */
  readonly maxWaitMs?: number;
  /** Clock for HTTP-dates, ms since the epoch. */
  readonly now?: () => number;
}

/**
 * ky `retry` options for ONE request (they keep that request's last `Retry-After`; make a new
 * object per request): GET only, `limit` retries on `statusCodes`, network errors (and timeouts
 * when `retryOnTimeout`), with ky's exponential backoff from {@link RETRY_BACKOFF_BASE_MS} capped
 * at `maxWaitMs`. For 429 and 503 the wait is the response's `Retry-After` read by
 * {@link parseRetryAfter}: an unparseable or huge value counts as absent (backoff), a value over
 * `maxWaitMs` fails the request at once with the `HTTPError`. ky never reads the header itself
 * (`afterStatusCodes: []`). The waits are ky's and end early when the request's `signal` aborts.
 */
export function boundedRetry(options: BoundedRetryOptions): RetryOptions {
  const maxWait = options.maxWaitMs ?? RETRY_WAIT_MAX_MS;
  const now = options.now ?? Date.now;
  /** The wait the last failed attempt's `Retry-After` asked for, if it had a usable one. */
  let hinted: number | undefined;
  return {
    limit: options.limit,
    methods: ['get'],
    statusCodes: [...options.statusCodes],
    afterStatusCodes: [],
    retryOnTimeout: options.retryOnTimeout ?? false,
    backoffLimit: maxWait,
    shouldRetry: ({ error }) => {
      hinted = undefined;
      if (!(error instanceof HTTPError) || !RETRY_AFTER_STATUSES.includes(error.response.status)) return undefined;
      const wait = parseRetryAfter(error.response.headers.get('Retry-After'), now());
      if (wait !== undefined && wait > maxWait) return false;
      hinted = wait;
      // ky decides the rest (is the status in statusCodes, is the limit reached) as usual.
      return undefined;
    },
    delay: (attempt) => hinted ?? RETRY_BACKOFF_BASE_MS * 2 ** (attempt - 1),
  };
}
