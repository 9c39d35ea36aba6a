import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CliUsageError, dataFolderOption, integerOption, parseCliArgs } from './cli-args';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { THEME_IDS, getTheme, matchedKeywords, themesForPlaylistName, type ThemeId } from '../model/themes';
import { loadLabelledTracks } from './data';
import { createRng, shuffled } from './split';
import { readCsvFile } from './csv';

/**
 * Label audit of the playlist-name keyword rules in `model/themes.ts` (issue 10).
 *
 * `npm run audit:labels -- --data ../shared/data --seed <n> [--per-theme 100]` draws, for every
 * theme, a seeded random sample of up to `--per-theme` distinct playlist names (TidyTuesday and
 * MPD `playlist_name`, case-insensitively distinct) that vote for that theme under the current
 * rules — the name matches that theme and no other, as in `training/data.ts` — and prints them
 * with the keyword(s) that matched, to stdout only. Nothing from the data is written to a file:
 * the names are read by a person, who records only counts in `training/label-audit.json`.
 * It also prints counts per theme (voting playlists, tracks with a vote, final labelled tracks)
 * so that a rule change can be measured, and the spotify-tracks genres with their sizes.
 *
 * Judging criteria used for `label-audit.json` (a name is judged *correct* for its theme when a
 * listener would pick that playlist for that occasion):
 * - The matched word must refer to the occasion, not be part of an artist, song, album, film or
 *   genre name ("Run DMC", "Drive" the film soundtrack, "Bedroom pop", "Club Penguin",
 *   "Sexy Sadie" are wrong).
 * - A name that is explicitly about the occasion but mixes a genre ("Rock Workout", "Country
 *   Road Trip", "Latin Party") is correct: the label is the occasion, the genre is the data's.
 * - A name whose word is the occasion only in another sense (`training` as in "Dog training" or
 *   "Training Day"; `spin` as in "Spin Doctors"; `reading` as in "Reading Festival") is wrong,
 *   and so are slang phrases that mean something else: "no chill" (the opposite of chill),
 *   "Netflix and chill" (a euphemism for sex: right for romance, wrong for chill).
 * - A keyword that is one item of a list of dance genres ("House / Techno / Lofi") is wrong:
 *   the list says what the music is, not when it is played.
 * - Mood words used as a general vibe count for their theme when that theme is a mood-occasion
 *   (chill: "Mellow Morning", "Lazy Sunday"; romance: "Love Songs", "Slow Jams"), and so do
 *   genres named for the mood (chillwave, chillstep, lo-fi) on their own.
 * - A bare theme word ("Party", "Sleep", "Drive") is correct unless it is known to be a title.
 * - Wanting the state counts (a name asking to calm down is music to calm down to); lacking it
 *   does not (a name about being unable to sleep is late-night listening, not sleep music).
 * - When unsure (a phrase that is as likely a song or album title as an occasion, or a bare
 *   article plus keyword), the name is judged *wrong*, so the precision is a lower bound.
 *
 * In the shared data (2026-12-05) every theme has fewer than 100 distinct voting names, so each
 * "sample" is the theme's whole set of voting names, in a seeded order.
 */

/** Per-theme result of judging one sample by hand. */
export const ThemeAuditSchema = z.object({
  /** Distinct names drawn (up to `perTheme`; fewer when the theme has fewer names). */
  sampled: z.number().int().nonnegative(),
  /** Sampled names judged to really mean the theme's listening occasion. */
  judgedCorrect: z.number().int().nonnegative(),
  /** judgedCorrect / sampled, rounded to 2 decimals (0 when nothing was sampled). */
  precision: z.number().min(0).max(1),
});

/**
 * `training/label-audit.json`: the committed outcome of an audit — counts only, never names.
 * `before` judges the sample drawn with the rules before the fix, `after` the sample drawn with
 * the same seed from the rules after it. `genres` is the number of distinct track IDs per
 * spotify-tracks genre file present in the data (used and unused genres alike).
 */
