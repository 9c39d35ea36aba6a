/**
 * Fuzz: settings files imported on the options page, and settings values found in storage.
 *
 * What runs: the options page's import path, `importSettings(text)` then `writeSettings` into the
 * WXT storage item (`defineSettingsItem`, over `fakeBrowser`'s `storage.local`), and the read path
 * every context uses, `readSettings(defineSettingsItem())`, with WXT's migrations.
 *
 * Inputs:
 * - `files`: valid exports of every version (the current one: `exportSettings` of generated valid
 *   settings; 2: without `cacheLimit`; 1: the first options page's `{enabledThemes}`), mutations of them (wrong or missing version,
 *   format, fields of the wrong type, out-of-range values, prototype keys `__proto__` /
 *   `constructor` as own properties at every level, huge strings, extra fields, duplicate JSON
 *   keys), broken text (truncated, BOM, comments, trailing garbage) and non-JSON.
 * - `round trip`: valid settings exported and imported again.
 * - `stored values`: what the settings item may hold: a value of every version this build reads,
 *   valid or not for its version, and a newer build's (after a downgrade).
 *
 * Per input:
 * - crash: `importSettings` throws something that is not an `Error` with a message, or
 *   `writeSettings` / `readSettings` rejects for a value the import accepted / for any stored value.
 * - rejected: `importSettings` throws an `Error` with a message. The stored settings must then be
 *   unchanged (byte for byte, version key included), else dataLost.
 * - forbidden: accepted, although the file is not JSON of `{format, version: 1 or 2, settings}`.
 * - wrong: accepted, but the result fails `SettingsSchema`, carries prototype keys or another
 *   prototype, is not what `readSettings` returns after the write, or (round trip) is not the
 *   exported settings; valid current stored settings read as something else.
 * - dataLost: stored settings changed by a rejected file; a file accepted whose body is not valid
 *   settings of the version it declares (it would replace the stored settings with defaults or
 *   guesses); a stored older value migrated to anything but its own values plus the new fields'
 *   defaults (or, when it already is valid current settings, as a write cut between WXT's value
 *   and its version leaves it, to anything but itself); `readSettings` rewriting a stored value
 *   it cannot use (invalid for its version, or a newer version's); `Object.prototype` polluted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { PROVIDER_IDS } from '@/lib/shared/providers';
import {
  DEFAULT_CACHE_LIMIT,
  DEFAULT_SETTINGS,
  MAX_CACHE_LIMIT,
  MIN_CACHE_LIMIT,
  SETTINGS_EXPORT_FORMAT,
  SETTINGS_SCHEMAS,
  SETTINGS_VERSION,
  SettingsSchema,
  SettingsV1Schema,
  SettingsV2Schema,
  defineSettingsItem,
  exportSettings,
  importSettings,
  readSettings,
  writeSettings,
  type Settings,
  type SettingsV2,
} from '@/lib/shared/settings';
import { THEME_IDS, type ThemeId } from '@/model/themes';
import { EVIL_KEYS, hostileString, jsonish, ownProperty } from './support/arbitraries';
import { FUZZ_SEED, runsFor, timeoutFor } from './support/config';
import { useTally, describeError, isClearError, runCategory } from './support/run';
import { accepted, crashed, rejected, type Outcome } from './support/tally';

const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 6, maxLength: 6 }).map((h) => `#${h}`);
const themeId = fc.constantFrom(...THEME_IDS);

/** Version-2 settings (the current ones without `cacheLimit`). */
const validV2Settings: fc.Arbitrary<SettingsV2> = fc.record({
  enabledThemes: fc.option(fc.uniqueArray(themeId, { minLength: 2, maxLength: THEME_IDS.length }), { nil: null }),
  themeColors: fc.dictionary(themeId, hex, { maxKeys: 4 }) as fc.Arbitrary<Partial<Record<ThemeId, string>>>,
  uncertainThreshold: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
  providers: fc.record({ order: fc.shuffledSubarray([...PROVIDER_IDS], { minLength: PROVIDER_IDS.length }), disabled: fc.subarray([...PROVIDER_IDS]) }),
  spotifyClientId: fc.option(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }), { nil: null }),
});

