import { rowsInLists, type PageType } from '../page-type';

/** The play queue, `/queue`: the playing track's row and the rows of "Next in queue". */
export const queuePage: PageType = {
  id: 'queue',
  matches: (path) => /^\/queue\/?$/.test(path),
  trackRows: (doc) => rowsInLists(doc, []),
};