export const LabelAuditSchema = z.object({
  /** Seed of the sample (`createRng` in training/split.ts, i.e. seedrandom). */
  seed: z.number().int(),
  /** Names drawn per theme at most. */
  perTheme: z.number().int().positive(),
  /** Date of the audit, YYYY-MM-DD. */
  auditedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  before: z.record(z.enum(THEME_IDS as [ThemeId, ...ThemeId[]]), ThemeAuditSchema),
  after: z.record(z.enum(THEME_IDS as [ThemeId, ...ThemeId[]]), ThemeAuditSchema),
  /** Keywords found ambiguous (they name an occasion and something else). */
  ambiguousWords: z.array(z.string()),
  /** Short descriptions of what changed in model/themes.ts. */
  ruleChanges: z.array(z.string()),
  /** Distinct track IDs per spotify-tracks genre present in the data. */
  genres: z.record(z.string(), z.number().int().nonnegative()),
});

export type LabelAudit = z.infer<typeof LabelAuditSchema>;

const USAGE = 'Usage: npm run audit:labels -- --data <shared/data dir> --seed <integer> [--per-theme 100]';

/** One playlist of either source. */
export interface NamedPlaylist {
  readonly source: 'tidytuesday' | 'mpd';
  readonly id: string;
  readonly name: string;
}

/**
 * Draws up to `perTheme` distinct names (case-insensitive, trimmed) per theme among the names
 * that vote for exactly that theme. Names are sorted before the seeded shuffle so the sample
 * depends only on the set of names and the seed.
 */
