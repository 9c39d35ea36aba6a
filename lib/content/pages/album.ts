import { rowsInLists, type PageType } from '../page-type';

/** An album, `/album/<id>`: rows in the grid `[data-testid="track-list"]`, without cover images. */
export const albumPage: PageType = {
  id: 'album',
  matches: (path) => /^\/album\/[0-9A-Za-z]+\/?$/.test(path),
  trackRows: (doc) => rowsInLists(doc, ['[data-testid="track-list"]', '[data-testid="playlist-tracklist"]']),
};