/** Settings of the current version, {@link SETTINGS_VERSION} (checked by the first test). */
const validSettings: fc.Arbitrary<Settings> = fc
  .tuple(validV2Settings, fc.oneof(fc.constantFrom(MIN_CACHE_LIMIT, DEFAULT_CACHE_LIMIT, MAX_CACHE_LIMIT), fc.integer({ min: MIN_CACHE_LIMIT, max: MAX_CACHE_LIMIT })))
  .map(([v2, cacheLimit]) => ({ ...v2, cacheLimit }));

/** A version-1 settings value: theme IDs of this build and others. */
const v1Settings = fc.record({ enabledThemes: fc.array(fc.oneof(themeId, fc.constantFrom('dance', 'rainy-day', ''), fc.string({ maxLength: 8 })), { maxLength: 8 }) });

const envelope = (version: unknown, settings: unknown) => ({ format: SETTINGS_EXPORT_FORMAT, version, settings });

/** A JSON object as an export holds it, and what happens to it before it becomes text. */
type FileSpec = { readonly kind: string; readonly text: string; readonly json?: unknown };

const fromJson = (kind: string) => (json: unknown): FileSpec => ({ kind, json, text: JSON.stringify(json, null, 2) });

/** Puts `value` under `key` (an own property, prototype keys included) at `path` inside a copy of `json`. */
function setAt(json: unknown, path: readonly string[], key: string, value: unknown): unknown {
  const copy = structuredClone(json) as Record<string, unknown>;
  let target: Record<string, unknown> = copy;
  for (const p of path) {
    const next = target[p];
    if (typeof next !== 'object' || next === null) return ownProperty(copy, key, value);
    target = next as Record<string, unknown>;
  }
  ownProperty(target, key, value);
  return copy;
}

const PATHS: readonly (readonly string[])[] = [[], ['settings'], ['settings', 'themeColors'], ['settings', 'providers'], ['settings', 'enabledThemes']];
const WRONG_VALUES: readonly unknown[] = [null, true, 0, -1, 1.5, 2 ** 53, Number.MAX_VALUE, '', '2', 'x'.repeat(10_000), [], {}, [null], { 0: 'a' }];
const FIELDS = ['format', 'version', 'settings', 'enabledThemes', 'themeColors', 'uncertainThreshold', 'providers', 'spotifyClientId', 'cacheLimit'] as const;

/** A valid export of the current version, as `exportSettings` writes it. */
const validCurrent = validSettings.map((s): FileSpec => ({ kind: `valid v${SETTINGS_VERSION} export`, text: exportSettings(s), json: JSON.parse(exportSettings(s)) }));
const validV2 = validV2Settings.map((s) => envelope(2, s)).map(fromJson('valid v2 export'));
const validV1 = v1Settings.map((s) => envelope(1, s)).map(fromJson('valid v1 export'));
/** Valid exports of every version this build reads. */
const validAnyVersion = fc.oneof(validCurrent, validV2, validV1);

