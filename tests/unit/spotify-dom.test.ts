// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { listName, parseDurationText, readNowPlaying, readRowDuration, readTrackRow, scanTrackRows, trackIdFromNowPlayingHref } from '@/lib/content/spotify-dom';
import { SEEN_NAME_MAX_LENGTH } from '@/lib/shared/messaging';
import { trackIdFromUrl } from '@/lib/shared/track-id';
import { trackId } from './support/fixtures';

/**
 * One row as open.spotify.com renders it (shared/notes/platform.md, "open.spotify.com page
 * structure"): a `[role="row"][aria-rowindex]` wrapper around `div[data-testid="tracklist-row"]`,
 * grid cells, the title link and an artist link; class names are hashed.
 */
function rowHtml(index: number, titleLink: string, artistHref = '/artist/0OdUWJ0sBjDrqHygGUXeCF'): string {
  return `<div role="row" aria-rowindex="${index + 2}" class="h4HgbO">
    <div data-testid="tracklist-row" class="e8Lm2q" draggable="true">
      <div role="gridcell" aria-colindex="1" class="r2Wc8e"><span>${index + 1}</span></div>
      <div role="gridcell" aria-colindex="2" class="uPv0sd">
        <img src="data:," alt="">
        ${titleLink}
        <span class="r2Wc8e"><a href="${artistHref}">Artist ${index}</a></span>
      </div>
      <div role="gridcell" aria-colindex="3" class="r2Wc8e"><a href="/album/2noRn2Aes5aoNVsU6iWThc">Album</a></div>
    </div>
  </div>`;
}

const testIdLink = (href: string, title = 'Title') => `<a data-testid="internal-track-link" href="${href}" tabindex="-1"><div class="t1t1e">${title}</div></a>`;

function page(rows: string[]): void {
  document.body.innerHTML = `<main data-testid="main-view">
    <div data-testid="playlist-tracklist" role="grid" aria-rowcount="${rows.length + 1}" aria-colcount="3">
      <div role="row" aria-rowindex="1"><div role="columnheader" aria-colindex="2">Title</div></div>
      <div role="presentation">${rows.join('\n')}</div>
    </div>
  </main>`;
}

