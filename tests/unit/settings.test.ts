import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import {
  DEFAULT_CACHE_LIMIT,
  DEFAULT_SETTINGS,
  MAX_CACHE_LIMIT,
  MAX_SETTINGS_FILE_BYTES,
  MIN_CACHE_LIMIT,
  SETTINGS_VERSION,
  defineSettingsItem,
  effectiveThemeSettings,
  exportSettings,
  importSettings,
  parseSettings,
  readSettings,
  readSettingsFile,
  writeSettings,
  type Settings,
} from '@/lib/shared/settings';
import { THEMES, type ThemeId } from '@/model/themes';

beforeEach(() => {
  fakeBrowser.reset();
});

const MODEL = {
  labels: ['workout', 'party', 'dinner', 'sleep', 'focus'] as ThemeId[],
  experimental: ['dinner'] as ThemeId[],
  uncertainThreshold: 0.4,
};

describe('settings storage item', () => {
  it('gives the defaults on a fresh install', async () => {
    const item = defineSettingsItem();
    expect(await readSettings(item)).toEqual(DEFAULT_SETTINGS);
  });

  it('round-trips valid settings through storage.local', async () => {
    const item = defineSettingsItem();
    const settings: Settings = { ...DEFAULT_SETTINGS, enabledThemes: ['sleep', 'focus'], themeColors: { sleep: '#112233' }, uncertainThreshold: 0.55 };
    await writeSettings(item, settings);
    expect(await readSettings(defineSettingsItem())).toEqual(settings);
    const raw = await fakeBrowser.storage.local.get('settings');
    expect(raw.settings).toEqual(settings);
  });

  it('refuses to store fewer than two enabled themes and keeps what was stored', async () => {
    const item = defineSettingsItem();
    await writeSettings(item, { ...DEFAULT_SETTINGS, enabledThemes: ['sleep', 'focus'] });
    await expect(writeSettings(item, { ...DEFAULT_SETTINGS, enabledThemes: ['sleep'] })).rejects.toThrow(/at least 2 themes/);
    expect((await readSettings(item)).enabledThemes).toEqual(['sleep', 'focus']);
  });

  it('accepts a cache size from MIN_CACHE_LIMIT to MAX_CACHE_LIMIT tracks, whole numbers only', () => {
    expect([MIN_CACHE_LIMIT, DEFAULT_CACHE_LIMIT, MAX_CACHE_LIMIT]).toEqual([1_000, 100_000, 1_000_000]);
    expect(DEFAULT_SETTINGS.cacheLimit).toBe(100_000);
    for (const cacheLimit of [1_000, 54_321, 1_000_000]) expect(parseSettings({ ...DEFAULT_SETTINGS, cacheLimit })).toEqual({ settings: { ...DEFAULT_SETTINGS, cacheLimit } });
    for (const cacheLimit of [999, 1_000_001, 1_500.5, '5000', null]) expect(parseSettings({ ...DEFAULT_SETTINGS, cacheLimit }).error).toMatch(/→ at cacheLimit/);
  });

  it('says when the browser cannot store the settings (storage full), and keeps what was stored', async () => {
    const item = defineSettingsItem();
    const before: Settings = { ...DEFAULT_SETTINGS, themeColors: { sleep: '#111111' } };
    await writeSettings(item, before);
    vi.spyOn(fakeBrowser.storage.local, 'set').mockRejectedValue(new Error('QUOTA_BYTES quota exceeded'));
    await expect(writeSettings(item, { ...before, cacheLimit: 2_000 })).rejects.toThrow(
      'Storage is full: the browser could not store the settings (QUOTA_BYTES quota exceeded). Free disk space and try again.',
    );
    vi.mocked(fakeBrowser.storage.local.set).mockRejectedValue(new Error('IO error'));
    await expect(writeSettings(item, before)).rejects.toThrow('The browser could not store the settings (IO error).');
    vi.restoreAllMocks();
    expect(await readSettings(item)).toEqual(before);
  });

  it('rejects bad colours, thresholds outside [0, 1], an incomplete provider order and a malformed client ID', async () => {
    const item = defineSettingsItem();
    const bad: unknown[] = [
      { ...DEFAULT_SETTINGS, themeColors: { sleep: 'blue' } },
      { ...DEFAULT_SETTINGS, uncertainThreshold: 1.5 },
      { ...DEFAULT_SETTINGS, providers: { order: ['spotify'], disabled: [] } },
      { ...DEFAULT_SETTINGS, spotifyClientId: 'not-a-client-id' },
    ];
    for (const value of bad) expect(parseSettings(value).error).toBeDefined();
    await expect(writeSettings(item, bad[0] as Settings)).rejects.toThrow(/colour/);
  });

  it('reads a corrupted stored value as the defaults with a warning, without overwriting it', async () => {
    await fakeBrowser.storage.local.set({ settings: { enabledThemes: 'all of them' }, settings$: { v: SETTINGS_VERSION } });
    const warn = vi.fn();
    expect(await readSettings(defineSettingsItem(), { warn })).toEqual(DEFAULT_SETTINGS);
    expect(warn).toHaveBeenCalledOnce();
    expect((await fakeBrowser.storage.local.get('settings')).settings).toEqual({ enabledThemes: 'all of them' });
  });
});