const mutated: fc.Arbitrary<FileSpec> = fc.oneof(
  // The version: missing, wrong type, out of range, newer.
  fc.tuple(validSettings, fc.constantFrom<unknown>(undefined, 0, -1, 1.5, SETTINGS_VERSION + 1, 99, String(SETTINGS_VERSION), '1', null, true, [SETTINGS_VERSION], 2 ** 31, Number.MAX_SAFE_INTEGER, 1e308)).map(([s, v]) => fromJson('wrong version')(envelope(v, s))),
  // The format tag.
  fc.tuple(validSettings, fc.constantFrom<unknown>(undefined, '', 'playlist-predictor', 'PLAYLIST-PREDICTOR-SETTINGS', `${SETTINGS_EXPORT_FORMAT} `, null, 1)).map(([s, f]) => fromJson('wrong format')({ format: f, version: SETTINGS_VERSION, settings: s })),
  // One field of the settings replaced by a wrong value.
  fc.tuple(validSettings, fc.constantFrom(...FIELDS.slice(3)), fc.oneof(fc.constantFrom(...WRONG_VALUES), jsonish)).map(([s, field, value]) => fromJson(`wrong ${field}`)(envelope(SETTINGS_VERSION, { ...s, [field]: value }))),
  // Values just outside their range.
  fc.tuple(validSettings, fc.constantFrom<Partial<Record<keyof Settings, unknown>>>(
    { uncertainThreshold: -0.0001 },
    { uncertainThreshold: 1.0001 },
    { enabledThemes: ['sleep'] },
    { enabledThemes: ['sleep', 'sleep'] },
    { enabledThemes: ['sleep', 'nope'] },
    { themeColors: { sleep: 'red' } },
    { themeColors: { sleep: '#12345' } },
    { themeColors: { nope: '#123456' } },
    { providers: { order: ['spotify'], disabled: [] } },
    { providers: { order: ['spotify', 'spotify'], disabled: [] } },
    { providers: { order: ['spotify', 'reccobeats'], disabled: ['lastfm'] } },
    { spotifyClientId: 'abc' },
    { spotifyClientId: 'g'.repeat(32) },
    { cacheLimit: MIN_CACHE_LIMIT - 1 },
    { cacheLimit: MAX_CACHE_LIMIT + 1 },
    { cacheLimit: 5_000.5 },
    { cacheLimit: '5000' },
    { cacheLimit: null },
  )).map(([s, patch]) => fromJson('out of range')(envelope(SETTINGS_VERSION, { ...s, ...patch }))),
  // Prototype keys as own properties, anywhere.
  fc.tuple(validAnyVersion, fc.constantFrom(...PATHS), fc.constantFrom(...EVIL_KEYS), fc.oneof(jsonish, fc.constant({ polluted: 'yes' }), fc.constant({ enabledThemes: ['sleep', 'focus'] }), hex)).map(([file, path, key, value]) => {
    const json = setAt(file.json, path, key, value);
    return { kind: `own ${key}`, json, text: JSON.stringify(json) };
  }),
  // Field missing.
  fc.tuple(validCurrent, fc.constantFrom(...FIELDS)).map(([file, field]) => {
    const json = file.json as Record<string, unknown> & { settings: Record<string, unknown> };
    const without = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== field));
    return fromJson(`missing ${field}`)(field in json ? without(json) : { ...json, settings: without(json.settings) });
  }),
  // Extra fields and huge strings.
  fc.tuple(validCurrent, hostileString, jsonish).map(([file, key, value]) => {
    const json = structuredClone(file.json) as { settings: Record<string, unknown> };
    json.settings[key] = value;
    return fromJson('extra field')(json);
  }),
  validSettings.map((s) => fromJson('huge')(envelope(SETTINGS_VERSION, { ...s, spotifyClientId: 'a'.repeat(5_000_000) }))),
  // An older version's file with something else than that version's settings in it.
  fc
    .tuple(fc.integer({ min: 1, max: SETTINGS_VERSION - 1 }), fc.oneof(jsonish, validSettings, v1Settings, validV2Settings, fc.constantFrom<unknown>(null, {}, [], 'sleep,focus', { enabledThemes: 'sleep' }, { enabledThemes: null }, { themes: ['sleep', 'focus'] })))
    .map(([v, s]) => fromJson('older version, other body')(envelope(v, s))),
  // Any version's label on any version's body.
  fc.tuple(fc.integer({ min: 1, max: SETTINGS_VERSION }), fc.oneof(v1Settings, validV2Settings, validSettings)).map(([v, s]) => fromJson('body of some version')(envelope(v, s))),
);

