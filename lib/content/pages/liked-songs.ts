import { rowsInLists, type PageType } from '../page-type';

/** Liked Songs, `/collection/tracks`: the same list markup as a playlist. */
export const likedSongsPage: PageType = {
  id: 'liked-songs',
  matches: (path) => /^\/collection\/tracks\/?$/.test(path),
  trackRows: (doc) => rowsInLists(doc, ['[data-testid="playlist-tracklist"]', '[data-testid="track-list"]']),
};
