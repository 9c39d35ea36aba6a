import { storage, type WxtStorageItem } from 'wxt/utils/storage';
import * as z from 'zod/mini';
import { THEMES, THEME_IDS, ThemeIdSchema, type ThemeId } from '@/model/themes';
import { SpotifyClientIdSchema } from './client-id';
import { DEFAULT_PROVIDER_SETTINGS, PROVIDER_IDS, ProviderSettingsSchema } from './providers';
import { errorMessage } from '@/lib/shared/error-message';

/**
 * The user's settings: which themes the badge may show and in which colours, the "uncertain"
 * threshold, the audio-feature providers' order, the Spotify client ID and the feature cache's
 * size. Stored with WXT's
 * storage helpers (https://wxt.dev/storage.html) in `storage.local`, versioned with migrations,
 * and parsed with zod wherever they are read, imported or received. Nothing secret lives here:
 * tokens stay in the background's own database (see `lib/background/auth`). Schemas use
 * `zod/mini`: the content script reads the settings too and must stay small.
 */

/** Layout version of the stored settings; bump it and add a migration when the shape changes. */
export const SETTINGS_VERSION = 3;

/** Key of the settings item in `storage.local`. */
export const SETTINGS_KEY = 'local:settings' as const;

/** The fewest themes that may stay enabled: with one, every badge would say the same thing. */
export const MIN_ENABLED_THEMES = 2;

