import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIO_FEATURE_NAMES, AudioFeaturesSchema, normalizeDurationMs, type AudioFeatures } from '../model/features';
import { THEME_IDS, themeForGenre, themesForPlaylistName, type ThemeId } from '../model/themes';
import { readCsvFile } from './csv';

/**
 * Loading and labelling of the training data in `shared/data` (see its README for the files).
 *
 * Label rule, stated once: every themed source a track is in casts one vote for that theme —
 * each distinct playlist whose name matches exactly one theme (TidyTuesday and MPD), and the
 * track's occasion genre (spotify-tracks). A playlist name that matches several themes after
 * the themes' `excludes` (say "Workout Party") casts no vote; "Dinner Party" and "Chill Party"
 * are dinner and chill by their excludes. The track's label is the theme with the most votes; a track
 * whose top themes tie is left out as ambiguous and counted.
 */

/** Where a label vote came from. */
export type LabelSource = 'tidytuesday' | 'mpd' | 'genres';

/** A track with audio features and its single-theme label. */
export interface LabelledTrack {
  /** Spotify track ID (22-character base62), the smallest ID of its duplicate group. */
  readonly trackId: string;
  readonly title: string;
  /** Lower-cased primary artist, the split grouping key. */
  readonly artist: string;
  readonly features: AudioFeatures;
  /** `duration_ms` of the group's first row, as the model reads it (`normalizeDurationMs`); null when absent. */
  readonly durationMs: number | null;
  readonly theme: ThemeId;
  /**
   * Soft label: each theme's share of the track's votes (all sources), in `THEME_IDS` order,
   * summing to 1. A track in three workout playlists and one party playlist is 0.75 workout,
   * 0.25 party. Training fits these shares; evaluation uses `theme`.
   */
  readonly softLabel: readonly number[];
  /** Votes per theme summed over the duplicate group, by source. */
  readonly votes: Readonly<Record<LabelSource, Partial<Record<ThemeId, number>>>>;
}

/** Counts describing how the data set was built, printed by the CLI and kept in metadata. */
export interface DataStats {
  readonly sources: { name: string; file: string; rows: number; license: string }[];
  /** Rows skipped because a feature was missing or out of range, per source file (its `sources[].file`, relative to the data folder). */
  readonly invalidRows: Record<string, number>;
  /** Tracks per theme that received at least one vote from each source (before conflicts). */
  readonly votesBySource: Record<LabelSource, Record<ThemeId, number>>;
  /** Playlist names that matched several themes and so cast no vote. */
  readonly ambiguousPlaylists: number;
  /** Track IDs merged into another because title+artist or the feature vector was identical. */
  readonly duplicateIds: number;
  /** Labelled groups dropped because two or more themes tied for the most votes. */
  readonly tiedTracks: number;
  /** Final labelled tracks per theme. */
  readonly trackCounts: Record<ThemeId, number>;
  /** Labelled tracks with votes for more than one theme (their soft label is not one-hot). */
  readonly multiThemeTracks: number;
  /** Mean share of the label theme in the soft label over labelled tracks (1 = no disagreement). */
  readonly meanTopShare: number;
  /** Tracks with features and no vote, deduplicated and never a recording of a labelled track (`unlabelled`). */
  readonly unlabelledTracks: number;
}

/** A track with audio features that no themed source voted for (the distillation transfer set). */
export interface TrackInfo {
  trackId: string;
  title: string;
  artist: string;
  features: AudioFeatures;
  durationMs: number | null;
}

/** A CSV `duration_ms` cell as the model reads it: rounded to the second, clamped; null when empty or not a number. */
export function parseDurationColumn(text: string | undefined): number | null {
  const t = text?.trim();
  if (t === undefined || t === '') return null;
  return normalizeDurationMs(Number(t));
}

type Votes = Record<LabelSource, Partial<Record<ThemeId, number>>>;

const emptyThemeCounts = (): Record<ThemeId, number> =>
  Object.fromEntries(THEME_IDS.map((t) => [t, 0])) as Record<ThemeId, number>;

/** Why a CSV record's audio features could not be read: the column and what is wrong with it. */
export interface FeatureColumnError {
  readonly column: string;
  readonly message: string;
}

