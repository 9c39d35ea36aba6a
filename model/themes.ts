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
  /**
   * Default badge background, `#rrggbb`, from the Okabe–Ito palette for colour-blind readers
   * (Okabe & Ito 2008, "Color Universal Design"; jfly.uni-koeln.de/color), whose colours stay
   * apart under protanopia, deuteranopia and tritanopia; roadtrip (off by default) is a neutral
   * grey. The badge's text is black or white, whichever contrasts more (`readableTextColor` in
   * lib/shared/contrast.ts), so every badge meets WCAG AA (4.5:1).
   */
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
   * Ambiguous words (audited in training/label-audit.json) that put a playlist in this theme
   * only with context: when the name also contains one of `context` as a whole word, or, if
   * `alone`, when the name is the word itself give or take numbers ("Run", "Run 7"). So
   * "Sunday Run Songs" and "Techno Run 175 BPM" are workout, "Run This Town" is not.
   */
  readonly contextual: readonly ContextualKeyword[];
  /**
   * `track_genre` values of the spotify-tracks dataset (shared/data/spotify-tracks-genres) that
   * label a track with this theme. Genres not listed under any theme are not used: `dance`,
   * `happy`, `sad`, `acoustic`, `piano`, `ambient` and `new-age` are moods or styles, not
   * occasions, and `party` is mostly German Schlager but is kept because that music is made
   * for parties.
   */
  readonly genres: readonly string[];
}

/** A word that names a theme's occasion only in some contexts; see {@link Theme.contextual}. */
export interface ContextualKeyword {
  /** Lower case, single spaces, like {@link Theme.keywords}. */
  readonly keyword: string;
  /** Whole words or phrases, any one of which must also be in the name. */
  readonly context: readonly string[];
  /** Whether the keyword also counts as the whole name, optionally with numbers. */
  readonly alone: boolean;
}

/** Words that say "this is a playlist of music" and nothing about what else a word means. */
const PLAYLIST_WORDS = ['mix', 'playlist', 'music', 'songs', 'jams', 'tunes', 'beats'];

/**
 * All themes, in model output order. Changing this order or set requires retraining: the
 * metadata check (`model/metadata.ts`) rejects a model whose labels differ.
 */