/** Text-level damage to a valid file. */
const brokenText: fc.Arbitrary<FileSpec> = fc.oneof(
  fc.tuple(validCurrent, fc.double({ min: 0, max: 1, noNaN: true })).map(([f, at]) => ({ kind: 'truncated', text: f.text.slice(0, Math.floor(f.text.length * at)) })),
  validCurrent.map((f) => ({ kind: 'BOM', text: `\ufeff${f.text}` })),
  validCurrent.map((f) => ({ kind: 'comment', text: `// my settings\n${f.text}` })),
  fc.tuple(validCurrent, hostileString).map(([f, s]) => ({ kind: 'trailing garbage', text: `${f.text}${s}` })),
  validCurrent.map((f) => ({ kind: 'duplicate key', text: f.text.replace('"settings": {', '"settings": {"enabledThemes": ["sleep"],') })),
  validCurrent.map((f) => ({ kind: 'duplicate version', text: f.text.replace(`"version": ${SETTINGS_VERSION},`, `"version": ${SETTINGS_VERSION}, "version": 1,`) })),
  validCurrent.map((f) => ({ kind: 'single quotes', text: f.text.replaceAll('"', "'") })),
  fc.tuple(validCurrent, fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 })).map(([f, i, s]) => {
    const at = i % (f.text.length + 1);
    return { kind: 'byte flipped', text: `${f.text.slice(0, at)}${s}${f.text.slice(at + 1)}` };
  }),
  fc.oneof(hostileString, fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('', 'null', '[]', '{}', '"settings"', '2', 'NaN', '{"format":"playlist-predictor-settings"}', '<html><body>Not found</body></html>', '[{"format":"playlist-predictor-settings","version":2}]')).map((text) => ({ kind: 'not an export', text })),
  fc.constantFrom(10_000, 100_000).map((depth) => ({ kind: 'deep nesting', text: `${'['.repeat(depth)}${']'.repeat(depth)}` })),
  fc.constantFrom(10_000).map((depth) => ({ kind: 'deep nesting in settings', text: `{"format":"${SETTINGS_EXPORT_FORMAT}","version":${SETTINGS_VERSION},"settings":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}` })),
);

const settingsFile: fc.Arbitrary<FileSpec> = fc.oneof({ weight: 2, arbitrary: validCurrent }, { weight: 1, arbitrary: validV2 }, { weight: 1, arbitrary: validV1 }, { weight: 6, arbitrary: mutated }, { weight: 3, arbitrary: brokenText });

// ---------------------------------------------------------------------------------------------

const protoNames = (): string => JSON.stringify(Object.getOwnPropertyNames(Object.prototype).sort());
const PROTO_BEFORE = protoNames();
const rawStorage = async (): Promise<string> => JSON.stringify(await fakeBrowser.storage.local.get(null));

/** Where an object graph carries a prototype key as an own property or has another prototype than Object's / Array's. */
function strangeShape(value: unknown, path = 'settings'): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype) return `${path} has another prototype`;
  for (const key of Object.keys(value)) {
    if ((EVIL_KEYS as readonly string[]).includes(key)) return `${path} has an own "${key}"`;
    const inner = strangeShape((value as Record<string, unknown>)[key], `${path}.${key}`);
    if (inner) return inner;
  }
  return undefined;
}

function pollution(): string | undefined {
  return protoNames() !== PROTO_BEFORE || ({} as Record<string, unknown>).polluted !== undefined ? 'Object.prototype was polluted' : undefined;
}

/**
 * What the file is, decided from the file itself: `reject` when it is not JSON of
 * `{format, version, settings}` with a version this build reads; else its version and body.
 */
function fileSays(text: string): { readonly version: number; readonly settings: unknown } | 'reject' {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'reject';
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'reject';
  const { format, version, settings } = json as Record<string, unknown>;
  if (format !== SETTINGS_EXPORT_FORMAT || typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > SETTINGS_VERSION) return 'reject';
  return { version, settings };
}