/**
 * Parses the 11 audio features from a CSV record's string columns (Spotify's column names,
 * e.g. `danceability`). Returns the features, or the first column that is missing, not a
 * number, or outside {@link AudioFeaturesSchema}'s documented range.
 */
export function parseFeatureColumns(record: Record<string, string | undefined>): { features: AudioFeatures } | { error: FeatureColumnError } {
  const raw: Record<string, number> = {};
  for (const column of AUDIO_FEATURE_NAMES) {
    const text = record[column]?.trim();
    if (text === undefined || text === '') return { error: { column, message: 'missing value' } };
    const value = Number(text);
    if (!Number.isFinite(value)) return { error: { column, message: `not a number: "${text}"` } };
    raw[column] = value;
  }
  const parsed = AudioFeaturesSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { error: { column: String(issue?.path[0] ?? ''), message: `${issue?.message ?? 'invalid'} (got ${String(raw[String(issue?.path[0])])})` } };
  }
  return { features: parsed.data };
}

function addVote(votes: Map<string, Votes>, trackId: string, source: LabelSource, theme: ThemeId): void {
  let v = votes.get(trackId);
  if (!v) {
    v = { tidytuesday: {}, mpd: {}, genres: {} };
    votes.set(trackId, v);
  }
  v[source][theme] = (v[source][theme] ?? 0) + 1;
}

/** The files and folder a training data folder holds, relative to it (shared/data's layout). */
export const DATA_LAYOUT = ['tidytuesday/spotify_songs.csv', 'mpd/playlists.csv', 'mpd/playlist_tracks.csv', 'spotify-tracks-genres/'] as const;

function dataFiles(dataDir: string): [string, string, string, string] {
  const [tt, playlists, tracks, genres] = DATA_LAYOUT;
  return [join(dataDir, tt), join(dataDir, playlists), join(dataDir, tracks), join(dataDir, genres)];
}

/**
 * What is wrong with `dataDir` as a training data folder: the paths of {@link DATA_LAYOUT} under
 * it that do not exist, in one message ("Training data not found: …"); null when all exist.
 */
export function dataFolderProblem(dataDir: string): string | null {
  const missing = dataFiles(dataDir).filter((f) => !existsSync(f));
  return missing.length > 0 ? `Training data not found: ${missing.join(', ')} (expected ${DATA_LAYOUT.join(', ')} under --data)` : null;
}

/**
 * Reads every source under `dataDir` and returns the labelled, deduplicated tracks sorted by
 * track ID (deterministic), with statistics. Throws `Error` naming the missing file when a
 * source file is absent, and `CsvFileError` (training/csv.ts: file and line) when one is not
 * valid CSV.
 */