describe('scanTrackRows', () => {
  beforeEach(() => {
    document.body.innerHTML = '';
  });

  it('finds every track row with its title link and track ID, in document order', () => {
    const ids = [trackId(1), trackId(2), trackId(3)];
    page(ids.map((id, i) => rowHtml(i, testIdLink(`/track/${id}`))));
    const rows = scanTrackRows(document.body);
    expect(rows.map((r) => r.trackId)).toEqual(ids);
    rows.forEach((r, i) => {
      expect(r.row.getAttribute('data-testid')).toBe('tracklist-row');
      expect(r.row.parentElement?.getAttribute('aria-rowindex')).toBe(String(i + 2));
      expect(r.link.tagName).toBe('A');
      expect(r.link.getAttribute('data-testid')).toBe('internal-track-link');
      expect(r.row.contains(r.link)).toBe(true);
    });
  });

  it('reads the title from the track link and the artists from the artist links', () => {
    const id = trackId(1);
    page([rowHtml(0, testIdLink(`/track/${id}`, '  Blinding Lights '))]);
    const [row] = scanTrackRows(document.body);
    expect(row?.name).toBe('Blinding Lights');
    expect(row?.artists).toEqual(['Artist 0']);
  });

  it('reads absolute links with query strings and locale paths', () => {
    const [a, b] = [trackId(1), trackId(2)];
    page([
      rowHtml(0, testIdLink(`https://open.spotify.com/track/${a}?si=0123456789abcdef`)),
      rowHtml(1, testIdLink(`/intl-de/track/${b}`)),
    ]);
    expect(scanTrackRows(document.body).map((r) => r.trackId)).toEqual([a, b]);
  });

  it('falls back to any a[href*="/track/"] when the row has no test id on its link', () => {
    const id = trackId(7);
    page([rowHtml(0, `<a href="/track/${id}" class="x">Title</a>`)]);
    const [row] = scanTrackRows(document.body);
    expect(row?.trackId).toBe(id);
    expect(row?.link.getAttribute('href')).toBe(`/track/${id}`);
  });

  it('prefers the test-id link over other track links in the row', () => {
    const [title, other] = [trackId(1), trackId(2)];
    page([rowHtml(0, `<a href="/track/${other}">linked elsewhere</a>${testIdLink(`/track/${title}`)}`)]);
    expect(scanTrackRows(document.body)[0]?.trackId).toBe(title);
  });

  it('skips a test-id link with an invalid ID and uses a valid fallback link', () => {
    const id = trackId(9);
    page([rowHtml(0, `${testIdLink('/track/not-an-id')}<a href="/track/${id}">x</a>`)]);
    expect(scanTrackRows(document.body).map((r) => r.trackId)).toEqual([id]);
  });

  it('skips rows with no track link, an invalid ID or an episode link, without throwing', () => {
    const good = trackId(5);
    page([
      rowHtml(0, '<span>Local file</span>'),
      rowHtml(1, testIdLink('/track/4uLU6hMCjMI75M1A2tKUQ')), // 21 characters
      rowHtml(2, testIdLink('/track/4uLU6hMCjMI75M1A2tKUQCC')), // 23 characters
      rowHtml(3, testIdLink('/episode/4rOoJ6Egrf8K2IrywzwOMk')),
      rowHtml(4, '<a data-testid="internal-track-link">no href</a>'),
      rowHtml(5, testIdLink(`/track/${good}`)),
    ]);
    expect(scanTrackRows(document.body).map((r) => r.trackId)).toEqual([good]);
  });

  it('gives a link to the innermost row that holds it: a row nested in another does not lend its link out', () => {
    const [outer, inner] = [trackId(1), trackId(2)];
    // The outer row's only track link is inside the inner row.
    document.body.innerHTML = `<div data-testid="tracklist-row" id="outer"><div data-testid="tracklist-row" id="inner">${testIdLink(`/track/${inner}`)}</div></div>`;
    expect(scanTrackRows(document.body).map((r) => [r.row.id, r.trackId])).toEqual([['inner', inner]]);
    // With a link of its own, the outer row keeps it.
    document.body.innerHTML = `<div data-testid="tracklist-row" id="outer"><div data-testid="tracklist-row" id="inner">${testIdLink(`/track/${inner}`)}</div>${testIdLink(`/track/${outer}`)}</div>`;
    expect(scanTrackRows(document.body).map((r) => [r.row.id, r.trackId])).toEqual([
      ['outer', outer],
      ['inner', inner],
    ]);
  });

  it('ignores track links outside track rows', () => {
    document.body.innerHTML = `<nav><a href="/track/${trackId(1)}">Now playing</a></nav>
      <div role="row" aria-rowindex="2"><div data-testid="something-else">${testIdLink(`/track/${trackId(2)}`)}</div></div>`;
    expect(scanTrackRows(document.body)).toEqual([]);
  });

  it('scans only under the given root', () => {
    const [a, b] = [trackId(1), trackId(2)];
    document.body.innerHTML = `<section id="one">${rowHtml(0, testIdLink(`/track/${a}`))}</section><section id="two">${rowHtml(0, testIdLink(`/track/${b}`))}</section>`;
    const root = document.getElementById('two');
    if (!root) throw new Error('fixture missing');
    expect(scanTrackRows(root).map((r) => r.trackId)).toEqual([b]);
  });
});

describe('trackIdFromUrl', () => {
  const id = '4uLU6hMCjMI75M1A2tKUQC';

  it.each([
    `/track/${id}`,
    `track/${id}`,
    `https://open.spotify.com/track/${id}`,
    `https://open.spotify.com/track/${id}?si=a1b2c3d4e5f6&context=spotify%3Aplaylist%3Ax`,
    `https://open.spotify.com/track/${id}#t=30`,
    `https://open.spotify.com/intl-de/track/${id}`,
    `https://open.spotify.com/intl-pt/track/${id}?si=x`,
    `/track/${id}/`,
  ])('reads the ID from %s', (url) => {
    expect(trackIdFromUrl(url)).toBe(id);
  });

  it.each([
    ['21 characters', `/track/${id.slice(1)}`],
    ['23 characters', `/track/${id}X`],
    ['a non-base62 character', `/track/${id.slice(0, 21)}-`],
    ['an episode', `/episode/${id}`],
    ['an album', `https://open.spotify.com/album/${id}`],
    ['a path that only ends in "track"', `/soundtrack/${id}`],
    ['a Spotify URI', `spotify:track:${id}`],
    ['no ID', '/track/'],
    ['an empty string', ''],
  ])('rejects %s', (_, url) => {
    expect(trackIdFromUrl(url)).toBeUndefined();
  });
});

