import type { PageType } from '../page-type';
import { albumPage } from './album';
import { artistPage } from './artist';
import { likedSongsPage } from './liked-songs';
import { playlistPage } from './playlist';
import { queuePage } from './queue';
import { searchPage } from './search';

/** Every page type with track rows (one module each). */
export const PAGE_TYPES: readonly PageType[] = [playlistPage, albumPage, likedSongsPage, artistPage, searchPage, queuePage];