export function loadLabelledTracks(dataDir: string): { tracks: LabelledTrack[]; unlabelled: TrackInfo[]; stats: DataStats } {
  const [ttFile, mpdPlaylistsFile, mpdTracksFile, genreDir] = dataFiles(dataDir);
  const problem = dataFolderProblem(dataDir);
  if (problem !== null) throw new Error(problem);

  const info = new Map<string, TrackInfo>();
  const votes = new Map<string, Votes>();
  const invalidRows: Record<string, number> = {};
  const sources: DataStats['sources'] = [];
  let ambiguousPlaylists = 0;

  /** Registers a row's track and features; counts and skips rows without a valid ID and features. */
  const registerRow = (file: string, r: Record<string, string>, artist: string): string | undefined => {
    const parsed = parseFeatureColumns(r);
    const trackId = r.track_id ?? '';
    if ('error' in parsed || trackId === '') {
      invalidRows[file] = (invalidRows[file] ?? 0) + 1;
      return undefined;
    }
    if (!info.has(trackId)) info.set(trackId, { trackId, title: r.track_name ?? '', artist: artist.trim().toLowerCase(), features: parsed.features, durationMs: parseDurationColumn(r.duration_ms) });
    return trackId;
  };

  // TidyTuesday: one row per (track, playlist).
  const tt = readCsvFile(ttFile);
  const [ttSource] = DATA_LAYOUT;
  sources.push({ name: 'TidyTuesday 2020-01-21 Spotify songs', file: ttSource, rows: tt.length, license: 'MIT (rfordatascience/tidytuesday)' });
  const ttPlaylistsSeen = new Set<string>();
  for (const r of tt) {
    const trackId = registerRow(ttSource, r, r.track_artist ?? '');
    if (trackId === undefined) continue;
    const themes = themesForPlaylistName(r.playlist_name ?? '');
    const key = `${r.playlist_id}|${trackId}`;
    if (ttPlaylistsSeen.has(key)) continue;
    ttPlaylistsSeen.add(key);
    if (themes.length === 1 && themes[0]) addVote(votes, trackId, 'tidytuesday', themes[0]);
  }
  ambiguousPlaylists += new Set(tt.filter((r) => themesForPlaylistName(r.playlist_name ?? '').length > 1).map((r) => r.playlist_id)).size;

  // spotify-tracks occasion genres.
  for (const file of readdirSync(genreDir).filter((f) => f.endsWith('.csv')).sort()) {
    const path = join(genreDir, file);
    const rows = readCsvFile(path);
    const source = `spotify-tracks-genres/${file}`;
    sources.push({ name: `spotify-tracks-dataset genre ${file.replace(/\.csv$/, '')}`, file: source, rows: rows.length, license: 'BSD (maharshipandya/spotify-tracks-dataset)' });
    for (const r of rows) {
      const trackId = registerRow(source, r, (r.artists ?? '').split(';')[0] ?? '');
      if (trackId === undefined) continue;
      const theme = themeForGenre(r.track_genre ?? '');
      if (theme) addVote(votes, trackId, 'genres', theme);
    }
  }

  // MPD sample: playlist names joined on track_id to tracks that have features.
  const mpdPlaylists = readCsvFile(mpdPlaylistsFile);
  const mpdTracks = readCsvFile(mpdTracksFile);
  sources.push({ name: 'Spotify Million Playlist Dataset sample: playlists', file: 'mpd/playlists.csv', rows: mpdPlaylists.length, license: 'Spotify MPD Challenge terms (research, non-commercial)' });
  sources.push({ name: 'Spotify Million Playlist Dataset sample: playlist tracks', file: 'mpd/playlist_tracks.csv', rows: mpdTracks.length, license: 'Spotify MPD Challenge terms (research, non-commercial)' });
  const playlistTheme = new Map<string, ThemeId>();
  for (const p of mpdPlaylists) {
    const themes = themesForPlaylistName(p.playlist_name ?? '');
    if (themes.length === 1 && themes[0]) playlistTheme.set(p.pid ?? '', themes[0]);
    else if (themes.length > 1) ambiguousPlaylists++;
  }
  const mpdSeen = new Set<string>();
  for (const r of mpdTracks) {
    const theme = playlistTheme.get(r.pid ?? '');
    const trackId = r.track_id ?? '';
    const key = `${r.pid}|${trackId}`;
    if (!theme || !info.has(trackId) || mpdSeen.has(key)) continue;
    mpdSeen.add(key);
    addVote(votes, trackId, 'mpd', theme);
  }

  const votesBySource: DataStats['votesBySource'] = { tidytuesday: emptyThemeCounts(), mpd: emptyThemeCounts(), genres: emptyThemeCounts() };
  for (const v of votes.values()) {
    for (const source of ['tidytuesday', 'mpd', 'genres'] as const) {
      for (const t of Object.keys(v[source]) as ThemeId[]) votesBySource[source][t]++;
    }
  }

  // Deduplicate labelled tracks: same title + artist, or identical feature vector, is one recording.
  // Union-find over "same title + artist" and "same feature vector" keys, so that A~B by name
  // and B~C by features put A, B and C in one group; the group is named by its smallest ID.
  const labelledIds = [...votes.keys()].sort();
  const parent = new Map<string, string>(labelledIds.map((id) => [id, id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    let x = id;
    while (x !== root) {
      const next = parent.get(x) ?? root;
      parent.set(x, root);
      x = next;
    }
    return root;
  };
  const byKey = new Map<string, string>();
  for (const id of labelledIds) {
    const t = info.get(id);
    if (!t) continue;
    const keys = [
      `name:${t.title.trim().toLowerCase()}|${t.artist}`,
      `features:${AUDIO_FEATURE_NAMES.map((n) => t.features[n]).join(',')}`,
    ];
    for (const k of keys) {
      const other = byKey.get(k);
      if (other === undefined) {
        byKey.set(k, id);
        continue;
      }
      const [a, b] = [find(other), find(id)];
      if (a !== b) parent.set(a < b ? b : a, a < b ? a : b);
    }
  }
  const groupOf = new Map<string, string>(labelledIds.map((id) => [id, find(id)]));
  const duplicateIds = labelledIds.filter((id) => groupOf.get(id) !== id).length;
  const groupVotes = new Map<string, Votes>();
  for (const id of labelledIds) {
    const group = groupOf.get(id);
    const v = votes.get(id);
    if (!group || !v) continue;
    const g = groupVotes.get(group) ?? { tidytuesday: {}, mpd: {}, genres: {} };
    for (const source of ['tidytuesday', 'mpd', 'genres'] as const) {
      for (const [t, n] of Object.entries(v[source]) as [ThemeId, number][]) g[source][t] = (g[source][t] ?? 0) + n;
    }
    groupVotes.set(group, g);
  }

  const tracks: LabelledTrack[] = [];
  const trackCounts = emptyThemeCounts();
  let tiedTracks = 0;
  let multiThemeTracks = 0;
  let topShareSum = 0;
  for (const [group, v] of [...groupVotes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const t = info.get(group);
    if (!t) continue;
    const theme = majorityTheme(v);
    if (!theme) {
      tiedTracks++;
      continue;
    }
    trackCounts[theme]++;
    const softLabel = softLabelOf(v);
    if (softLabel.filter((x) => x > 0).length > 1) multiThemeTracks++;
    topShareSum += softLabel[THEME_IDS.indexOf(theme)] ?? 0;
    tracks.push({ ...t, theme, softLabel, votes: v });
  }
  const meanTopShare = tracks.length > 0 ? topShareSum / tracks.length : 0;
  // Unlabelled: rows of the feature sources without any vote, deduplicated among themselves and
  // never a recording of a labelled track (same title + artist or identical feature vector).
  const unlabelled: TrackInfo[] = [];
  for (const id of [...info.keys()].sort()) {
    const t = info.get(id);
    if (!t || votes.has(id)) continue;
    const keys = [`name:${t.title.trim().toLowerCase()}|${t.artist}`, `features:${AUDIO_FEATURE_NAMES.map((n) => t.features[n]).join(',')}`];
    if (keys.some((key) => byKey.has(key))) continue;
    for (const key of keys) byKey.set(key, id);
    unlabelled.push(t);
  }
  return { tracks, unlabelled, stats: { sources, invalidRows, votesBySource, ambiguousPlaylists, duplicateIds, tiedTracks, trackCounts, multiThemeTracks, meanTopShare, unlabelledTracks: unlabelled.length } };
}

/** Each theme's share of all votes, in `THEME_IDS` order (all zeros without votes). */
export function softLabelOf(votes: Votes): number[] {
  const total = THEME_IDS.map((t) => (votes.tidytuesday[t] ?? 0) + (votes.mpd[t] ?? 0) + (votes.genres[t] ?? 0));
  const sum = total.reduce((a, b) => a + b, 0);
  return total.map((n) => (sum > 0 ? n / sum : 0));
}

/** The theme with strictly the most votes over all sources, or `undefined` on a tie. */
export function majorityTheme(votes: Votes): ThemeId | undefined {
  const total = new Map<ThemeId, number>();
  for (const source of ['tidytuesday', 'mpd', 'genres'] as const) {
    for (const [t, n] of Object.entries(votes[source]) as [ThemeId, number][]) total.set(t, (total.get(t) ?? 0) + n);
  }
  let best: ThemeId | undefined;
  let bestN = 0;
  let tie = false;
  for (const t of THEME_IDS) {
    const n = total.get(t) ?? 0;
    if (n > bestN) {
      best = t;
      bestN = n;
      tie = false;
    } else if (n === bestN && n > 0) {
      tie = true;
    }
  }
  return tie ? undefined : best;
}