describe('the now-playing bar', () => {
  const id = '4uLU6hMCjMI75M1A2tKUQC';
  const bar = (contextHref: string | null, titleHref = `/album/2noRn2Aes5aoNVsU6iWThc`) =>
    `<footer data-testid="now-playing-bar"><div data-testid="now-playing-widget">
      ${contextHref === null ? '' : `<a data-testid="context-link" href="${contextHref}">cover</a>`}
      <div><a data-testid="context-item-link" href="${titleHref}">Blinding Lights</a>
      <div data-testid="context-item-info-artist"><a href="/artist/1">The Weeknd</a>, <a href="/artist/2">Other</a></div></div>
    </div></footer>`;

  it.each([
    ['a plain uri= query', `/album/2noRn2Aes5aoNVsU6iWThc?uri=spotify:track:${id}`],
    ['a URL-encoded uri= query', `/album/2noRn2Aes5aoNVsU6iWThc?uri=spotify%3Atrack%3A${id}`],
  ])('reads the playing track from %s, with title and artists', (_, href) => {
    document.body.innerHTML = bar(href);
    const playing = readNowPlaying(document);
    expect(playing).toMatchObject({ trackId: id, name: 'Blinding Lights', artists: ['The Weeknd', 'Other'] });
    expect(playing?.container.getAttribute('data-testid')).toBe('now-playing-widget');
    expect(playing?.link.getAttribute('data-testid')).toBe('context-item-link');
  });

  it('falls back to the title link (a highlight= query) when the context link is missing', () => {
    document.body.innerHTML = bar(null, `/album/2noRn2Aes5aoNVsU6iWThc?highlight=spotify:track:${id}`);
    expect(readNowPlaying(document)?.trackId).toBe(id);
  });

  it.each([
    ['an episode', `/show/x?uri=spotify:episode:${id}`],
    ['a broken encoding', '/album/x?uri=%E0%A4%A'],
    ['an invalid ID', '/album/x?uri=spotify:track:short'],
    ['an href that is not a URL', 'http://[::1'],
  ])('gives nothing for %s', (_, href) => {
    document.body.innerHTML = bar(href);
    expect(readNowPlaying(document)).toBeUndefined();
  });

  it('reads the duration of the playing track from [data-testid="playback-duration"] (unverified test id), else none', () => {
    const href = `/album/2noRn2Aes5aoNVsU6iWThc?uri=spotify:track:${id}`;
    const withDuration = (text: string) => bar(href).replace('</footer>', `<div><div data-testid="playback-position">0:42</div><div data-testid="playback-duration">${text}</div></div></footer>`);
    document.body.innerHTML = withDuration('3:20');
    expect(readNowPlaying(document)).toMatchObject({ trackId: id, durationMs: 200_000 });
    for (const text of ['-:--', '0:00', '', 'soon']) {
      document.body.innerHTML = withDuration(text);
      const playing = readNowPlaying(document);
      expect(playing?.trackId).toBe(id);
      expect(playing?.durationMs).toBeUndefined();
    }
    document.body.innerHTML = bar(href);
    expect(readNowPlaying(document)?.durationMs).toBeUndefined();
  });

  it('gives nothing when there is no bar', () => {
    document.body.innerHTML = '<main></main>';
    expect(readNowPlaying(document)).toBeUndefined();
    expect(trackIdFromNowPlayingHref(`https://open.spotify.com/track/${id}`)).toBe(id);
  });
});