describe('settings migrations', () => {
  it('migrates stored version-1 settings (enabled themes only) to version 2 when the item is defined', async () => {
    await fakeBrowser.storage.local.set({ settings: { enabledThemes: ['sleep', 'chill', 'focus'] }, settings$: { v: 1 } });
    const item = defineSettingsItem();
    const settings = await readSettings(item);
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, enabledThemes: ['sleep', 'chill', 'focus'] });
    const stored = await fakeBrowser.storage.local.get(['settings', 'settings$']);
    expect(stored.settings$).toEqual({ v: 3 });
  });

  it('migrates stored version-2 settings to version 3 keeping every value, with the default cache size', async () => {
    expect(SETTINGS_VERSION).toBe(3);
    const v2 = {
      enabledThemes: ['workout', 'sleep', 'romance'],
      themeColors: { sleep: '#123456', workout: '#abcdef' },
      uncertainThreshold: 0.35,
      providers: { order: ['reccobeats', 'spotify'], disabled: ['spotify'] },
      spotifyClientId: '0123456789abcdef0123456789abcdef',
    };
    await fakeBrowser.storage.local.set({ settings: v2, settings$: { v: 2 } });
    expect(await readSettings(defineSettingsItem())).toEqual({ ...v2, cacheLimit: 100_000 });
    expect(await fakeBrowser.storage.local.get(['settings', 'settings$'])).toEqual({ settings: { ...v2, cacheLimit: 100_000 }, settings$: { v: 3 } });
  });

  it('leaves a stored value that is not valid for its version untouched (and reads the defaults) instead of migrating it to defaults', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const broken = { enabledThemes: 'sleep and focus' };
    await fakeBrowser.storage.local.set({ settings: broken, settings$: { v: 1 } });
    const warn = vi.fn();
    const item = defineSettingsItem();
    expect(await readSettings(item, { warn })).toEqual(DEFAULT_SETTINGS);
    expect(warn).toHaveBeenCalledOnce();
    expect(errors).toHaveBeenCalled(); // WXT reports the failed migration
    expect(await fakeBrowser.storage.local.get(['settings', 'settings$'])).toEqual({ settings: broken, settings$: { v: 1 } });
    // Once the user saves, the value is marked as version 3 and never migrated again.
    const mine: Settings = { ...DEFAULT_SETTINGS, enabledThemes: ['sleep', 'focus'], themeColors: { sleep: '#000000' } };
    await writeSettings(item, mine);
    expect((await fakeBrowser.storage.local.get('settings$')).settings$).toEqual({ v: 3 });
    expect(await readSettings(defineSettingsItem())).toEqual(mine);
  });

  it('stores the value and its version in one storage.local.set call, so a closed page cannot leave one without the other', async () => {
    const set = vi.spyOn(fakeBrowser.storage.local, 'set');
    const mine: Settings = { ...DEFAULT_SETTINGS, enabledThemes: ['sleep', 'focus', 'chill'], themeColors: { sleep: '#000000' } };
    await writeSettings(defineSettingsItem(), mine);
    expect(set.mock.calls).toEqual([[{ settings: mine, settings$: { v: SETTINGS_VERSION } }]]);
  });

  it('keeps current settings that an older build stored without their version (its first save cut between two writes)', async () => {
    // Builds before the one-call write stored the value and its version with two
    // storage.local.set calls, the second after a read; an options page closed in between left a
    // current value without a version, which WXT takes for version 1 and migrates.
    const mine: Settings = {
      enabledThemes: ['sleep', 'focus', 'chill'],
      themeColors: { sleep: '#000000' },
      uncertainThreshold: 0.6,
      providers: { order: ['reccobeats', 'spotify'], disabled: [] },
      spotifyClientId: '0123456789abcdef0123456789abcdef',
      cacheLimit: 5_000,
    };
    for (const version of [undefined, 1, 2]) {
      fakeBrowser.reset();
      await fakeBrowser.storage.local.set({ settings: mine, ...(version === undefined ? {} : { settings$: { v: version } }) });
      expect(await readSettings(defineSettingsItem()), `marked ${version ?? 'with nothing'}`).toEqual(mine);
      expect(await fakeBrowser.storage.local.get(['settings', 'settings$'])).toEqual({ settings: mine, settings$: { v: 3 } });
    }
  });

  it('drops theme ids this build does not know, and falls back to defaults when fewer than two remain', async () => {
    await fakeBrowser.storage.local.set({ settings: { enabledThemes: ['sleep', 'karaoke'] }, settings$: { v: 1 } });
    expect((await readSettings(defineSettingsItem())).enabledThemes).toBeNull();
    fakeBrowser.reset();
    await fakeBrowser.storage.local.set({ settings: { enabledThemes: ['sleep', 'karaoke', 'sleep', 'party'] }, settings$: { v: 1 } });
    expect((await readSettings(defineSettingsItem())).enabledThemes).toEqual(['sleep', 'party']);
  });
});

