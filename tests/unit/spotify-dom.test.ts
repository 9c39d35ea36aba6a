// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { readNowPlaying, scanTrackRows, trackIdFromNowPlayingHref } from '@/lib/content/spotify-dom';
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

  it('gives nothing when there is no bar', () => {
    document.body.innerHTML = '<main></main>';
    expect(readNowPlaying(document)).toBeUndefined();
    expect(trackIdFromNowPlayingHref(`https://open.spotify.com/track/${id}`)).toBe(id);
  });
});