describe('parseDurationText (issue 10)', () => {
  it('reads m:ss and h:mm:ss to ms', () => {
    expect(parseDurationText('3:07')).toBe(187_000);
    expect(parseDurationText('0:01')).toBe(1_000);
    expect(parseDurationText('10:00')).toBe(600_000);
    expect(parseDurationText('1:02:03')).toBe(3_723_000);
    expect(parseDurationText('0:59:59')).toBe(3_599_000);
    expect(parseDurationText('  3:07\n')).toBe(187_000);
    // Bidirectional marks a right-to-left page may put around the number are ignored.
    expect(parseDurationText('\u200f3:07\u200e')).toBe(187_000);
    expect(parseDurationText('\u20663:07\u2069')).toBe(187_000);
  });

  it('lets minutes exceed 59 only without an hour part, and clamps to 2 h', () => {
    expect(parseDurationText('61:00')).toBe(3_660_000);
    expect(parseDurationText('119:59')).toBe(7_199_000);
    expect(parseDurationText('999:59')).toBe(7_200_000);
    expect(parseDurationText('2:00:00')).toBe(7_200_000);
    expect(parseDurationText('99:59:59')).toBe(7_200_000);
    expect(parseDurationText('1:60:00')).toBeUndefined();
    expect(parseDurationText('1:61:00')).toBeUndefined();
    expect(parseDurationText('1000:00')).toBeUndefined();
    expect(parseDurationText('100:00:00')).toBeUndefined();
  });

  it('refuses "0:00" (a player that does not know the length yet) and every other shape', () => {
    for (const text of [
      '0:00', '0:00:00', '', '   ', '-:--', '--:--', '3:7', '3:070', ':07', '3:', '3', '187', '3.07', '3,07', '3:07 min', 'LIVE', '3:60', '-3:07', '+3:07',
      '3 :07', '3:07:', '1:2:03', '\u0663:\u0660\u0667', '３:０７', '3:07\u00a0x', '3：07', 'NaN:00', '1e3:00', '0x3:07', '3:07:07:07',
      `${'9'.repeat(400)}:00`, '3:07'.repeat(1_000),
    ]) {
      expect(parseDurationText(text), JSON.stringify(text.slice(0, 40))).toBeUndefined();
    }
  });
});

