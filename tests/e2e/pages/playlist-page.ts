import type { BrowserContext, Page } from '@playwright/test';
import type { FakeSpotifyOptions, PageTrack } from '../support/fake-spotify';
import { SpotifyPage, type RenderedRow } from './spotify-page';

export type { RenderedRow } from './spotify-page';

/**
 * Page object for a playlist page of the fake Spotify app (support/fake-spotify.ts), in the
 * 1000 × 700 viewport the playlist tests were written for. A thin wrapper of {@link SpotifyPage},
 * which serves every page type; use that one for new tests.
 */
export class SpotifyPlaylistPage {
  private constructor(readonly spotify: SpotifyPage) {}

  /** The browser tab. */
  get page(): Page {
    return this.spotify.page;
  }

  /** Serves a playlist of `tracks` at `https://open.spotify.com/playlist/<id>` and opens it. */
  static async open(context: BrowserContext, playlistId: string, name: string, tracks: readonly PageTrack[], options: FakeSpotifyOptions = {}): Promise<SpotifyPlaylistPage> {
    const spotify = await SpotifyPage.open(context, { kind: 'playlist', id: playlistId, name, tracks }, { viewport: { width: 1000, height: 700 }, ...options });
    return new SpotifyPlaylistPage(spotify);
  }

  /** Reads every track row in the DOM with its badges (see {@link SpotifyPage.renderedRows}). */
  renderedRows(): Promise<RenderedRow[]> {
    return this.spotify.renderedRows();
  }

  /** Waits until every rendered row has a settled badge for its current track (see {@link SpotifyPage.settledRows}). */
  settledRows(timeoutMs = 30_000): Promise<RenderedRow[]> {
    return this.spotify.settledRows(timeoutMs);
  }

  /** Tags each row element with a marker so a later read shows which elements were reused. */
  markRowElements(): Promise<void> {
    return this.spotify.markRowElements();
  }

  /** Navigates inside the single-page app (pushState, no reload) to another playlist. */
  navigateInApp(playlistId: string, name: string, tracks: readonly PageTrack[]): Promise<void> {
    return this.spotify.navigate({ kind: 'playlist', id: playlistId, name, tracks });
  }

  /** Scrolls the list so that list position `index` is near the top, and waits until it is drawn. */
  scrollToIndex(index: number): Promise<void> {
    return this.spotify.scrollToPosition(index);
  }
}
