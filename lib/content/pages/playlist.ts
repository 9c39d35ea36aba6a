import { rowsInLists, type PageType } from '../page-type';

/** A playlist, `/playlist/<id>`: rows in `[data-testid="playlist-tracklist"]`, with a header row. */
export const playlistPage: PageType = {
  id: 'playlist',
  matches: (path) => /^\/playlist\/[0-9A-Za-z]+\/?$/.test(path),
  trackRows: (doc) => rowsInLists(doc, ['[data-testid="playlist-tracklist"]', '[data-testid="track-list"]']),
};
