import * as z from 'zod/mini';

/**
 * The theme catalogue: every occasion the classifier can predict, with its display data and
 * the rules that turn the training data's playlist names and genres into labels.
 *
 * This is the one place themes are defined. Training reads the labelling rules from here, the
 * model's output order is `THEMES` order, and the extension reads names and colours from here.
 */

/** Stable identifier of a theme; also the model's output label. */
export type ThemeId =
  | 'workout'
  | 'party'
  | 'dinner'
  | 'sleep'
  | 'focus'
  | 'chill'
  | 'romance'
  | 'roadtrip';

/** One theme: what the user sees and how training labels tracks with it. */
export interface Theme {
  readonly id: ThemeId;
  /** Name shown on badges and in the UI. */
  readonly name: string;
  /** Badge background, a CSS hex colour chosen for white text at WCAG AA contrast (>= 4.5:1). */
  readonly color: string;
  /**
   * Words or phrases that put a playlist in this theme when they occur in its name as whole
   * words (after {@link normalizePlaylistName}). Lower case, single spaces.
   */
  readonly keywords: readonly string[];
  /**
   * Phrases that, when present, stop this theme's keywords from counting, so that a name such
   * as "Dinner Party" is a dinner playlist and not also a party one.
   */
  readonly excludes: readonly string[];
  /**
   * `track_genre` values of the spotify-tracks dataset (shared/data/spotify-tracks-genres) that
   * label a track with this theme. Genres not listed under any theme are not used: `dance`,
   * `happy`, `sad`, `acoustic`, `piano`, `ambient` and `new-age` are moods or styles, not
   * occasions, and `party` is mostly German Schlager but is kept because that music is made
   * for parties.
   */
  readonly genres: readonly string[];
}

/**
 * All themes, in model output order. Changing this order or set requires retraining: the
 * metadata check (`model/metadata.ts`) rejects a model whose labels differ.
 */
export const THEMES: readonly Theme[] = [
  {
    id: 'workout',
    name: 'Workout',
    color: '#b42318',
    keywords: [
      'workout', 'work out', 'gym', 'running', 'run', 'cardio', 'fitness', 'lifting',
      'crossfit', 'training', 'beast mode', 'pump up', 'hiit', 'exercise', 'spin',
    ],
    excludes: [],
    genres: [],
  },
  {
    id: 'party',
    name: 'Party',
    color: '#9c1e8c',
    keywords: [
      'party', 'fiesta', 'pregame', 'pre game', 'turn up', 'bangers', 'club', 'rager',
      'kegger', 'keg party',
    ],
    excludes: ['dinner party', 'chill party'],
    genres: ['party', 'club'],
  },
  {
    id: 'dinner',
    name: 'Dinner',
    color: '#8a4b08',
    keywords: ['dinner', 'dinner party', 'cooking', 'brunch', 'supper'],
    excludes: [],
    genres: [],
  },
  {
    id: 'sleep',
    name: 'Sleep',
    color: '#3b3f99',
    keywords: ['sleep', 'sleepy', 'sleeping', 'bedtime', 'lullaby', 'lullabies', 'goodnight'],
    excludes: [],
    genres: ['sleep'],
  },
  {
    id: 'focus',
    name: 'Focus',
    color: '#0b6e4f',
    keywords: ['study', 'studying', 'focus', 'concentration', 'homework', 'coding', 'reading', 'deep work'],
    excludes: [],
    genres: ['study'],
  },
  {
    id: 'chill',
    name: 'Chill',
    color: '#1f6f8b',
    keywords: [
      'chill', 'chillin', 'chilling', 'chillout', 'chill out', 'relax', 'relaxing', 'lofi',
      'lo fi', 'mellow', 'calm', 'unwind', 'lazy sunday',
    ],
    excludes: [],
    genres: ['chill'],
  },
  {
    id: 'romance',
    name: 'Romance',
    color: '#b0124f',
    keywords: [
      'love songs', 'romance', 'romantic', 'date night', 'baby making', 'sexy', 'slow jams',
      'bedroom',
    ],
    excludes: [],
    genres: ['romance'],
  },
  {
    id: 'roadtrip',
    name: 'Road trip',
    color: '#5b5f05',
    keywords: ['road trip', 'roadtrip', 'drive', 'driving', 'car jams', 'car ride', 'cruising'],
    excludes: [],
    genres: [],
  },
];

/** Theme ids in model output order. */
export const THEME_IDS: readonly ThemeId[] = THEMES.map((t) => t.id);

/**
 * zod schema of a {@link ThemeId}: the one definition every boundary uses (messages, settings,
 * model metadata). Written with `zod/mini`, which composes with full zod schemas and keeps the
 * content script small.
 */
export const ThemeIdSchema = z.enum(THEME_IDS as [ThemeId, ...ThemeId[]]);

/**
 * A theme with fewer labelled tracks than this after deduplication is marked experimental in
 * the model metadata and is off by default. 300 tracks gives the test split (about 15 %) some
 * 45 examples, the least for a per-theme F1 that does not swing by whole points per track.
 */
export const MIN_TRACKS_PER_THEME = 300;

/** Looks up a theme by id; throws `Error` for an id that is not in the catalogue. */
export function getTheme(id: string): Theme {
  const theme = THEMES.find((t) => t.id === id);
  if (!theme) throw new Error(`Unknown theme id "${id}"`);
  return theme;
}

/**
 * Normalizes a playlist name for keyword matching: lower case, every run of characters other
 * than letters and digits (Unicode-aware, so emoji and punctuation drop out) becomes one space,
 * and the result is padded with one space on each side so that whole-word matches are
 * `name.includes(' ' + keyword + ' ')`.
 */
export function normalizePlaylistName(name: string): string {
  const words = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
  return ` ${words.join(' ')} `;
}

/**
 * The themes a playlist name matches by whole-word keywords, minus themes whose `excludes`
 * phrase is present. Returns ids in catalogue order; empty when none match.
 */
export function themesForPlaylistName(name: string): ThemeId[] {
  const normalized = normalizePlaylistName(name);
  const has = (phrase: string) => normalized.includes(` ${phrase} `);
  return THEMES.filter((t) => t.keywords.some(has) && !t.excludes.some(has)).map((t) => t.id);
}

/** The theme a spotify-tracks `track_genre` labels, or `undefined` for genres not used. */
export function themeForGenre(genre: string): ThemeId | undefined {
  const g = genre.trim().toLowerCase();
  return THEMES.find((t) => t.genres.includes(g))?.id;
}