export const THEMES: readonly Theme[] = [
  {
    id: 'workout',
    name: 'Workout',
    color: '#d55e00',
    keywords: [
      'workout', 'work out', 'gym', 'running', 'cardio', 'fitness', 'lifting', 'crossfit',
      'beast mode', 'pump up', 'hiit', 'exercise', 'half marathon', 'marathon training',
    ],
    // Band and song names with a workout word.
    excludes: ['run dmc', 'run d m c', 'run the jewels', 'running man', 'running up that hill', 'spin doctors'],
    contextual: [
      // "Run" is a running playlist; "Run This Town" and "Run Boy Run" are songs.
      { keyword: 'run', context: [...PLAYLIST_WORDS, 'bpm', 'pace', 'tempo', '5k', '10k', 'morning', 'long', 'jog'], alone: true },
      // "Training Songs" is a workout; "Training Day" a film, "Dog Training" something else.
      { keyword: 'training', context: [...PLAYLIST_WORDS, 'marathon', 'strength', 'weight', 'bpm'], alone: false },
      // "Spin Class" is a workout, "Spin Me Round" a song.
      { keyword: 'spin', context: ['class', 'cycle', 'cycling', 'bike'], alone: false },
    ],
    genres: [],
  },
  {
    id: 'party',
    name: 'Party',
    color: '#e69f00',
    keywords: [
      'party', 'fiesta', 'pregame', 'pre game', 'turn up', 'bangers', 'club', 'rager',
      'kegger', 'keg party',
    ],
    excludes: [
      'dinner party', 'chill party',
      // Song, film and game titles with "club".
      'in da club', 'in the club', 'breakfast club', 'fight club', 'club penguin',
    ],
    contextual: [],
    genres: ['party', 'club'],
  },
  {
    id: 'dinner',
    name: 'Dinner',
    color: '#f0e442',
    keywords: ['dinner', 'dinner party', 'cooking', 'brunch', 'supper'],
    excludes: [],
    contextual: [],
    genres: [],
  },
  {
    id: 'sleep',
    name: 'Sleep',
    color: '#0072b2',
    keywords: [
      'sleep', 'sleepy', 'sleeping', 'bedtime', 'bed time', 'lullaby', 'lullabies', 'goodnight',
      'nap', 'nap time', 'naptime',
    ],
    // Not sleeping: insomnia, an album, bands.
    excludes: ['can t sleep', 'cant sleep', 'cannot sleep', 'bedtime stories', 'sleeping with sirens', 'sleeping at last', 'sleep token'],
    contextual: [],
    genres: ['sleep'],
  },
  {
    id: 'focus',
    name: 'Focus',
    color: '#009e73',
    keywords: ['study', 'studying', 'focus', 'concentration', 'homework', 'coding', 'reading', 'deep work'],
    // The festival.
    excludes: ['reading festival', 'reading and leeds', 'reading leeds'],
    contextual: [],
    genres: ['study'],
  },
  {
    id: 'chill',
    name: 'Chill',
    color: '#56b4e9',
    keywords: [
      'chill', 'chillin', 'chilling', 'chillout', 'chill out', 'relax', 'relaxing', 'lofi',
      'lo fi', 'mellow', 'calm', 'unwind', 'lazy sunday', 'relaxation',
    ],
    // "No chill" means the opposite; "Netflix and Chill" is romance, its riffs ("Spotify and
    // Chill") are unclear; songs.
    excludes: [
      'no chill', 'netflix and chill', 'netflix chill', 'netflix n chill', 'spotify and chill', 'spotify chill',
      'spotify n chill', 'hulu and chill', 'hulu chill', 'chill bill', 'mellow yellow',
    ],
    contextual: [],
    genres: ['chill'],
  },
  {
    id: 'romance',
    name: 'Romance',
    color: '#cc79a7',
    keywords: [
      'love songs', 'romance', 'romantic', 'date night', 'baby making', 'sexy', 'slow jams',
      'slow jamz', 'love making', 'lovemaking', 'make out', 'makeout', 'netflix and chill',
      'netflix chill', 'netflix n chill',
    ],
    // Song titles with "sexy" (mostly party songs), not romance playlists.
    excludes: ['sexy and i know it', 'sexy back', 'sexyback', 'sexy sadie', 'sexy bitch', 'sexy chick'],
    contextual: [
      // "Bedroom Jams" is romance; "Bedroom Pop" is a genre and "Bedroom" alone is unclear.
      { keyword: 'bedroom', context: ['jams', 'slow', 'sexy', 'r b', 'rnb', 'love', 'mood'], alone: false },
    ],
    genres: ['romance'],
  },
  {
    id: 'roadtrip',
    name: 'Road trip',
    color: '#bbbbbb',
    keywords: [
      'road trip', 'roadtrip', 'road trips', 'road trippin', 'roadtrippin', 'drive', 'driving',
      'car jams', 'car ride', 'car music', 'car songs', 'car tunes', 'car playlist', 'in the car',
      'road songs', 'road tunes', 'cruising',
    ],
    // "Drive" as a verb of something else, or the film's soundtrack.
    excludes: [
      'drive by', 'drive thru', 'drive through', 'drive in', 'drive me', 'drive you', 'drive my', 'hard drive',
      'sex drive', 'test drive', 'drive soundtrack', 'drive original', 'drive ost', 'drive movie', 'drive film',
    ],
    contextual: [],
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

/**
 * A theme whose badge, in cross-validation, is right for fewer than this share of the tracks it
 * is shown on (the selected model's out-of-fold precision) is experimental too, however many
 * tracks it has: a badge wrong more than two times in three tells the user little. Measured on
 * the out-of-fold predictions only (training/train.ts), never on the test split.
 */
export const MIN_BADGE_PRECISION = 1 / 3;

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
 * The keywords of `theme` that count in `name`: its whole-word `keywords` present, and its
 * `contextual` keywords present with their context. Empty when an `excludes` phrase is present.
 */
export function matchedKeywords(name: string, theme: Theme): string[] {
  const normalized = normalizePlaylistName(name);
  const has = (phrase: string) => normalized.includes(` ${phrase} `);
  if (theme.excludes.some(has)) return [];
  const contextual = theme.contextual.filter(
    (c) =>
      has(c.keyword) &&
      (c.context.some(has) || (c.alone && normalized.trim().split(' ').every((w) => w === c.keyword || /^\d+$/.test(w)))),
  );
  return [...theme.keywords.filter(has), ...contextual.map((c) => c.keyword)];
}

/**
 * The themes a playlist name matches by whole-word keywords (contextual ones with their
 * context), minus themes whose `excludes` phrase is present. Returns ids in catalogue order;
 * empty when none match.
 */
export function themesForPlaylistName(name: string): ThemeId[] {
  return THEMES.filter((t) => matchedKeywords(name, t).length > 0).map((t) => t.id);
}

/** The theme a spotify-tracks `track_genre` labels, or `undefined` for genres not used. */
export function themeForGenre(genre: string): ThemeId | undefined {
  const g = genre.trim().toLowerCase();
  return THEMES.find((t) => t.genres.includes(g))?.id;
}
