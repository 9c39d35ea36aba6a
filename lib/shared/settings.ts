import { storage, type WxtStorageItem } from 'wxt/utils/storage';
import * as z from 'zod/mini';
import { THEMES, THEME_IDS, ThemeIdSchema, type ThemeId } from '@/model/themes';
import { SpotifyClientIdSchema } from './client-id';
import { DEFAULT_PROVIDER_SETTINGS, PROVIDER_IDS, ProviderSettingsSchema } from './providers';

/**
 * The user's settings: which themes the badge may show and in which colours, the "uncertain"
 * threshold, the audio-feature providers' order, and the Spotify client ID. Stored with WXT's
 * storage helpers (https://wxt.dev/storage.html) in `storage.local`, versioned with migrations,
 * and parsed with zod wherever they are read, imported or received. Nothing secret lives here:
 * tokens stay in the background's own database (see `lib/background/auth`). Schemas use
 * `zod/mini`: the content script reads the settings too and must stay small.
 */

/** Layout version of the stored settings; bump it and add a migration when the shape changes. */
export const SETTINGS_VERSION = 2;

/** Key of the settings item in `storage.local`. */
export const SETTINGS_KEY = 'local:settings' as const;

/** The fewest themes that may stay enabled: with one, every badge would say the same thing. */
export const MIN_ENABLED_THEMES = 2;

/** A CSS hex colour `#rrggbb` (what `<input type="color">` gives). */
export const HexColorSchema = z.string().check(z.regex(/^#[0-9a-f]{6}$/i, 'expected a colour like #1f6f8b'));

/** zod schema of the settings, version {@link SETTINGS_VERSION}. */
export const SettingsSchema = z.object({
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

/** Validated settings. */
export type Settings = z.infer<typeof SettingsSchema>;

/** Settings on a fresh install: model defaults, Spotify first then ReccoBeats, no client ID. */
export const DEFAULT_SETTINGS: Settings = {
  enabledThemes: null,
  themeColors: {},
  uncertainThreshold: null,
  providers: DEFAULT_PROVIDER_SETTINGS,
  spotifyClientId: null,
};

/**
 * Version 1 of the settings, the first options page's layout: only the enabled themes.
 * Kept so that stored or exported version-1 settings still load.
 */
export const SettingsV1Schema = z.object({ enabledThemes: z.array(z.string()) });

/**
 * Migrations by target version, as WXT's storage item runs them (`migrations[n]` turns a
 * version n-1 value into version n). Version 2 adds colours, the threshold, providers and the
 * client ID; theme ids that this build does not know are dropped, and fewer than
 * {@link MIN_ENABLED_THEMES} remaining falls back to the model defaults.
 */
export const SETTINGS_MIGRATIONS: Record<number, (old: unknown) => Settings> = {
  2: (old) => {
    const v1 = SettingsV1Schema.safeParse(old);
    const known = v1.success ? v1.data.enabledThemes.filter((t): t is ThemeId => (THEME_IDS as readonly string[]).includes(t)) : [];
    const unique = [...new Set(known)];
    return { ...DEFAULT_SETTINGS, enabledThemes: unique.length >= MIN_ENABLED_THEMES ? unique : null };
  },
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
 * Validates and stores settings. Throws `Error` with zod's message when `settings` is invalid
 * (e.g. fewer than two enabled themes), and rejects with the browser's error when storage fails
 * (quota); the stored value is then unchanged.
 */
export async function writeSettings(item: WxtStorageItem<Settings, Record<string, never>>, settings: Settings): Promise<void> {
  const parsed = SettingsSchema.safeParse(settings);
  if (!parsed.success) throw new Error(`Invalid settings: ${z.prettifyError(parsed.error)}`);
  await item.setValue(parsed.data);
}

/** Tag of an exported settings file, so that an unrelated JSON file is recognised as such. */
export const SETTINGS_EXPORT_FORMAT = 'playlist-predictor-settings';

/** The JSON text of a settings export: `{format, version, settings}`, pretty-printed. */
export function exportSettings(settings: Settings): string {
  return `${JSON.stringify({ format: SETTINGS_EXPORT_FORMAT, version: SETTINGS_VERSION, settings }, null, 2)}\n`;
}

const ExportEnvelopeSchema = z.object({
  format: z.literal(SETTINGS_EXPORT_FORMAT),
  version: z.int().check(z.gte(1), z.lte(SETTINGS_VERSION)),
  settings: z.unknown(),
});

/**
 * Parses the text of a settings export (this or an older version, migrated forward).
 * @throws Error saying what is wrong: not JSON, not a settings export, a version newer than this
 *   build, or invalid settings (zod's message, with paths).
 */
export function importSettings(text: string): Settings {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('The file is not JSON.');
  }
  const envelope = ExportEnvelopeSchema.safeParse(json);
  if (!envelope.success) throw new Error(`Not a Playlist Predictor settings export (version 1 to ${SETTINGS_VERSION}): ${z.prettifyError(envelope.error)}`);
  let value = envelope.data.settings;
  for (let v = envelope.data.version + 1; v <= SETTINGS_VERSION; v++) {
    const migrate = SETTINGS_MIGRATIONS[v];
    if (migrate) value = migrate(value);
  }
  const parsed = SettingsSchema.safeParse(value);
  if (!parsed.success) throw new Error(`The settings in this file are invalid: ${z.prettifyError(parsed.error)}`);
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
