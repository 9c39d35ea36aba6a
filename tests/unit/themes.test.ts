import { describe, expect, it } from 'vitest';
import { THEMES, THEME_IDS, getTheme, matchedKeywords, normalizePlaylistName, themeForGenre, themesForPlaylistName } from '@/model/themes';

describe('themesForPlaylistName', () => {
  it.each([
    // Two-theme names from the data README's caveats: the excludes in model/themes.ts make
    // "Dinner Party" a dinner playlist and "Chill Party" a chill one, not also party.
    ['Dinner Party', ['dinner']],
    ['dinner party vibes', ['dinner']],
    ['Chill Party', ['chill']],
    // An artist or song name that is not an occasion.
    ['Keith Sweat', []],
    ['Fast Car', []],
    ['Hard Rock Workout!', ['workout']],
    ['Party', ['party']],
    ['Saturday night PARTY', ['party']],
    ['Sleep', ['sleep']],
    ['Study Beats', ['focus']],
    ['Road Trip', ['roadtrip']],
    ['Date Night', ['romance']],
    ['Pop Hits', []],
    ['', []],
  ])('"%s" → %j', (name, expected) => {
    expect(themesForPlaylistName(name)).toEqual(expected);
  });

  it('ignores emoji and punctuation around and between words', () => {
    expect(themesForPlaylistName('🔥💪 WORKOUT 💪🔥')).toEqual(['workout']);
    expect(themesForPlaylistName('...sleep...')).toEqual(['sleep']);
    expect(themesForPlaylistName('road-trip!!!')).toEqual(['roadtrip']);
    expect(themesForPlaylistName('Chill-Out 🌴')).toEqual(['chill']);
    expect(themesForPlaylistName('beast_mode')).toEqual(['workout']);
  });

  it('ignores accents', () => {
    expect(themesForPlaylistName('Fiésta Latina')).toEqual(['party']);
  });

  it('matches whole words only', () => {
    expect(themesForPlaylistName('Partyhard')).toEqual([]);
    expect(themesForPlaylistName('Gymnopédies')).toEqual([]);
    expect(themesForPlaylistName('Runaway')).toEqual([]);
    expect(themesForPlaylistName('Sleepless')).toEqual([]);
    expect(themesForPlaylistName('Overdrive')).toEqual([]);
  });

  it('returns every matching theme in catalogue order for a name with several', () => {
    // "Party" and "Workout" both match, and no exclude applies.
    expect(themesForPlaylistName('Workout Party')).toEqual(['workout', 'party']);
    expect(themesForPlaylistName('party workout')).toEqual(['workout', 'party']);
    expect(themesForPlaylistName('Sleep & Study')).toEqual(['sleep', 'focus']);
  });
});

