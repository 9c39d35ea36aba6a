import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import seedrandom from 'seedrandom';
import { AUDIO_FEATURE_NAMES, type AudioFeatures } from '../../../model/features';
import { parseModelMetadata } from '../../../model/metadata';
import { THEME_IDS } from '../../../model/themes';
import { modelThemeInfo } from '../../../lib/shared/bundled-metadata';
import { loadLabelledTracks } from '../../../training/data';
import type { PageTrack } from './fake-spotify';

/** A track on a test page together with the audio features the fake provider serves for it. */
export interface FixtureTrack extends PageTrack {
  /** `undefined` = the provider does not know this track. */
  readonly features: AudioFeatures | undefined;
  /**
   * The duration its rows show, in whole seconds' ms (`m:ss`, `h:mm:ss` past an hour), or `null`
   * when its rows show none (an empty duration cell: the extension classifies it as of unknown
   * duration, issue 10). Always set, so the page and `npm run classify` get the same value.
   */
  readonly durationMs: number | null;
}

/**
 * The duration of synthetic track `i` of `seed`, in whole seconds' ms: 1:30 to 6:59, one in 37
 * past an hour (`h:mm:ss`), and `null` (no duration shown) for one in 9. From its own seeded
 * generator, so the features of existing fixtures do not change.
 */
function syntheticDurationMs(rng: () => number, i: number): number | null {
  const seconds = i % 37 === 20 ? 3_600 + Math.floor(rng() * 1_800) : 90 + Math.floor(rng() * 330);
  return i % 9 === 4 ? null : seconds * 1000;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `count` tracks with seeded random IDs and audio features spread over Spotify's ranges. */
export function syntheticTracks(count: number, seed: string): FixtureTrack[] {
  const rng = seedrandom(seed);
  const durationRng = seedrandom(`${seed}:duration`);
  const id = () => Array.from({ length: 22 }, () => BASE62[Math.floor(rng() * 62)]).join('');
  return Array.from({ length: count }, (_, i) => ({
    id: id(),
    title: `Synthetic track ${i + 1}`,
    durationMs: syntheticDurationMs(durationRng, i),
    artist: `Artist ${Math.floor(rng() * 40)}`,
    features: {
      acousticness: rng(),
      danceability: rng(),
      energy: rng(),
      instrumentalness: rng() < 0.5 ? rng() * 0.05 : rng(),
      key: Math.floor(rng() * 13) - 1,
      liveness: rng() * 0.6,
      loudness: -30 + rng() * 28,
      mode: rng() < 0.6 ? 1 : 0,
      speechiness: rng() * 0.4,
      tempo: 60 + rng() * 120,
      valence: rng(),
    },
  }));
}

/** Where real data is looked for: `PLAYLIST_PREDICTOR_DATA`, else `../shared/data`. */
export const REAL_DATA_DIR = resolve(process.env.PLAYLIST_PREDICTOR_DATA ?? '../shared/data');

/** Whether the real data is present, and if not, why the real-data test skips. */
export function realDataSkipReason(): string | undefined {
  return existsSync(join(REAL_DATA_DIR, 'tidytuesday', 'spotify_songs.csv'))
    ? undefined
    : `real data not found at ${REAL_DATA_DIR} (set PLAYLIST_PREDICTOR_DATA to the shared/data folder to run this test)`;
}

/**
 * Real tracks' `duration_ms` from the TidyTuesday file (the one source with it), by track ID,
 * rounded down to whole seconds as a track row shows it (`m:ss`).
 */
function realDurations(): Map<string, number> {
  const rows: Record<string, string>[] = parse(readFileSync(join(REAL_DATA_DIR, 'tidytuesday', 'spotify_songs.csv')), { columns: true, skip_empty_lines: true, relax_column_count: true });
  const out = new Map<string, number>();
  for (const r of rows) {
    const ms = Number(r.duration_ms);
    if (r.track_id && r.duration_ms && Number.isFinite(ms) && ms >= 1000) out.set(r.track_id, Math.floor(ms / 1000) * 1000);
  }
  return out;
}

/**
 * `count` real tracks (real IDs, titles, artists, audio features and durations) from the labelled
 * training data, sampled with a seeded shuffle round-robin across themes so every theme is
 * represented. A track without a known duration shows none.
 */
export function realTracks(count: number, seed: string): FixtureTrack[] {
  const { tracks } = loadLabelledTracks(REAL_DATA_DIR);
  const durations = realDurations();
  const rng = seedrandom(seed);
  const byTheme = THEME_IDS.map((t) => {
    const list = tracks.filter((x) => x.theme === t);
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [list[i], list[j]] = [list[j] as (typeof list)[number], list[i] as (typeof list)[number]];
    }
    return list;
  });
  const out: FixtureTrack[] = [];
  for (let round = 0; out.length < count; round++) {
    let added = false;
    for (const list of byTheme) {
      const t = list[round];
      if (t && out.length < count) {
        out.push({ id: t.trackId, title: t.title, artist: t.artist, features: t.features, durationMs: durations.get(t.trackId) ?? null });
        added = true;
      }
    }
    if (!added) break;
  }
  return out;
}

