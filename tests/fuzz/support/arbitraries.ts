import fc from 'fast-check';
import type { AudioFeatures } from '@/model/features';

/**
 * Generators shared by the fuzz categories: track IDs valid and almost valid, hostile strings
 * (markup, bidi controls, zero-width and lone surrogates, prototype keys, very long), and JSON-ish
 * values that carry prototype keys as own properties (as `JSON.parse` and structured clone make them),
 * and valid audio features.
 */

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const TRACK_ID_RE = /^[0-9A-Za-z]{22}$/;

/** A valid 22-character base62 track ID. */
export const validTrackId = fc.string({ unit: fc.constantFrom(...BASE62), minLength: 22, maxLength: 22 });

/** Keys that mean something to JavaScript's objects. */
export const EVIL_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'then', 'toJSON'] as const;

/** Strings that have broken parsers, renderers and stores elsewhere. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\t\n\r',
  '\u00a0',
  '\u200b',
  '\u200b\u200c\u200d\ufeff',
  '\u202eevil\u202c',
  '\u2066rtl\u2069',
  'مرحبا بالعالم',
  'שלום',
  'e\u0301\u0301\u0301',
  '\ud800',
  '\udfff',
  '\ud83d\ude00',
  '\u0000',
  '%00',
  '%E0%A4%A',
  '<script>globalThis.__fuzzRan=(globalThis.__fuzzRan||0)+1</script>',
  '<img src=x onerror="globalThis.__fuzzRan=(globalThis.__fuzzRan||0)+1">',
  '"><svg onload=alert(1)>',
  "'; DROP TABLE tracks; --",
  '${7*7}',
  '{{constructor.constructor("return 1")()}}',
  '__proto__',
  'constructor',
  'toString',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-0',
  'javascript:alert(1)',
] as const;

/** A string worth throwing at a parser: nasty constants, any code points, graphemes, long runs. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('a', 'é', '\u200b', '\ud83d\ude00', '<b>', 'x'), fc.constantFrom(199, 200, 201, 1_000, 100_000))
      .map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n)),
  },
);

/** Defines `key` as an own, enumerable property (also `__proto__`, which plain assignment would not create). */
export function ownProperty<T extends object>(target: T, key: string, value: unknown): T {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

/** Values that are not JSON but survive Firefox's structured clone (Chrome turns them into JSON first). */
const cloneOnly = fc.constantFrom<unknown>(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, undefined, 2 ** 53 + 1, 1e308);

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
  { weight: 1, arbitrary: cloneOnly },
  { weight: 1, arbitrary: validTrackId },
);

/** JSON-ish trees with prototype keys as own properties, a few levels deep. */
export const jsonish: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(tie('node'), { maxLength: 5 }) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.tuple(fc.oneof(fc.constantFrom(...EVIL_KEYS), fc.string({ maxLength: 8 })), tie('node')), { maxLength: 5 })
        .map((entries) => entries.reduce<object>((o, [k, v]) => ownProperty(o, k, v), {})),
    },
  ),
})).node;

/** An array or object nested `depth` levels deep (deep enough to overflow a recursive parser). */
export function nested(depth: number, kind: 'array' | 'object', core: unknown = 1): unknown {
  let value = core;
  for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

export const deeplyNested: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(50, 1_000, 5_000), fc.constantFrom<'array' | 'object'>('array', 'object'))
  .map(([depth, kind]) => nested(depth, kind));

/** Track IDs that are almost valid: wrong length, a non-base62 character, padding, a URL or URI around a valid one. */
export const nearTrackId: fc.Arbitrary<string> = fc.oneof(
  validTrackId.map((id) => id.slice(0, 21)),
  validTrackId.map((id) => `${id}A`),
  fc.tuple(validTrackId, fc.constantFrom('-', '_', '+', '/', '=', ' ', 'é', '\u200b', '\u0000', '０')).map(([id, c]) => `${id.slice(0, 11)}${c}${id.slice(12)}`),
  validTrackId.map((id) => ` ${id} `),
  validTrackId.map((id) => `spotify:track:${id}`),
  validTrackId.map((id) => `https://open.spotify.com/track/${id}`),
  validTrackId.map((id) => `${id.slice(0, 21)}&#65;`),
);

const unitValue = fc.double({ min: 0, max: 1, noNaN: true });

/** Audio features within `AudioFeaturesSchema`'s ranges (model/features.ts), edges included. */
export const validFeatures: fc.Arbitrary<AudioFeatures> = fc.record({
  acousticness: unitValue,
  danceability: unitValue,
  energy: unitValue,
  instrumentalness: unitValue,
  key: fc.integer({ min: -1, max: 11 }),
  liveness: unitValue,
  loudness: fc.double({ min: -80, max: 10, noNaN: true }),
  mode: fc.constantFrom<0 | 1>(0, 1),
  speechiness: unitValue,
  tempo: fc.double({ min: 0, max: 300, noNaN: true }),
  valence: unitValue,
});