describe('a track row\'s duration (issue 10)', () => {
  /** A row like open.spotify.com's: index, title, album, date added, and the duration cell (icon buttons around the text). */
  function spotifyRow(id: string, lastCell: string | null, extraCells = ''): string {
    return `<div role="row" aria-rowindex="2"><div data-testid="tracklist-row">
      <div role="gridcell" aria-colindex="1"><span>1</span></div>
      <div role="gridcell" aria-colindex="2">${testIdLink(`/track/${id}`, 'Song')}<span><a href="/artist/0OdUWJ0sBjDrqHygGUXeCF">Artist</a></span></div>
      <div role="gridcell" aria-colindex="3"><a href="/album/2noRn2Aes5aoNVsU6iWThc">Album</a></div>
      ${extraCells}
      ${lastCell === null ? '' : `<div role="gridcell" aria-colindex="5">${lastCell}</div>`}
    </div></div>`;
  }
  const buttons = (text: string) => `<button aria-label="Add to Liked Songs"><svg><path d="M1 1"/></svg></button><div data-encore-id="text">${text}</div><button aria-label="More options"><svg></svg></button>`;
  const durationOf = (html: string): number | undefined => {
    page([html]);
    return scanTrackRows(document.body)[0]?.durationMs;
  };

  beforeEach(() => {
    document.body.innerHTML = '';
  });

  it('reads the last grid cell, next to its icon buttons, into the row reading', () => {
    const id = trackId(1);
    page([spotifyRow(id, buttons('3:07'))]);
    const [row] = scanTrackRows(document.body);
    expect(row).toMatchObject({ trackId: id, name: 'Song', artists: ['Artist'], durationMs: 187_000 });
    expect(durationOf(spotifyRow(id, buttons('1:02:03')))).toBe(3_723_000);
    expect(durationOf(spotifyRow(id, '4:44'))).toBe(284_000);
  });

  it('has no duration (not a throw, not a guess) when the cell is absent, empty or holds something else', () => {
    const id = trackId(2);
    // No duration cell: the album cell is last, and an album called "4:44" is a link, never a duration.
    expect(durationOf(spotifyRow(id, null))).toBeUndefined();
    expect(durationOf(spotifyRow(id, '<a href="/album/2noRn2Aes5aoNVsU6iWThc">4:44</a>'))).toBeUndefined();
    expect(durationOf(spotifyRow(id, buttons('')))).toBeUndefined();
    expect(durationOf(spotifyRow(id, buttons('-:--')))).toBeUndefined();
    expect(durationOf(spotifyRow(id, buttons('3 days ago')))).toBeUndefined();
    // A duration in an earlier cell (a title "3:07", the date added) is not the row's duration.
    expect(durationOf(spotifyRow(id, buttons('x'), '<div role="gridcell" aria-colindex="4">3:07</div>'))).toBeUndefined();
    // Two different durations in the cell: ambiguous.
    expect(durationOf(spotifyRow(id, '<span>3:07</span><span>4:00</span>'))).toBeUndefined();
    const row = scanTrackRows(document.body)[0];
    expect(row && 'durationMs' in row).toBe(false);
  });

  it('takes the one duration element of a cell that holds other text too', () => {
    expect(durationOf(spotifyRow(trackId(3), '<span class="visually-hidden">Duration</span><div>3:07</div>'))).toBe(187_000);
    expect(durationOf(spotifyRow(trackId(3), '<div>3:07</div><div>3:07</div>'))).toBe(187_000);
  });

  it('reads a nested row\'s cell as that row\'s, not the outer row\'s', () => {
    const [outer, inner] = [trackId(4), trackId(5)];
    page([
      `<div data-testid="tracklist-row"><div role="gridcell">${testIdLink(`/track/${outer}`)}</div>
        <div data-testid="tracklist-row"><div role="gridcell">${testIdLink(`/track/${inner}`)}</div><div role="gridcell">2:00</div></div>
      </div>`,
    ]);
    const rows = scanTrackRows(document.body);
    expect(rows.map((r) => [r.trackId, r.durationMs])).toEqual([
      [outer, undefined],
      [inner, 120_000],
    ]);
  });

  it('survives hostile markup: script and image tags, huge cells, thousands of descendants', () => {
    const id = trackId(6);
    expect(durationOf(spotifyRow(id, '<img src=x onerror="window.__pwned = 1">3:07'))).toBe(187_000);
    // A script's text is text of the cell: no longer a duration, and never run.
    expect(durationOf(spotifyRow(id, '<script>window.__pwned = 1</script>3:07'))).toBeUndefined();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
    // Empty elements around it: the cell's text is still the duration.
    expect(durationOf(spotifyRow(id, `<div>${'<span></span>'.repeat(5_000)}</div><div>3:07</div>`))).toBe(187_000);
    // Thousands of elements with text before it: only the first 24 descendants are looked at.
    expect(durationOf(spotifyRow(id, `<div>${'<span>x</span>'.repeat(5_000)}</div><div>3:07</div>`))).toBeUndefined();
    expect(durationOf(spotifyRow(id, `${'x'.repeat(100_000)}`))).toBeUndefined();
    const detached = document.createElement('div');
    expect(readRowDuration(detached)).toBeUndefined();
    expect(readTrackRow(detached)).toBeUndefined();
  });
});

describe('the list\'s name', () => {
  beforeEach(() => {
    document.body.replaceChildren();
    document.title = 'Spotify – Web Player';
  });

  it('is the entityTitle heading, trimmed, or the document title without one', () => {
    expect(listName(document)).toBe('Spotify – Web Player');
    document.body.innerHTML = '<h1 data-testid="entityTitle">  Morning Run  </h1>';
    expect(listName(document)).toBe('Morning Run');
    document.body.innerHTML = '<h1 data-testid="entityTitle">   </h1>';
    expect(listName(document)).toBe('Spotify – Web Player');
  });

  it('is cut to the messages\' limit, so a page with a huge heading cannot make a report or a read invalid', () => {
    document.body.innerHTML = `<h1 data-testid="entityTitle">${'ab'.repeat(5_000)}</h1>`;
    expect(listName(document)).toBe('ab'.repeat(SEEN_NAME_MAX_LENGTH / 2));
    document.body.replaceChildren();
    document.title = 'x'.repeat(1_000);
    expect(listName(document)).toHaveLength(SEEN_NAME_MAX_LENGTH);
  });
});
