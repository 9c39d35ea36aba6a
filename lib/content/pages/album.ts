import { firstList, rowsInLists, type PageType } from '../page-type';

/** Its list containers, most specific first. */
const LISTS = ['[data-testid="track-list"]', '[data-testid="playlist-tracklist"]'];

/** An album, `/album/<id>`: rows in the grid `[data-testid="track-list"]`, without cover images. */
export const albumPage: PageType = {
  id: 'album',
  matches: (path) => /^\/album\/[0-9A-Za-z]+\/?$/.test(path),
  trackRows: (doc) => rowsInLists(doc, LISTS),
  trackList: (doc) => firstList(doc, LISTS),
};