/** What `npm run classify` gives one track: the theme column and the `p_<theme>` columns. */
export interface CliRow {
  readonly theme: string;
  readonly probabilities: Record<string, number>;
}

/** Options of {@link classifyWithCli}. */
export interface CliOptions {
  /**
   * The duration the extension gives the model for a track, in ms, or `null` (unknown): by
   * default the one its rows show ({@link FixtureTrack.durationMs}); `() => null` for tracks it
   * never saw on a page (a pasted link); Spotify's `duration_ms` when Spotify gave the features.
   */
  readonly durationOf?: (track: FixtureTrack) => number | null;
}

/**
 * Runs the real classify CLI on a CSV of the tracks' audio features and durations (the
 * `duration_ms` column, empty when unknown; tracks without features are left out) and returns
 * each track's row.
 */
export function classifyWithCli(tracks: readonly FixtureTrack[], options: CliOptions = {}): Map<string, CliRow> {
  const durationOf = options.durationOf ?? ((t: FixtureTrack) => t.durationMs);
  const dir = mkdtempSync(join(tmpdir(), 'pp-e2e-'));
  const input = join(dir, 'tracks.csv');
  const output = join(dir, 'themes.csv');
  const known = tracks.filter((t) => t.features);
  writeFileSync(
    input,
    stringify([['track_id', ...AUDIO_FEATURE_NAMES, 'duration_ms'], ...known.map((t) => [t.id, ...AUDIO_FEATURE_NAMES.map((n) => t.features?.[n]), durationOf(t) ?? ''])]),
  );
  execFileSync('npm', ['run', '--silent', 'classify', '--', '--input', input, '--output', output], { stdio: ['ignore', 'ignore', 'pipe'] });
  const rows: Record<string, string>[] = parse(readFileSync(output), { columns: true });
  rmSync(dir, { recursive: true, force: true });
  return new Map(
    rows.map((r) => [
      r.track_id ?? '',
      {
        theme: r.theme ?? '',
        probabilities: Object.fromEntries(Object.entries(r).flatMap(([k, v]) => (k.startsWith('p_') ? [[k.slice(2), Number(v)]] : []))),
      },
    ]),
  );
}

/** The theme `npm run classify` gives each track with features (see {@link classifyWithCli}). */
export function themesFromClassifyCli(tracks: readonly FixtureTrack[], options: CliOptions = {}): Map<string, string> {
  return new Map([...classifyWithCli(tracks, options)].map(([id, row]) => [id, row.theme]));
}

/**
 * `theme`'s probability in the CLI's row renormalized over the `enabled` themes, as the badge, its
 * tooltip and the panel give it; 0 for a theme that is off, or when the enabled themes have none.
 */