/** A CSS hex colour `#rrggbb` (what `<input type="color">` gives). */
export const HexColorSchema = z.string().check(z.regex(/^#[0-9a-f]{6}$/i, 'expected a colour like #1f6f8b'));

/**
 * Default of the feature cache's size, in tracks: 100,000 (hardening issue 9). A cached track
 * takes about 500 bytes on disk with its title in Chromium (49 MB measured for 100,000 tracks,
 * keys and indexes included), so the default stays near 50 MB; a listener rarely sees more
 * distinct tracks than that.
 */
export const DEFAULT_CACHE_LIMIT = 100_000;

/** Smallest cache size the user may choose, in tracks (1,000: a few long playlists). */
export const MIN_CACHE_LIMIT = 1_000;

/** Largest cache size the user may choose, in tracks (1,000,000: about 500 MB on disk, see {@link DEFAULT_CACHE_LIMIT}). */
export const MAX_CACHE_LIMIT = 1_000_000;

/** zod schema of the feature cache's size: an integer number of tracks from {@link MIN_CACHE_LIMIT} to {@link MAX_CACHE_LIMIT}. */
export const CacheLimitSchema = z.int().check(z.gte(MIN_CACHE_LIMIT), z.lte(MAX_CACHE_LIMIT));

/** zod schema of version 2 of the settings: version 3 ({@link SettingsSchema}) without `cacheLimit`. */
export const SettingsV2Schema = z.object({
  /**
   * Themes the badge may show, or `null` for the model's defaults (every non-experimental
   * theme). When set, at least {@link MIN_ENABLED_THEMES}, no repeats.
   */
  enabledThemes: z.nullable(
    z.array(ThemeIdSchema).check(
      z.refine((ids) => new Set(ids).size === ids.length, 'a theme is listed twice'),
      z.refine((ids) => ids.length >= MIN_ENABLED_THEMES, `at least ${MIN_ENABLED_THEMES} themes must stay enabled`),
    ),
  ),
  /** Colour overrides per theme; a theme without one uses its catalogue colour. */
  themeColors: z.partialRecord(ThemeIdSchema, HexColorSchema),
  /**
   * Renormalized top probability below which the badge says "uncertain", in [0, 1], or `null`
   * for the model's own threshold (`metadata.calibration.uncertainThreshold`).
   */
  uncertainThreshold: z.nullable(z.number().check(z.gte(0), z.lte(1))),
  /** Audio-feature providers: asked in `order`; those in `disabled` are never asked. */
  providers: ProviderSettingsSchema.check(
    z.refine(({ order }) => order.length === PROVIDER_IDS.length && PROVIDER_IDS.every((p) => order.includes(p)), 'the provider order must list every provider once'),
  ),
  /** The user's own Spotify app client ID, or `null` when none was entered. */
  spotifyClientId: z.nullable(SpotifyClientIdSchema),
});

/** zod schema of the settings, version {@link SETTINGS_VERSION}. */
export const SettingsSchema = z.extend(SettingsV2Schema, {
  /**
   * Most tracks the feature cache keeps (and, separately, most seen titles); the least recently
   * used are evicted beyond it. See {@link CacheLimitSchema}.
   */
  cacheLimit: CacheLimitSchema,
});

/** Validated settings. */
export type Settings = z.infer<typeof SettingsSchema>;

/** Validated version-2 settings (see {@link SettingsV2Schema}). */
export type SettingsV2 = z.infer<typeof SettingsV2Schema>;

/** Settings on a fresh install: model defaults, Spotify first then ReccoBeats, no client ID, {@link DEFAULT_CACHE_LIMIT}. */
export const DEFAULT_SETTINGS: Settings = {
  enabledThemes: null,
  themeColors: {},
  uncertainThreshold: null,
  providers: DEFAULT_PROVIDER_SETTINGS,
  spotifyClientId: null,
  cacheLimit: DEFAULT_CACHE_LIMIT,
};

/**
 * Version 1 of the settings, the first options page's layout: only the enabled themes.
 * Kept so that stored or exported version-1 settings still load.
 */
export const SettingsV1Schema = z.object({ enabledThemes: z.array(z.string()) });

/** Thrown by a migration whose input is not valid settings of `version`; `issues` is zod's prettified issues, with their paths. */
export class SettingsVersionError extends Error {
  override readonly name = 'SettingsVersionError';
  constructor(
    readonly version: number,
    readonly issues: string,
  ) {
    super(`they are not valid version-${version} settings:\n${issues}`);
  }
}

/** Parses `value` as settings of `version` with `schema`; throws {@link SettingsVersionError} with zod's issues. */
function parseVersion<T>(schema: z.ZodMiniType<T>, version: number, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new SettingsVersionError(version, z.prettifyError(parsed.error));
  return parsed.data;
}

/** `migrate`, except that a value that already is valid current settings is returned as it is (see {@link SETTINGS_MIGRATIONS}). */
function unlessCurrent(migrate: (old: unknown) => unknown): (old: unknown) => unknown {
  return (old) => (SettingsSchema.safeParse(old).success ? old : migrate(old));
}

/** The schema of every settings version this build reads, by version (see {@link SETTINGS_MIGRATIONS}). */
export const SETTINGS_SCHEMAS: Readonly<Record<number, z.ZodMiniType>> = { 1: SettingsV1Schema, 2: SettingsV2Schema, 3: SettingsSchema };

/**
 * Migrations by target version, as WXT's storage item runs them (`migrations[n]` turns a
 * version n-1 value into version n). Each first parses its input as version n-1 and throws
 * {@link SettingsVersionError} when it does not parse, so nothing is ever replaced by defaults:
 * WXT then leaves the stored value and its version as they were (and logs the error), and
 * {@link readSettings} reads the defaults with a warning until the user saves;
 * {@link importSettings} rejects the file.
 * - 2: adds colours, the threshold, providers and the client ID; theme ids that this build does
 *   not know are dropped, and fewer than {@link MIN_ENABLED_THEMES} remaining falls back to the
 *   model defaults.
 * - 3: adds `cacheLimit` ({@link DEFAULT_CACHE_LIMIT}); every other value is kept as it was.
 *
 * A value that already is valid current settings is kept as it is, whatever version it is marked
 * with: builds before {@link writeSettings} wrote both at once stored a fresh install's first
 * value and its version with two `storage.local.set` calls (WXT's `setValue`, the second after a
 * read), so an options page closed between them left current settings marked as nothing, i.e.
 * version 1, and version 1's schema accepts them (it only asks for `enabledThemes`). No genuine
 * older value is valid current settings: each version adds a required field.
 */
export const SETTINGS_MIGRATIONS: Record<number, (old: unknown) => unknown> = {
  2: unlessCurrent((old) => {
    const v1 = parseVersion(SettingsV1Schema, 1, old);
    const known = v1.enabledThemes.filter((t): t is ThemeId => (THEME_IDS as readonly string[]).includes(t));
    const unique = [...new Set(known)];
    const v2: SettingsV2 = {
      enabledThemes: unique.length >= MIN_ENABLED_THEMES ? unique : null,
      themeColors: {},
      uncertainThreshold: null,
      providers: DEFAULT_PROVIDER_SETTINGS,
      spotifyClientId: null,
    };
    return v2;
  }),
  3: unlessCurrent((old): Settings => ({ ...parseVersion(SettingsV2Schema, 2, old), cacheLimit: DEFAULT_CACHE_LIMIT })),
};

/**
 * Defines the settings storage item (call once per context; WXT runs pending migrations when
 * the item is defined). `getValue` returns what is stored, unvalidated: read through
 * {@link readSettings}.
 */
export function defineSettingsItem(): WxtStorageItem<Settings, Record<string, never>> {
  return storage.defineItem<Settings, Record<string, never>>(SETTINGS_KEY, {
    fallback: DEFAULT_SETTINGS,
    version: SETTINGS_VERSION,
    migrations: SETTINGS_MIGRATIONS,
  });
}

/**
 * Parses a stored or received settings value. An invalid value (hand-edited storage, a newer
 * layout) gives the defaults and the reason, and is never overwritten here, so nothing is lost.
 */
export function parseSettings(value: unknown): { settings: Settings; error?: string } {
  const parsed = SettingsSchema.safeParse(value);
  return parsed.success ? { settings: parsed.data } : { settings: DEFAULT_SETTINGS, error: z.prettifyError(parsed.error) };
}

/** Reads and validates the settings; see {@link parseSettings}. */
export async function readSettings(item: WxtStorageItem<Settings, Record<string, never>>, log: Pick<Console, 'warn'> = console): Promise<Settings> {
  const { settings, error } = parseSettings(await item.getValue());
  if (error) log.warn(`Playlist Predictor: stored settings are invalid, using defaults:\n${error}`);
  return settings;
}

/**
 * Validates and stores settings, and marks them as version {@link SETTINGS_VERSION} (so that a
 * value left at an older version by a failed migration is not migrated again once replaced). The
 * value and its version go in one `storage.local.set` call, so they are stored together or not
 * at all: WXT keeps an item's metadata at its key + `$` (`storage.getMeta`,
 * https://wxt.dev/storage.html), and its `setValue` writes the two in separate calls, the second
 * after a read, which an options page closed in between left half done (see
 * {@link SETTINGS_MIGRATIONS}). Unlike `setValue` it does not wait for WXT's migrations of `item`:
 * call it once the settings were read through `item` ({@link readSettings} waits for them), as the
 * options page does, so that no migration of this context can overwrite it.
 * @throws Error with zod's message when `settings` is invalid (e.g. fewer than two enabled
 *   themes), or an Error saying the browser could not store them (its message included, and
 *   "storage is full" for a quota error, e.g. Chrome's `QUOTA_BYTES quota exceeded`), with the
 *   browser's error as `cause`; the stored value is then unchanged.
 */
export async function writeSettings(item: WxtStorageItem<Settings, Record<string, never>>, settings: Settings): Promise<void> {
  const parsed = SettingsSchema.safeParse(settings);
  if (!parsed.success) throw new Error(`Invalid settings: ${z.prettifyError(parsed.error)}`);
  try {
    await storage.setItems([
      { key: item.key, value: parsed.data },
      { key: `${item.key}$`, value: { v: SETTINGS_VERSION } },
    ]);
  } catch (error) {
    throw new Error(describeStorageFailure(error), { cause: error });
  }
}

/** The sentence for a failed settings write: the browser's message, and what to do when storage is full. */
function describeStorageFailure(error: unknown): string {
  const message = errorMessage(error);
  const name = error instanceof Error ? error.name : '';
  const full = name === 'QuotaExceededError' || /quota/i.test(message);
  return full
    ? `Storage is full: the browser could not store the settings (${message}). Free disk space and try again.`
    : `The browser could not store the settings (${message}).`;
}

/** Tag of an exported settings file, so that an unrelated JSON file is recognised as such. */
export const SETTINGS_EXPORT_FORMAT = 'playlist-predictor-settings';

/** The JSON text of a settings export: `{format, version, settings}`, pretty-printed. */
export function exportSettings(settings: Settings): string {
  return `${JSON.stringify({ format: SETTINGS_EXPORT_FORMAT, version: SETTINGS_VERSION, settings }, null, 2)}\n`;
}

/** What marks a file as a settings export at all, before its version and body are read. */
const ExportFormatSchema = z.object({ format: z.literal(SETTINGS_EXPORT_FORMAT) });

const ExportEnvelopeSchema = z.extend(ExportFormatSchema, {
  version: z.int().check(z.gte(1)),
  settings: z.unknown(),
});

/**
 * Largest file *Import…* reads, in bytes: 1 MiB. An export is under 1 kB (eight colours, a client
 * ID); the bound only stops a wrong pick (a video, a disk image) from being read into memory.
 */
export const MAX_SETTINGS_FILE_BYTES = 1024 * 1024;

/**
 * Reads a picked settings file as text (UTF-8, as `Blob.text()` decodes), after checking its size.
 * @throws Error naming the file and its size when it is larger than {@link MAX_SETTINGS_FILE_BYTES}
 *   (nothing is read); rejects with the browser's error when the file cannot be read.
 */
export async function readSettingsFile(file: Pick<File, 'name' | 'size' | 'text'>): Promise<string> {
  if (file.size > MAX_SETTINGS_FILE_BYTES) {
    throw new Error(`${file.name} is larger than 1 MB (${file.size.toLocaleString('en')} bytes), too large to be a settings export (Export… writes a file of under 1 kB).`);
  }
  return file.text();
}

/**
 * Parses the text of a settings export (this or an older version, migrated forward). The body is
 * first checked against the layout of the version the file declares (version 1:
 * {@link SettingsV1Schema}, 2: {@link SettingsV2Schema}, 3: {@link SettingsSchema}): a body that
 * does not parse is rejected, never read as the defaults. Pure: nothing is stored.
 * @throws Error saying what is wrong: not JSON; not a settings export at all (no `format` of
 *   {@link SETTINGS_EXPORT_FORMAT}: said in one sentence, without zod's issues, since nothing in
 *   such a file is ours to point at); a malformed version (our file, so zod's issue at `version`
 *   is given); a version this build does not know (newer than {@link SETTINGS_VERSION}); or
 *   invalid settings for the file's version (zod's issues: each message with its path, e.g.
 *   `→ at enabledThemes`).
 */
export function importSettings(text: string): Settings {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('The file is not JSON.');
  }
  // English issue messages ("expected array, received string"): zod/mini has none by default, and
  // this runs in the options page only (the content script, which never imports, stays small).
  const params = { error: z.locales.en().localeError };
  if (!ExportFormatSchema.safeParse(json).success) {
    throw new Error(`This file is not a Playlist Predictor settings export: it has no "format": "${SETTINGS_EXPORT_FORMAT}" (Export… on the options page writes such a file).`);
  }
  const envelope = ExportEnvelopeSchema.safeParse(json, params);
  if (!envelope.success) {
    throw new Error(`This Playlist Predictor settings export has a malformed version (a whole number from 1 is expected; this build reads version 1 to ${SETTINGS_VERSION}): ${z.prettifyError(envelope.error)}`);
  }
  const { version } = envelope.data;
  const schema = SETTINGS_SCHEMAS[version];
  if (!schema) throw new Error(`This file has settings version ${version}, from a newer Playlist Predictor; this one reads version 1 to ${SETTINGS_VERSION}.`);
  const body = schema.safeParse(envelope.data.settings, params);
  if (!body.success) throw new Error(`The settings in this file (version ${version}) are invalid: ${z.prettifyError(body.error)}`);
  let value: unknown = body.data;
  for (let v = version + 1; v <= SETTINGS_VERSION; v++) {
    const migrate = SETTINGS_MIGRATIONS[v];
    if (!migrate) throw new Error(`This build cannot read settings version ${version}: no migration to version ${v}.`);
    value = migrate(value);
  }
  const parsed = SettingsSchema.safeParse(value, params);
  if (!parsed.success) throw new Error(`The settings in this file (version ${version}) are invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** What the badge uses, resolved from the settings against the loaded model. */
export interface EffectiveThemeSettings {
  /** Enabled themes that the model has, in model output order; at least 2 when the model has 2. */
  readonly enabled: ThemeId[];
  /** Badge colour per theme (override or catalogue colour). */
  readonly colors: Record<ThemeId, string>;
  /** Threshold for "uncertain", in [0, 1]. */
  readonly uncertainThreshold: number;
}

/**
 * Resolves settings against the model: the enabled themes are those set (or the model's
 * non-experimental ones), restricted to the model's labels; when fewer than
 * {@link MIN_ENABLED_THEMES} of them are labels (a retrained model dropped one), the model
 * defaults are used instead.
 *
 * @param model `labels` in output order, `experimental`, and the model's own `uncertainThreshold`.
 */
export function effectiveThemeSettings(
  settings: Settings,
  model: { readonly labels: readonly ThemeId[]; readonly experimental: readonly ThemeId[]; readonly uncertainThreshold: number },
): EffectiveThemeSettings {
  const defaults = model.labels.filter((t) => !model.experimental.includes(t));
  const chosen = settings.enabledThemes ? model.labels.filter((t) => settings.enabledThemes?.includes(t)) : defaults;
  const colors = Object.fromEntries(THEMES.map((t) => [t.id, settings.themeColors[t.id] ?? t.color])) as Record<ThemeId, string>;
  return {
    enabled: chosen.length >= MIN_ENABLED_THEMES ? chosen : defaults,
    colors,
    uncertainThreshold: settings.uncertainThreshold ?? model.uncertainThreshold,
  };
}
