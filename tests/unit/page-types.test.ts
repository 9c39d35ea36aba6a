// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { pagePath, pageTypeOf } from '@/lib/content/page-type';
import { PAGE_TYPES } from '@/lib/content/pages';
import { trackId } from './support/fixtures';

const row = (id: string) => `<div role="row"><div data-testid="tracklist-row"><div role="gridcell" aria-colindex="2"><a data-testid="internal-track-link" href="/track/${id}">t</a></div></div></div>`;

describe('page types', () => {
  it.each([
    ['/playlist/37i9dQZF1DXcBWIGoYBM5M', 'playlist'],
    ['/intl-de/playlist/37i9dQZF1DXcBWIGoYBM5M', 'playlist'],
    ['/intl-pt-BR/album/2noRn2Aes5aoNVsU6iWThc', 'album'],
    ['/album/2noRn2Aes5aoNVsU6iWThc', 'album'],
    ['/collection/tracks', 'liked-songs'],
    ['/artist/0OdUWJ0sBjDrqHygGUXeCF', 'artist'],
    ['/search/daft%20punk', 'search'],
    ['/search/daft%20punk/tracks', 'search'],
    ['/queue', 'queue'],
  ])('%s is a %s page', (path, type) => {
    expect(pageTypeOf(path, PAGE_TYPES)?.id).toBe(type);
  });

  it.each(['/', '/search', '/search/daft%20punk/albums', '/collection/playlists', '/artist/0OdUWJ0sBjDrqHygGUXeCF/discography', '/track/4uLU6hMCjMI75M1A2tKUQC', '/genre/x'])('%s has no track-list page type', (path) => {
    expect(pageTypeOf(path, PAGE_TYPES)).toBeUndefined();
  });

  it('strips only a locale prefix', () => {
    expect(pagePath('/intl-fr/queue')).toBe('/queue');
    expect(pagePath('/intl-fr')).toBe('/');
    expect(pagePath('/international/queue')).toBe('/international/queue');
  });

  it('a playlist page lists the rows of its track list only, not those of other sections, the sidebars or the now-playing bar', () => {
    const [a, b, c, d] = [trackId(1), trackId(2), trackId(3), trackId(4)];
    document.body.innerHTML = `<nav>${row(a)}</nav><main><div data-testid="playlist-tracklist">${row(b)}${row(c)}</div><section>${row(d)}</section></main><aside>${row(a)}</aside><footer data-testid="now-playing-bar">${row(a)}</footer>`;
    expect(pageTypeOf('/playlist/x1', PAGE_TYPES)?.trackRows(document).map((r) => r.trackId)).toEqual([b, c]);
  });

  it('an artist page lists rows without a list container; the search overview its Songs section', () => {
    const [a, b, c] = [trackId(1), trackId(2), trackId(3)];
    document.body.innerHTML = `<nav>${row(c)}</nav><main><section><h2>Popular</h2>${row(a)}${row(b)}</section></main>`;
    expect(pageTypeOf('/artist/x1', PAGE_TYPES)?.trackRows(document).map((r) => r.trackId)).toEqual([a, b]);
    document.body.innerHTML = `<main><section data-testid="search-tracks-result">${row(b)}</section><section data-testid="search-top-result-card">${row(a)}</section></main>`;
    expect(pageTypeOf('/search/q', PAGE_TYPES)?.trackRows(document).map((r) => r.trackId)).toEqual([b]);
  });

  it('falls back to every row of the main view when the expected list container is missing (renamed)', () => {
    const [a, b] = [trackId(1), trackId(2)];
    document.body.innerHTML = `<main><div data-testid="renamed-tracklist">${row(a)}${row(b)}</div></main>`;
    for (const path of ['/playlist/x', '/album/x', '/collection/tracks', '/search/q/tracks']) {
      expect(pageTypeOf(path, PAGE_TYPES)?.trackRows(document).map((r) => r.trackId)).toEqual([a, b]);
    }
  });
});
