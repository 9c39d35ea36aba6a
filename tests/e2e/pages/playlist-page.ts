import type { BrowserContext, Page } from '@playwright/test';
import { FIRST_TRACK_ROW_INDEX, playlistPageHtml, ROW_HEIGHT, type PageTrack } from '../support/fake-spotify';

/** What one rendered track row shows. */
export interface RenderedRow {
  /** List position (0-based), from the `aria-rowindex` of the row's wrapper. */
  readonly position: number;
  /** Marker set on the row element by {@link SpotifyPlaylistPage.markRowElements}, to follow reuse. */
  readonly marker: string | null;
  readonly trackId: string;
  readonly badgeCount: number;
  /** Track ID the badge's content was rendered for (React renders asynchronously), and its state (`ok`, `unknown`, `error`, `pending`). */
  readonly badgeTrackId: string | null;
  readonly status: string | null;
  readonly theme: string | null;
  /** Feature provider the badge names (`spotify`, `reccobeats`), for `ok` badges. */
  readonly provider: string | null;
  /** The badge's background colour as computed (`rgb(r, g, b)`). */
  readonly color: string | null;
}

/** Page object for the fake open.spotify.com playlist page (see support/fake-spotify.ts). */
export class SpotifyPlaylistPage {
  private constructor(readonly page: Page) {}

  /** Serves a playlist of `tracks` at `https://open.spotify.com/playlist/<id>` and opens it. */
  static async open(context: BrowserContext, playlistId: string, name: string, tracks: readonly PageTrack[]): Promise<SpotifyPlaylistPage> {
    const url = `https://open.spotify.com/playlist/${playlistId}`;
    await context.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: playlistPageHtml(name, tracks) }));
    const page = await context.newPage();
    await page.setViewportSize({ width: 1000, height: 700 });
    await page.goto(url);
    return new SpotifyPlaylistPage(page);
  }

  /** Reads every track row in the DOM with its badges (looking into their shadow roots). */
  async renderedRows(): Promise<RenderedRow[]> {
    return this.page.evaluate((firstTrackRowIndex) =>
      [...document.querySelectorAll('div[data-testid="tracklist-row"]')].map((row) => {
        const wrapper = row.closest('[role="row"]');
        const href = row.querySelector('a[data-testid="internal-track-link"]')?.getAttribute('href') ?? '';
        const badges = [...row.querySelectorAll('playlist-predictor-badge')];
        const pill = badges[0]?.shadowRoot?.querySelector<HTMLElement>('.badge');
        return {
          position: Number(wrapper?.getAttribute('aria-rowindex')) - firstTrackRowIndex,
          marker: wrapper?.getAttribute('data-e2e-marker') ?? null,
          trackId: href.replace('/track/', ''),
          badgeCount: badges.length,
          badgeTrackId: pill?.dataset.trackId ?? null,
          status: pill?.dataset.status ?? null,
          theme: pill?.dataset.theme ?? null,
          provider: pill?.dataset.provider ?? null,
          color: pill ? getComputedStyle(pill).backgroundColor : null,
        };
      }),
      FIRST_TRACK_ROW_INDEX,
    );
  }

  /**
   * Waits until every rendered row has a badge for its current track that is no longer pending,
   * then returns the rows.
   */
  async settledRows(timeoutMs = 30_000): Promise<RenderedRow[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await this.renderedRows();
      const settled = rows.length > 0 && rows.every((r) => r.badgeCount >= 1 && r.badgeTrackId === r.trackId && r.status !== null && r.status !== 'pending');
      if (settled) return rows;
      if (Date.now() > deadline) {
        throw new Error(`Badges did not settle within ${timeoutMs} ms: ${JSON.stringify(rows.filter((r) => r.badgeTrackId !== r.trackId || r.status === 'pending' || r.status === null).slice(0, 5))}`);
      }
      await this.page.waitForTimeout(100);
    }
  }

  /** Tags each row element with a marker so a later read shows which elements were reused. */
  async markRowElements(): Promise<void> {
    await this.page.evaluate(() => {
      document.querySelectorAll('[role="row"][aria-rowindex]').forEach((el, i) => el.setAttribute('data-e2e-marker', `m${i}`));
    });
  }

  /** Navigates inside the single-page app (pushState, no reload) to another playlist. */
  async navigateInApp(playlistId: string, name: string, tracks: readonly PageTrack[]): Promise<void> {
    await this.page.evaluate(
      ({ path, name, tracks }) => {
        const navigate: unknown = Reflect.get(window, 'fakeSpotifyNavigate');
        if (typeof navigate !== 'function') throw new Error('fake page has no navigation hook');
        navigate(path, name, tracks);
      },
      { path: `/playlist/${playlistId}`, name, tracks: tracks.map(({ id, title, artist }) => ({ id, title, artist })) },
    );
  }

  /**
   * Scrolls the list so that list position `index` is near the top, and waits until the page has
   * drawn that row (the scroll handler runs asynchronously).
   */
  async scrollToIndex(index: number): Promise<void> {
    await this.page.evaluate(
      ({ index, rowHeight }) => {
        const scroller = document.getElementById('scroller');
        const rows = document.getElementById('rows');
        if (!scroller || !rows) throw new Error('fake page markup missing');
        scroller.scrollTop = rows.offsetTop + index * rowHeight;
      },
      { index, rowHeight: ROW_HEIGHT },
    );
    await this.page.waitForFunction((rowIndex) => document.querySelector(`[role="row"][aria-rowindex="${rowIndex}"]`) !== null, index + FIRST_TRACK_ROW_INDEX);
  }
}
