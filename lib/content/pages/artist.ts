import { rowsInLists, type PageType } from '../page-type';

/** An artist, `/artist/<id>`: its top tracks ("Popular") are track rows without a list container. */
export const artistPage: PageType = {
  id: 'artist',
  matches: (path) => /^\/artist\/[0-9A-Za-z]+\/?$/.test(path),
  trackRows: (doc) => rowsInLists(doc, []),
};
