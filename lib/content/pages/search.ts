import { rowsInLists, type PageType } from '../page-type';

/**
 * Search results: the Songs tab `/search/<q>/tracks` (a track list without header row), and the
 * Songs section `section[data-testid="search-tracks-result"]` of the overview `/search/<q>`.
 */
export const searchPage: PageType = {
  id: 'search',
  matches: (path) => /^\/search\/[^/]+(?:\/tracks)?\/?$/.test(path),
  trackRows: (doc) => rowsInLists(doc, ['section[data-testid="search-tracks-result"]', '[data-testid="track-list"]', '[data-testid="playlist-tracklist"]']),
};
