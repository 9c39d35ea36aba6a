import { firstList, rowsInLists, type PageType } from '../page-type';

/** Its list containers, most specific first. */
const LISTS = ['[data-testid="playlist-tracklist"]', '[data-testid="track-list"]'];

/** A playlist, `/playlist/<id>`: rows in `[data-testid="playlist-tracklist"]`, with a header row. */
export const playlistPage: PageType = {
  id: 'playlist',
  matches: (path) => /^\/playlist\/[0-9A-Za-z]+\/?$/.test(path),
  trackRows: (doc) => rowsInLists(doc, LISTS),
  trackList: (doc) => firstList(doc, LISTS),
};