export function sampleNames(playlists: readonly NamedPlaylist[], seed: number, perTheme: number): Record<ThemeId, { name: string; playlists: number }[]> {
  const byTheme = new Map<ThemeId, Map<string, { name: string; playlists: number }>>();
  for (const p of playlists) {
    const themes = themesForPlaylistName(p.name);
    if (themes.length !== 1 || !themes[0]) continue;
    const key = p.name.trim().toLowerCase();
    const m = byTheme.get(themes[0]) ?? new Map<string, { name: string; playlists: number }>();
    const entry = m.get(key) ?? { name: p.name.trim(), playlists: 0 };
    entry.playlists++;
    m.set(key, entry);
    byTheme.set(themes[0], m);
  }
  const out = {} as Record<ThemeId, { name: string; playlists: number }[]>;
  for (const [i, theme] of THEME_IDS.entries()) {
    const entries = [...(byTheme.get(theme)?.entries() ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
    // One generator per theme (seed + index) so that a change in one theme's names does not
    // reshuffle the others' samples.
    out[theme] = shuffled(entries, createRng(seed + i)).slice(0, perTheme);
  }
  return out;
}

function readPlaylists(dataDir: string): { playlists: NamedPlaylist[]; ttRows: Record<string, string>[]; mpdTracks: Record<string, string>[] } {
  const ttRows = readCsvFile(join(dataDir, 'tidytuesday', 'spotify_songs.csv'));
  const mpd = readCsvFile(join(dataDir, 'mpd', 'playlists.csv'));
  const mpdTracks = readCsvFile(join(dataDir, 'mpd', 'playlist_tracks.csv'));
  const seen = new Set<string>();
  const playlists: NamedPlaylist[] = [];
  for (const r of ttRows) {
    const id = r.playlist_id ?? '';
    if (seen.has(id)) continue;
    seen.add(id);
    playlists.push({ source: 'tidytuesday', id, name: r.playlist_name ?? '' });
  }
  for (const p of mpd) playlists.push({ source: 'mpd', id: p.pid ?? '', name: p.playlist_name ?? '' });
  return { playlists, ttRows, mpdTracks };
}

function genreSizes(dataDir: string): Record<string, number> {
  const dir = join(dataDir, 'spotify-tracks-genres');
  const out: Record<string, number> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.csv')).sort()) {
    out[file.replace(/\.csv$/, '')] = new Set(readCsvFile(join(dir, file)).map((r) => r.track_id ?? '').filter((id) => id !== '')).size;
  }
  return out;
}

/** A checked `npm run audit:labels` command line. */
export interface AuditArgs {
  /** The training data folder (`--data`, required; its layout checked with {@link dataFolderOption}). */
  readonly data: string;
  /** The seed of the sample (`--seed`, a required integer: the seed is what the audit file records). */
  readonly seed: number;
  /** Names drawn per theme at most (`--per-theme`, a positive integer, default 100). */
  readonly perTheme: number;
}

/**
 * Checks `npm run audit:labels`'s arguments and the data folder's layout, without reading the data.
 * @throws CliUsageError for an unknown option, a bare argument, no `--data` or `--seed`, a folder
 *   that is not training data, a seed that is not an integer or a `--per-theme` that is not a
 *   positive integer ({@link integerOption}).
 */
export function parseAuditArgs(args: readonly string[]): AuditArgs {
  const values = parseCliArgs(args, { data: { type: 'string' }, seed: { type: 'string' }, 'per-theme': { type: 'string' } }, '--data');
  const data = dataFolderOption(values.data);
  const seed = integerOption('seed', values.seed);
  if (seed === undefined) throw new CliUsageError('--seed is required: the seed that draws the sample (recorded in training/label-audit.json)');
  const perTheme = integerOption('per-theme', values['per-theme'], { positive: true }) ?? 100;
  return { data, seed, perTheme };
}

function main(): number {
  let args;
  try {
    args = parseAuditArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof CliUsageError)) throw e;
    console.error(`npm run audit:labels: ${e.message}\n${USAGE}`);
    return 2;
  }
  const { data: dataDir, seed, perTheme } = args;

  const { playlists, ttRows, mpdTracks } = readPlaylists(dataDir);
  const sample = sampleNames(playlists, seed, perTheme);
  console.log(`# Label audit sample: seed ${seed}, up to ${perTheme} distinct voting names per theme (stdout only; do not save)`);
  for (const theme of THEME_IDS) {
    const names = sample[theme];
    console.log(`\n## ${theme}: ${names.length} names`);
    names.forEach((n, i) => console.log(`${String(i + 1).padStart(3)}. ${JSON.stringify(n.name)}  [${matchedKeywords(n.name, getTheme(theme)).join(', ')}]${n.playlists > 1 ? `  x${n.playlists}` : ''}`));
  }

  // Counts under the current rules: voting playlists and tracks with a playlist vote.
  const themeOf = new Map<string, ThemeId>();
  const votingPlaylists = Object.fromEntries(THEME_IDS.map((t) => [t, 0])) as Record<ThemeId, number>;
  let multiTheme = 0;
  for (const p of playlists) {
    const themes = themesForPlaylistName(p.name);
    if (themes.length === 1 && themes[0]) {
      themeOf.set(`${p.source}|${p.id}`, themes[0]);
      votingPlaylists[themes[0]]++;
    } else if (themes.length > 1) multiTheme++;
  }
  const votedTracks = new Map<ThemeId, Set<string>>(THEME_IDS.map((t) => [t, new Set<string>()]));
  for (const r of ttRows) {
    const t = themeOf.get(`tidytuesday|${r.playlist_id ?? ''}`);
    if (t && r.track_id) votedTracks.get(t)?.add(r.track_id);
  }
  for (const r of mpdTracks) {
    const t = themeOf.get(`mpd|${r.pid ?? ''}`);
    if (t && r.track_id) votedTracks.get(t)?.add(r.track_id);
  }
  const { stats } = loadLabelledTracks(dataDir);
  console.log('\n## Counts under the current rules');
  console.log('theme       voting-playlists  tracks-with-playlist-vote  labelled-tracks');
  for (const t of THEME_IDS) {
    console.log(`${t.padEnd(12)}${String(votingPlaylists[t]).padStart(16)}  ${String(votedTracks.get(t)?.size ?? 0).padStart(25)}  ${String(stats.trackCounts[t]).padStart(15)}`);
  }
  console.log(`playlists matching several themes (no vote): ${multiTheme}; tied tracks left out: ${stats.tiedTracks}`);
  console.log('\n## spotify-tracks genres (distinct track IDs)');
  console.log(JSON.stringify(genreSizes(dataDir)));
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main();
}