/** The options page's import, against `stored` settings already in storage. */
async function importFile(file: FileSpec, stored: Settings): Promise<Outcome> {
  fakeBrowser.reset();
  const item = defineSettingsItem();
  await writeSettings(item, stored);
  const before = await rawStorage();

  let imported: Settings;
  try {
    imported = importSettings(file.text);
  } catch (error) {
    if (!isClearError(error)) return crashed(`importSettings threw ${describeError(error)}`);
    const lost = (await rawStorage()) !== before ? 'a rejected file changed the stored settings' : pollution();
    return rejected(error.message.slice(0, 200), lost ? { dataLost: lost } : {});
  }
  const wrong = SettingsSchema.safeParse(imported).success ? strangeShape(imported) : 'the imported settings fail SettingsSchema';
  try {
    await writeSettings(item, imported);
  } catch (error) {
    return crashed(`writeSettings refused what importSettings accepted: ${describeError(error)}`);
  }
  const read = await readSettings(defineSettingsItem(), { warn: () => {} });
  const stale = JSON.stringify(read) !== JSON.stringify(SettingsSchema.parse(imported)) ? 'readSettings after the import is not what was imported' : undefined;

  const says = fileSays(file.text);
  let lost = pollution();
  const bodySchema = says === 'reject' ? undefined : SETTINGS_SCHEMAS[says.version];
  if (!lost && says !== 'reject' && (!bodySchema || !bodySchema.safeParse(says.settings).success)) {
    lost = `a version-${says.version} file without version-${says.version} settings replaced the stored settings with ${JSON.stringify(imported) === JSON.stringify(DEFAULT_SETTINGS) ? 'the defaults' : 'something else'}`;
  }
  const forbidden = says === 'reject' ? `accepted a file that is not a settings export of version 1 to ${SETTINGS_VERSION}` : undefined;
  return accepted({ ...(wrong || stale ? { wrong: wrong ?? stale } : {}), ...(lost ? { dataLost: lost } : {}), ...(forbidden ? { forbidden } : {}) });
}

/** Export, import, compare. */
async function roundTrip(settings: Settings): Promise<Outcome> {
  const text = exportSettings(settings);
  let back: Settings;
  try {
    back = importSettings(text);
  } catch (error) {
    return crashed(`a valid export was refused: ${describeError(error)}`);
  }
  return JSON.stringify(back) === JSON.stringify(settings) ? accepted() : accepted({ wrong: `re-imported as ${JSON.stringify(back)}` });
}

/** A value in storage as one build or another left it: its version key (`undefined`: none, read as 1) and value. */
type StoredSpec = { readonly version: number | undefined; readonly value: unknown };

const garbage = fc.oneof(jsonish, fc.tuple(validSettings, fc.constantFrom(...FIELDS.slice(3)), jsonish).map(([s, f, v]) => ({ ...s, [f]: v })));
const storedValue: fc.Arbitrary<StoredSpec> = fc.oneof(
  fc.oneof(validSettings, garbage).map((value) => ({ version: SETTINGS_VERSION, value })),
  fc.oneof({ weight: 2, arbitrary: validV2Settings }, { weight: 1, arbitrary: garbage }).map((value) => ({ version: 2, value })),
  fc.oneof({ weight: 2, arbitrary: v1Settings }, { weight: 1, arbitrary: garbage }).map((value) => ({ version: 1, value })),
  v1Settings.map((value) => ({ version: undefined, value })),
  fc.oneof(validSettings, garbage).map((value) => ({ version: SETTINGS_VERSION + 1, value })),
  // Current settings under an older version or none: an options page closed between WXT's two writes.
  fc.tuple(validSettings, fc.constantFrom(undefined, 1, 2)).map(([value, version]) => ({ version, value })),
);

