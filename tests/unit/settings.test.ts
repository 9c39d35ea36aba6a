import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import {
  DEFAULT_SETTINGS,
  SETTINGS_VERSION,
  defineSettingsItem,
  effectiveThemeSettings,
  exportSettings,
  importSettings,
  parseSettings,
  readSettings,
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
    expect(stored.settings$).toEqual({ v: 2 });
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
  };

  it('round-trips through exportSettings and importSettings', () => {
    expect(importSettings(exportSettings(custom))).toEqual(custom);
  });

  it('imports a version-1 export through the migration', () => {
    const text = JSON.stringify({ format: 'playlist-predictor-settings', version: 1, settings: { enabledThemes: ['focus', 'chill'] } });
    expect(importSettings(text)).toEqual({ ...DEFAULT_SETTINGS, enabledThemes: ['focus', 'chill'] });
  });

  it('says what is wrong with a bad file', () => {
    expect(() => importSettings('{ not json')).toThrow('The file is not JSON.');
    expect(() => importSettings(JSON.stringify({ hello: 'world' }))).toThrow(/Not a Playlist Predictor settings export/);
    expect(() => importSettings(JSON.stringify({ format: 'playlist-predictor-settings', version: 99, settings: custom }))).toThrow(/version 1 to 2/);
    expect(() => importSettings(JSON.stringify({ format: 'playlist-predictor-settings', version: 2, settings: { ...custom, enabledThemes: ['sleep'] } }))).toThrow(
      /invalid: .*at least 2 themes/s,
    );
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