describe('settings export and import', () => {
  const custom: Settings = {
    enabledThemes: ['workout', 'party', 'sleep'],
    themeColors: { party: '#aa00aa' },
    uncertainThreshold: 0.3,
    providers: { order: ['reccobeats', 'spotify'], disabled: ['spotify'] },
    spotifyClientId: '0123456789abcdef0123456789abcdef',
    cacheLimit: 250_000,
  };
  /** The same settings as version 2 wrote them: without `cacheLimit`. */
  const { cacheLimit: customLimit, ...v2 } = custom;
  const file = (version: unknown, settings: unknown) => JSON.stringify({ format: 'playlist-predictor-settings', version, settings });

  it('round-trips through exportSettings and importSettings', () => {
    expect(importSettings(exportSettings(custom))).toEqual(custom);
  });

  it('imports a version-1 export through the migration', () => {
    const text = JSON.stringify({ format: 'playlist-predictor-settings', version: 1, settings: { enabledThemes: ['focus', 'chill'] } });
    expect(importSettings(text)).toEqual({ ...DEFAULT_SETTINGS, enabledThemes: ['focus', 'chill'] });
  });

  it('says what is wrong with a bad file', () => {
    expect(() => importSettings('{ not json')).toThrow('The file is not JSON.');
    // Not ours at all: one sentence, no zod issue list.
    for (const other of [{ hello: 'world' }, { format: 'something-else', version: 3, settings: custom }, [1, 2], 'text', null]) {
      expect(() => importSettings(JSON.stringify(other))).toThrow('This file is not a Playlist Predictor settings export: it has no "format": "playlist-predictor-settings" (Export… on the options page writes such a file).');
    }
    expect(() => importSettings(JSON.stringify({ format: 'playlist-predictor-settings', version: 99, settings: custom }))).toThrow(/version 1 to 3/);
    expect(() => importSettings(JSON.stringify({ format: 'playlist-predictor-settings', version: 3, settings: { ...custom, enabledThemes: ['sleep'] } }))).toThrow(
      /invalid: .*at least 2 themes/s,
    );
  });

  it('reads a picked file up to MAX_SETTINGS_FILE_BYTES, and refuses a larger one by name and size without reading it', async () => {
    expect(MAX_SETTINGS_FILE_BYTES).toBe(1_048_576);
    const exported = exportSettings(custom);
    expect(importSettings(await readSettingsFile(new File([exported], 'backup.json')))).toEqual(custom);
    // At the bound it is read (and then refused as JSON); one byte more and it is not read at all.
    const atBound = new File(['x'.repeat(MAX_SETTINGS_FILE_BYTES)], 'big.json');
    expect(await readSettingsFile(atBound)).toHaveLength(MAX_SETTINGS_FILE_BYTES);
    const text = vi.fn(async () => '');
    await expect(readSettingsFile({ name: 'holiday.mp4', size: 734_003_200, text })).rejects.toThrow(
      'holiday.mp4 is larger than 1 MB (734,003,200 bytes), too large to be a settings export (Export… writes a file of under 1 kB).',
    );
    await expect(readSettingsFile({ name: 'big.json', size: MAX_SETTINGS_FILE_BYTES + 1, text })).rejects.toThrow('big.json is larger than 1 MB (1,048,577 bytes)');
    expect(text).not.toHaveBeenCalled();
  });

  it('imports a version-2 export keeping every value, with the default cache size', () => {
    expect(customLimit).not.toBe(DEFAULT_CACHE_LIMIT);
    expect(importSettings(file(2, v2))).toEqual({ ...custom, cacheLimit: DEFAULT_CACHE_LIMIT });
  });

  it('rejects a version-1 file whose body does not parse, with the zod issue path and message, and leaves the stored settings alone', async () => {
    const item = defineSettingsItem();
    await writeSettings(item, custom);
    const cases: [unknown, RegExp][] = [
      [{ enabledThemes: 'sleep' }, /expected array, received string\s+→ at enabledThemes/],
      [{}, /expected array, received undefined\s+→ at enabledThemes/],
      [{ enabledThemes: ['sleep', 7] }, /expected string, received number\s+→ at enabledThemes\[1\]/],
      [null, /expected object, received null/],
      ['sleep,focus', /expected object, received string/],
    ];
    for (const [body, reason] of cases) {
      let message = '';
      try {
        // What the options page does with an imported file: nothing is stored unless it parses.
        await writeSettings(item, importSettings(file(1, body)));
      } catch (error) {
        message = error instanceof Error ? error.message : String(error);
      }
      expect(message).toMatch(/^The settings in this file \(version 1\) are invalid: /);
      expect(message).toMatch(reason);
    }
    expect(await readSettings(item)).toEqual(custom);
  });

  it('rejects an invalid body of every version with the reason, and versions it does not know', () => {
    expect(() => importSettings(file(2, { ...v2, themeColors: { party: 'purple' } }))).toThrow(/\(version 2\) are invalid: .*expected a colour like #1f6f8b\s+→ at themeColors\.party/s);
    expect(() => importSettings(file(2, { ...v2, providers: 'spotify' }))).toThrow(/\(version 2\) are invalid: .*→ at providers/s);
    expect(() => importSettings(file(3, { ...custom, cacheLimit: 5 }))).toThrow(/\(version 3\) are invalid: .*→ at cacheLimit/s);
    expect(() => importSettings(file(3, v2))).toThrow(/\(version 3\) are invalid: .*→ at cacheLimit/s);
    expect(() => importSettings(file(3, null))).toThrow(/\(version 3\) are invalid/);
    for (const version of [4, 99]) expect(() => importSettings(file(version, custom))).toThrow(`settings version ${version}, from a newer Playlist Predictor; this one reads version 1 to 3`);
    for (const version of [0, -1, 1.5, '2', null]) expect(() => importSettings(file(version, custom))).toThrow(/^This Playlist Predictor settings export has a malformed version \(a whole number from 1 is expected; this build reads version 1 to 3\).*→ at version/s);
  });
});

describe('effectiveThemeSettings', () => {
  it('uses the model defaults (non-experimental labels), catalogue colours and the model threshold', () => {
    const e = effectiveThemeSettings(DEFAULT_SETTINGS, MODEL);
    expect(e.enabled).toEqual(['workout', 'party', 'sleep', 'focus']);
    expect(e.uncertainThreshold).toBe(0.4);
    for (const t of THEMES) expect(e.colors[t.id]).toBe(t.color);
  });

  it('applies the user choice in model output order, with colour and threshold overrides', () => {
    const e = effectiveThemeSettings({ ...DEFAULT_SETTINGS, enabledThemes: ['focus', 'dinner'], themeColors: { focus: '#000000' }, uncertainThreshold: 0 }, MODEL);
    expect(e.enabled).toEqual(['dinner', 'focus']);
    expect(e.colors.focus).toBe('#000000');
    expect(e.uncertainThreshold).toBe(0);
  });

  it('falls back to the defaults when fewer than two chosen themes are model labels', () => {
    const e = effectiveThemeSettings({ ...DEFAULT_SETTINGS, enabledThemes: ['sleep', 'romance'] }, MODEL);
    expect(e.enabled).toEqual(['workout', 'party', 'sleep', 'focus']);
  });
});