/** What a stored value of an older version must become: the same values plus the defaults of what it did not have. */
function migratedFrom(version: number, value: unknown): Settings | undefined {
  // Already current settings (what a write cut between WXT's value and its version leaves): kept.
  const current = SettingsSchema.safeParse(value);
  if (current.success) return current.data;
  if (version === 1) {
    const v1 = SettingsV1Schema.safeParse(value);
    if (!v1.success) return undefined;
    const known = [...new Set(v1.data.enabledThemes.filter((t): t is ThemeId => (THEME_IDS as readonly string[]).includes(t)))];
    return { ...DEFAULT_SETTINGS, enabledThemes: known.length >= 2 ? known : null };
  }
  if (version === 2) {
    const v2 = SettingsV2Schema.safeParse(value);
    return v2.success ? { ...v2.data, cacheLimit: DEFAULT_CACHE_LIMIT } : undefined;
  }
  return undefined;
}

async function readStored(spec: StoredSpec): Promise<Outcome> {
  fakeBrowser.reset();
  await fakeBrowser.storage.local.set({ settings: spec.value, ...(spec.version === undefined ? {} : { settings$: { v: spec.version } }) });
  const before = await rawStorage();
  // What storage holds (browsers store JSON: NaN became null, undefined vanished), not what was generated.
  const value: unknown = (await fakeBrowser.storage.local.get('settings')).settings;
  const originalError = console.error;
  let settings: Settings;
  try {
    console.error = () => {}; // WXT reports a refused migration there; it is expected here.
    settings = await readSettings(defineSettingsItem(), { warn: () => {} });
    // A second item waits for WXT's work on the first (migration write, init) before storage is read below.
    await readSettings(defineSettingsItem(), { warn: () => {} });
  } catch (error) {
    return crashed(`readSettings rejected: ${describeError(error)}`);
  } finally {
    console.error = originalError;
  }
  if (!SettingsSchema.safeParse(settings).success) return accepted({ wrong: 'readSettings returned settings that fail SettingsSchema' });
  const version = spec.version ?? 1;
  const expected = version < SETTINGS_VERSION ? migratedFrom(version, value) : undefined;
  if (expected) {
    return JSON.stringify(settings) === JSON.stringify(expected) ? accepted() : accepted({ dataLost: `the stored version-${version} settings became ${JSON.stringify(settings)}` });
  }
  // Current, newer, or not valid for its version: whatever is read, the stored value stays.
  const current = SettingsSchema.safeParse(value);
  if (version === SETTINGS_VERSION && current.success && JSON.stringify(settings) !== JSON.stringify(current.data)) return accepted({ wrong: 'valid stored settings were read as something else' });
  const after = await rawStorage();
  return after === before ? accepted() : accepted({ dataLost: `reading a version-${version} value it could not use rewrote it` });
}

// ---------------------------------------------------------------------------------------------

const tally = useTally('fuzz: settings files and stored settings');

describe('fuzz: settings', () => {
  it('the generator of valid settings makes valid settings', () => {
    for (const s of fc.sample(validSettings, { seed: FUZZ_SEED, numRuns: 200 })) expect(SettingsSchema.safeParse(s).success).toBe(true);
  });

  it(
    'imported files: accepted into valid settings, or rejected with a reason and nothing stored changed; never silently the defaults',
    async () => {
      await runCategory({ tally, category: 'files', arbitrary: fc.tuple(settingsFile, validSettings), runs: runsFor(700), check: ([file, stored]) => importFile(file, stored), show: ([file]) => `(${file.kind}) ${file.text}` });
      expect(tally.problems().filter((p) => p.startsWith('files:'))).toEqual([]);
    },
    timeoutFor(15_000),
  );

  it(
    'a valid export re-imports to the same settings',
    async () => {
      await runCategory({ tally, category: 'round trip', arbitrary: validSettings, runs: runsFor(500), check: roundTrip });
      expect(tally.problems().filter((p) => p.startsWith('round trip:'))).toEqual([]);
    },
    timeoutFor(5_000),
  );

  it(
    'stored values: readSettings always gives valid settings and never rewrites what it cannot read',
    async () => {
      await runCategory({ tally, category: 'stored values', arbitrary: storedValue, runs: runsFor(300), check: readStored });
      expect(tally.problems().filter((p) => p.startsWith('stored values:'))).toEqual([]);
    },
    timeoutFor(10_000),
  );
});