// The ambiguous words of the label audit (training/label-audit.json): names that must and must
// not match after the fix. The names are made up for these tests, not taken from the data.
describe('ambiguous keywords (label audit)', () => {
  it.each([
    // workout: "run", "training" and "spin" need context; "run" may stand alone.
    ['Run', ['workout']],
    ['RUN 2', ['workout']],
    ['Easy Run Mix', ['workout']],
    ['Morning Run', ['workout']],
    ['Deep House Run 170 BPM', ['workout']],
    ['Long Run Tunes', ['workout']],
    ['Training Songs', ['workout']],
    ['Marathon Training', ['workout']],
    ['Half Marathon Pace', ['workout']],
    ['Spin Class', ['workout']],
    ['Run DMC Classics', []],
    ['Run-D.M.C. Greatest', []],
    ['Run the Jewels Mix', []],
    ['Run Boy Run', []],
    ['Run This Town', []],
    ['On the Run Tour', []],
    ['Run Away With Me', []],
    ['Training Day', []],
    ['Dog Training', []],
    ['You Spin Me Round', []],
    // party: "club" in titles.
    ['Club Bangers', ['party']],
    ['Club Mix', ['party']],
    ['In Da Club Throwbacks', []],
    ['Breakfast Club Soundtrack', []],
    ['Fight Club OST', []],
    // sleep: insomnia, an album, bands; naps count.
    ['Nap Time', ['sleep']],
    ['Bed Time Songs', ['sleep']],
    ['Time to Sleep', ['sleep']],
    ["Can't Sleep Tonight", []],
    ['Cant Sleep Love', []],
    ['Sleeping With Sirens Mix', []],
    ['Bedtime Stories 1994', []],
    // focus: the festival.
    ['Reading Time', ['focus']],
    ['Reading Festival 2016', []],
    // chill: "no chill" and the "and chill" euphemisms are not chill; "Netflix and chill" is romance.
    ['Relaxation Station', ['chill']],
    ['Chill Sunday', ['chill']],
    ['No Chill Zone', []],
    ['Mellow Yellow and Other Hits', []],
    ['Netflix & Chill Night', ['romance']],
    ['netflix n chill', ['romance']],
    ['Spotify and Chill Evening', []],
    // romance: "bedroom" needs context; party songs with "sexy".
    ['Bedroom Jams', ['romance']],
    ['Slow Bedroom R&B', ['romance']],
    ['Make Out Songs', ['romance']],
    ['Slow Jamz Forever', ['romance']],
    ['Bedroom Pop', []],
    ['Bedroom', []],
    ['Sexy and I Know It', []],
    ['SexyBack Remix', []],
    // roadtrip: "drive" in other senses and the film's soundtrack.
    ['Drive', ['roadtrip']],
    ['Sunday Drive', ['roadtrip']],
    ['Country Drive', ['roadtrip']],
    ['Songs for in the Car', ['roadtrip']],
    ['Road Trippin Summer', ['roadtrip']],
    ['Car Tunes for Summer', ['roadtrip']],
    ['Drive-By Hits', []],
    ['Drive Me Crazy', []],
    ['Drive (Original Motion Picture Soundtrack)', []],
    ['Drive OST', []],
    ['Hard Drive Cleanup', []],
    ['Test Drive Unlimited', []],
  ])('"%s" → %j', (name, expected) => {
    expect(themesForPlaylistName(name)).toEqual(expected);
  });

  it('reports which keywords matched, contextual ones included, and none when excluded', () => {
    expect(matchedKeywords('Gym Run Mix', getTheme('workout'))).toEqual(['gym', 'run']);
    expect(matchedKeywords('Run DMC Workout', getTheme('workout'))).toEqual([]);
    expect(matchedKeywords('Bedroom Jams', getTheme('romance'))).toEqual(['bedroom']);
  });

  it('a contextual keyword counts with each of its context words, and alone only when allowed', () => {
    for (const theme of THEMES) {
      for (const c of theme.contextual) {
        expect(normalizePlaylistName(c.keyword), `${theme.id}: "${c.keyword}"`).toBe(` ${c.keyword} `);
        expect(themesForPlaylistName(c.keyword).includes(theme.id), `${theme.id}: "${c.keyword}" alone`).toBe(c.alone);
        for (const w of c.context) {
          expect(normalizePlaylistName(w), `${theme.id}: "${w}"`).toBe(` ${w} `);
          expect(themesForPlaylistName(`${c.keyword} ${w}`), `${theme.id}: "${c.keyword} ${w}"`).toContain(theme.id);
        }
      }
    }
  });
});

describe('normalizePlaylistName', () => {
  it('lower-cases, collapses non-alphanumerics to single spaces and pads both ends', () => {
    expect(normalizePlaylistName('  Hard--Rock   WORKOUT!! ')).toBe(' hard rock workout ');
    expect(normalizePlaylistName('🎉')).toBe('  ');
  });
});

describe('themeForGenre', () => {
  it.each([
    ['study', 'focus'],
    ['sleep', 'sleep'],
    ['chill', 'chill'],
    ['romance', 'romance'],
    ['party', 'party'],
    ['club', 'party'],
    [' Sleep ', 'sleep'],
  ])('%j → %s', (genre, theme) => {
    expect(themeForGenre(genre)).toBe(theme);
  });

  it.each(['happy', 'sad', 'dance', 'acoustic', 'piano', 'ambient', 'new-age', ''])('%j → undefined (not an occasion)', (genre) => {
    expect(themeForGenre(genre)).toBeUndefined();
  });
});

describe('catalogue', () => {
  it('has unique ids and THEME_IDS in THEMES order', () => {
    expect(new Set(THEME_IDS).size).toBe(THEMES.length);
    expect(THEME_IDS).toEqual(THEMES.map((t) => t.id));
    expect(getTheme('sleep').name).toBe('Sleep');
    expect(() => getTheme('disco')).toThrow(/Unknown theme id "disco"/);
  });

  it('keywords are lower case with single spaces, so they can match a normalized name', () => {
    for (const theme of THEMES) {
      for (const k of [...theme.keywords, ...theme.excludes]) {
        expect(normalizePlaylistName(k), `${theme.id}: "${k}"`).toBe(` ${k} `);
        // Every keyword on its own matches its theme (an exclude may not switch it off).
        if (theme.keywords.includes(k)) expect(themesForPlaylistName(k), `${theme.id}: "${k}"`).toContain(theme.id);
      }
    }
  });
});

// Theme colours (palette, contrast of the badge text): tests/unit/contrast.test.ts.