export function probabilityAmongEnabled(row: CliRow, theme: string, enabled: readonly string[]): number {
  const total = enabled.reduce((sum, t) => sum + (row.probabilities[t] ?? 0), 0);
  return enabled.includes(theme) && total > 0 ? (row.probabilities[theme] ?? 0) / total : 0;
}

/**
 * The theme a badge should show when only `enabled` themes are on: the most probable of them in
 * the CLI's probabilities (ties to the earlier theme in `order`), and its renormalized probability.
 */
export function expectedTheme(row: CliRow, enabled: readonly string[], order: readonly string[]): { theme: string; probability: number } {
  const on = order.filter((t) => enabled.includes(t));
  let best = on[0] ?? '';
  for (const t of on) if ((row.probabilities[t] ?? 0) > (row.probabilities[best] ?? 0)) best = t;
  return { theme: best, probability: probabilityAmongEnabled(row, best, on) };
}

/** The bundled model's default themes and threshold, as the extension reads them from `public/model/metadata.json`. */
export function bundledModelDefaults(): { enabled: string[]; uncertainThreshold: number } {
  const info = modelThemeInfo(parseModelMetadata(JSON.parse(readFileSync(resolve('public/model/metadata.json'), 'utf8'))));
  return { enabled: info.labels.filter((t) => !info.experimental.includes(t)), uncertainThreshold: info.uncertainThreshold };
}

/**
 * The badge a row should show for the CLI's answer with the default settings: status `ok`, or
 * `uncertain` when the renormalized probability of the theme is below the model's threshold.
 */
export function expectedBadge(row: CliRow): { status: 'ok' | 'uncertain'; theme: string } {
  const { enabled, uncertainThreshold } = bundledModelDefaults();
  const { theme, probability } = expectedTheme(row, enabled, THEME_IDS);
  if (theme !== row.theme) throw new Error(`the CLI chose ${row.theme}, the default settings ${theme}`);
  return { status: probability < uncertainThreshold ? 'uncertain' : 'ok', theme };
}

/**
 * The profile `npm run classify` gives a list with the default settings: confident tracks per
 * theme, uncertain and unknown counts, and per enabled theme the mean over the tracks with
 * features of its probability renormalized over the enabled themes (in [0, 1]).
 */
export function cliProfile(tracks: readonly FixtureTrack[], expected: ReadonlyMap<string, CliRow>): { counts: Record<string, number>; means: Record<string, number>; uncertain: number; unknown: number } {
  const { enabled } = bundledModelDefaults();
  const counts: Record<string, number> = {};
  const sums: Record<string, number> = {};
  let uncertain = 0;
  let unknown = 0;
  for (const t of tracks) {
    const row = expected.get(t.id);
    if (!row) {
      unknown++;
      continue;
    }
    const badge = expectedBadge(row);
    if (badge.status === 'uncertain') uncertain++;
    else counts[badge.theme] = (counts[badge.theme] ?? 0) + 1;
    for (const theme of enabled) sums[theme] = (sums[theme] ?? 0) + probabilityAmongEnabled(row, theme, enabled);
  }
  const answered = tracks.length - unknown;
  const means = Object.fromEntries(enabled.map((t) => [t, answered > 0 ? (sums[t] ?? 0) / answered : 0]));
  return { counts, means, uncertain, unknown };
}

/**
 * The `duration_ms` the fake Spotify API serves: each track's shown duration, and for a track
 * whose rows show none, a duration only Spotify knows (3:21), so that Spotify's value is seen to
 * be used. Pass it to `FakeSpotifyApi` and, as `durationOf`, to {@link classifyWithCli}.
 */
export function spotifyDurations(tracks: readonly FixtureTrack[]): Map<string, number> {
  return new Map(tracks.map((t) => [t.id, t.durationMs ?? 201_000]));
}

/** The features the fake providers serve: track ID → features, for the tracks that have them. */
export function featureTable(tracks: readonly FixtureTrack[]): Map<string, AudioFeatures> {
  return new Map(tracks.flatMap((t) => (t.features ? [[t.id, t.features] as const] : [])));
}
