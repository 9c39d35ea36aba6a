import { firstList, rowsInLists, type PageType } from '../page-type';

/** Its list containers, most specific first. */
const LISTS = ['[data-testid="playlist-tracklist"]', '[data-testid="track-list"]'];

/** Liked Songs, `/collection/tracks`: the same list markup as a playlist. */
export const likedSongsPage: PageType = {
  id: 'liked-songs',
  matches: (path) => /^\/collection\/tracks\/?$/.test(path),
  trackRows: (doc) => rowsInLists(doc, LISTS),
  trackList: (doc) => firstList(doc, LISTS),
};
