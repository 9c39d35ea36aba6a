import type { BrowserContext, Locator, Page } from '@playwright/test';
import { ContentScriptWorld } from '../support/extension-messages';
import { encodePng } from '../../../scripts/make-icons';
import { COVER_ORIGIN, pagePath, pageSpecData, pageTrackData, pageUrl, spotifyPageHtml, SPOTIFY_ORIGIN, type FakeSpotifyOptions, type FakeSpotifyWindow, type PageSpec, type PageTrack, type UriEncoding } from '../support/fake-spotify';

/**
 * Page object for the fake Spotify web app (support/fake-spotify.ts), any page type. It reads the
 * extension's public badge markup only: an element `playlist-predictor-badge` with an open shadow
 * root whose `.badge` carries `data-track-id`, `data-status` (`loading`, `ok`, `uncertain`,
 * `unknown`, `error`), `data-theme` (and `data-provider`).
 */

/** What a badge shows, read through its public markup (the host's open shadow root). */
export interface BadgeReading {
  /** Number of `playlist-predictor-badge` elements in the row or widget. */
  readonly badgeCount: number;
  /** Track ID the (first) badge shows (`data-track-id`), null without badge content. */
  readonly badgeTrackId: string | null;
  /** The badge's `data-status` (`loading`, `ok`, `uncertain`, `unknown`, `error`), null without badge content. */
  readonly status: string | null;
  readonly theme: string | null;
  /** Feature provider the badge names (`spotify`, `reccobeats`), for `ok` badges. */
  readonly provider: string | null;
  /** The badge's background colour as computed (`rgb(r, g, b)`). */
  readonly color: string | null;
}

/** What one rendered track row shows. */
export interface RenderedRow extends BadgeReading {
  /** List position (0-based over the page's tracks), as the fake placed the row. */
  readonly position: number;
  /** Section of the page the row is in (`tracklist`, `popular`, `songs`, `now-playing`, `next-in-queue`). */
  readonly section: string;
  /** Marker set on the row's `[role="row"]` element by {@link SpotifyPage.markRowElements}, to follow reuse. */
  readonly marker: string | null;
  /** Track ID of the row's title link, i.e. the track the row shows now. */
  readonly trackId: string;
  readonly explicit: boolean;
  /** The badge's visible text (icon and word, e.g. `?Chill · Focus`), null without badge content. */
  readonly label: string | null;
  /** Whether the occasion panel's filter dims the row (`data-playlist-predictor-dimmed` and its opacity). */
  readonly dimmed: boolean;
}

/** What the now-playing bar shows. */
export interface NowPlayingState extends BadgeReading {
  /** Track ID from `a[data-testid="context-link"]`'s `uri` query (`spotify:track:<id>`, plain or URL-encoded). */
  readonly trackId: string | null;
  /** Text of `a[data-testid="context-item-link"]`. */
  readonly title: string;
  /** Texts of the `[data-testid="context-item-info-artist"]` links. */
  readonly artists: string[];
}

/** One `playlist-predictor-badge` anywhere in the document, with where it is and what it shows. */
export interface DocumentBadge {
  /** `row`: inside a `div[data-testid="tracklist-row"]`; `now-playing`: inside the now-playing widget; else `elsewhere`. */
  readonly where: 'row' | 'now-playing' | 'elsewhere';
  /** Part of the app shell it is in: the main view, the left sidebar (`nav`), the now-playing bar, or none of them. */
  readonly region: 'main' | 'sidebar' | 'now-playing-bar' | 'other';
  /** Track the badge's container shows now: the row's title link, or the widget's `uri`; null elsewhere. */
  readonly shownTrackId: string | null;
  /** List position and section of its row, as the fake placed it (null outside the fake's rows). */
  readonly position: number | null;
  readonly section: string | null;
  /** The `.badge`'s `data-track-id`, `data-status`, `data-theme` (null when absent). */
  readonly trackId: string | null;
  readonly status: string | null;
  readonly theme: string | null;
  /** The `.badge`'s `role`, `tabindex` and `aria-label` attributes (null when absent). */
  readonly role: string | null;
  readonly tabIndex: string | null;
  readonly ariaLabel: string | null;
}

/** One sample of {@link SpotifyPage.startBadgeRecorder}: every badge in the document at `t` (ms, the page's `performance.now()`). */
export interface BadgeSample {
  readonly t: number;
  readonly badges: readonly DocumentBadge[];
}

/**
 * Reads every badge in the document (page world; serialized into the page by
 * {@link SpotifyPage}, so it uses nothing from this module at run time).
 */
function readDocumentBadges(): DocumentBadge[] {
  const fake = (window as unknown as Partial<FakeSpotifyWindow>).fakeSpotify;
  const trackOfRow = (row: Element): string | null => /^\/track\/([^/?#]+)/.exec(row.querySelector('a[data-testid="internal-track-link"]')?.getAttribute('href') ?? '')?.[1] ?? null;
  const trackOfWidget = (widget: Element): string | null => {
    const href = widget.querySelector('a[data-testid="context-link"]')?.getAttribute('href');
    const uri = href ? (new URL(href, location.href).searchParams.get('uri') ?? '') : '';
    return uri.startsWith('spotify:track:') ? uri.slice('spotify:track:'.length) : null;
  };
  return [...document.querySelectorAll('playlist-predictor-badge')].map((host) => {
    const pill = host.shadowRoot?.querySelector<HTMLElement>('.badge') ?? null;
    const row = host.closest('div[data-testid="tracklist-row"]');
    const widget = host.closest('[data-testid="now-playing-widget"]');
    const place = row && fake ? fake.positionOf(row) : null;
    const region = host.closest('nav') ? 'sidebar' : host.closest('[data-testid="now-playing-bar"]') ? 'now-playing-bar' : host.closest('main') ? 'main' : 'other';
    return {
      where: row ? 'row' : widget ? 'now-playing' : 'elsewhere',
      region,
      shownTrackId: row ? trackOfRow(row) : widget ? trackOfWidget(widget) : null,
      position: place?.position ?? null,
      section: place?.section ?? null,
      trackId: pill?.dataset.trackId ?? null,
      status: pill?.dataset.status ?? null,
      theme: pill?.dataset.theme ?? null,
      role: pill?.getAttribute('role') ?? null,
      tabIndex: pill?.getAttribute('tabindex') ?? null,
      ariaLabel: pill?.getAttribute('aria-label') ?? null,
    };
  });
}

/** The page's `window` with the badge reader {@link SpotifyPage} installs. */
interface ReaderWindow extends FakeSpotifyWindow {
  __ppReadBadges(): DocumentBadge[];
  __ppBadgeRecorder?: { samples: BadgeSample[]; timer: ReturnType<typeof setInterval> };
}

/** A box in CSS px, relative to the viewport (`getBoundingClientRect`). */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Layout of one track row's title cell, for the layout tests. */
export interface RowGeometry {
  readonly position: number;
  readonly section: string;
  readonly trackId: string;
  readonly explicit: boolean;
  /** Height in px of the `div[data-testid="tracklist-row"]` (56 in the fake). */
  readonly rowHeight: number;
  readonly row: Box;
  /** The title cell's grid container (title line + artist line; 44 px high with nothing added). */
  readonly titleBlock: Box;
  /** `a[data-testid="internal-track-link"]`. */
  readonly titleLink: Box;
  /** The element holding the artist links (the grid's `subtitle` area). */
  readonly artistLine: Box;
  /** Spotify's explicit label, when the track is explicit. */
  readonly explicitLabel: Box | null;
  /** The first `playlist-predictor-badge` in the row, if any. */
  readonly badge: Box | null;
}

/** Layout of the now-playing widget's title block. */
export interface NowPlayingGeometry {
  readonly widget: Box;
  /** The title/artist grid container. */
  readonly titleBlock: Box;
  readonly titleLink: Box;
  /** `[data-testid="context-item-info-subtitles"]`. */
  readonly artistLine: Box;
  /** Spotify's explicit label in the widget, when the track is explicit. */
  readonly explicitLabel: Box | null;
  readonly badge: Box | null;
}

/** A stale badge seen by the monitor. */
export interface StaleExample {
  /** `frame`: seen just before a paint; `render`: right after a redraw of the fake. */
  readonly source: 'frame' | 'render';
  /** List position of the row (null for the now-playing bar). */
  readonly position: number | null;
  readonly trackId: string;
  readonly badgeTrackId: string;
}

/**
 * Counts of the stale-badge monitor. An observation looks at every track row (and the now-playing
 * bar); a row check is one row in one observation. Observations are taken on every animation
 * frame, after layout and just before paint (what the user would see), and after every redraw the
 * fake performs (after the microtasks queued so far, so a synchronous `MutationObserver` reaction
 * has had its turn).
 */
export interface StaleBadgeReport {
  readonly observations: number;
  readonly frameObservations: number;
  readonly renderObservations: number;
  readonly rowChecks: number;
  /** Row checks where a badge in the row showed another track than the row's link (stale observations). */
  readonly stale: number;
  readonly staleInFrames: number;
  readonly staleAfterRenders: number;
  /** Row checks without any badge element. */
  readonly rowsWithoutBadge: number;
  /** Row checks whose badge element had no `.badge` content yet. */
  readonly emptyBadges: number;
  /** Row checks with more than one badge element. */
  readonly rowsWithSeveralBadges: number;
  /** Row checks in frames (about to be painted) whose badge, showing the row's track, was `loading`. */
  readonly loadingInFrames: number;
  /**
   * Where {@link loadingInFrames} were seen, for the first 20 such frames: `frame <n>: positions
   * <list positions>` (n counts frame observations from the start), so a failure tells rows never
   * answered in time from a late answer for all of them.
   */
  readonly loadingAt: readonly string[];
  /** Observations of the now-playing widget (with a track), and those with a stale badge. */
  readonly nowPlayingChecks: number;
  readonly nowPlayingStale: number;
  /** The first stale observations (at most 20). */
  readonly examples: readonly StaleExample[];
}

/** What {@link SpotifyPage.fling} did. */
export interface FlingResult {
  readonly steps: number;
  readonly rowsPerStep: number;
  /** List position scrolled to at the last step. */
  readonly lastPosition: number;
}

/** Options of {@link SpotifyPage.open}: the fake's options, and the viewport in CSS px [1280 × 720]. */
export interface OpenOptions extends FakeSpotifyOptions {
  readonly viewport?: { readonly width: number; readonly height: number };
}

/** Badge states that are not an answer yet (`pending` is the extension's older name for `loading`). */
const UNSETTLED_STATUSES: readonly string[] = ['loading', 'pending'];

function isUnsettled(status: string | null): boolean {
  return status === null || UNSETTLED_STATUSES.includes(status);
}

/** A 64 × 64 PNG cover: a dark teal square with a lighter disc, as the `data-svg` covers draw. */
function coverPng(): Buffer {
  const size = 64;
  const rgba = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const disc = (x - 45) ** 2 + (y - 19) ** 2 < 13 ** 2;
      rgba.set(disc ? [120, 200, 190, 255] : [30, 90, 97, 255], (y * size + x) * 4);
    }
  }
  return encodePng(size, rgba);
}

/** Page object for the fake open.spotify.com app (see support/fake-spotify.ts). */
export class SpotifyPage {
  private currentSpec: PageSpec;
  /** Pages navigated to in app, for {@link SpotifyPage.goBack} (null: the home page). */
  private readonly visited: (PageSpec | null)[];

  private constructor(
    readonly page: Page,
    spec: PageSpec,
    private readonly options: FakeSpotifyOptions,
  ) {
    this.currentSpec = spec;
    this.visited = [spec];
  }

  /**
   * Serves `spec`'s page (and nothing else) at its real open.spotify.com URL in `context`; with
   * `covers: 'https'`, also every `https://i.scdn.co/image/…` cover (one PNG, cacheable for a day,
   * as a CDN's would be).
   */
  static async serve(context: BrowserContext, spec: PageSpec, options: FakeSpotifyOptions = {}): Promise<void> {
    const body = spotifyPageHtml(spec, options);
    const path = pagePath(spec);
    if (options.covers === 'https') {
      // Routed again for each page served (the last route added answers first): a context's
      // routes can be removed between tests (support/browser-reset.ts).
      const png = coverPng();
      await context.route(
        (url) => url.origin === COVER_ORIGIN && url.pathname.startsWith('/image/'),
        (route) => route.fulfill({ status: 200, contentType: 'image/png', headers: { 'cache-control': 'public, max-age=86400' }, body: png }),
      );
    }
    await context.route(
      (url) => url.origin === SPOTIFY_ORIGIN && url.pathname === path,
      (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body }),
    );
  }

  /** Serves `spec`'s page at its open.spotify.com URL (e.g. `/playlist/<id>`) and opens it in a new tab. */
  static async open(context: BrowserContext, spec: PageSpec, options: OpenOptions = {}): Promise<SpotifyPage> {
    const { viewport = { width: 1280, height: 720 }, ...fakeOptions } = options;
    await SpotifyPage.serve(context, spec, fakeOptions);
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    await page.goto(pageUrl(spec));
    await page.waitForFunction(() => 'fakeSpotify' in window);
    return new SpotifyPage(page, spec, fakeOptions);
  }

  /** The page shown now (after in-app navigation, the last one navigated or gone back to; while the home page shows, the list page before it). */
  get spec(): PageSpec {
    return this.currentSpec;
  }

  /** Reads every track row in the DOM with its badges (looking into their shadow roots), in DOM order. */
  async renderedRows(): Promise<RenderedRow[]> {
    return this.page.evaluate(() => {
      const fake = (window as unknown as FakeSpotifyWindow).fakeSpotify;
      return [...document.querySelectorAll('div[data-testid="tracklist-row"]')].map((row) => {
        const place = fake.positionOf(row);
        const href = row.querySelector('a[data-testid="internal-track-link"]')?.getAttribute('href') ?? '';
        const badges = [...row.querySelectorAll('playlist-predictor-badge')];
        const pill = badges[0]?.shadowRoot?.querySelector<HTMLElement>('.badge');
        return {
          position: place?.position ?? -1,
          section: place?.section ?? '',
          marker: row.closest('[role="row"]')?.getAttribute('data-e2e-marker') ?? null,
          trackId: href.replace('/track/', ''),
          explicit: row.querySelector('[aria-label="Explicit"]') !== null,
          badgeCount: badges.length,
          badgeTrackId: pill?.dataset.trackId ?? null,
          status: pill?.dataset.status ?? null,
          theme: pill?.dataset.theme ?? null,
          provider: pill?.dataset.provider ?? null,
          color: pill ? getComputedStyle(pill).backgroundColor : null,
          label: pill?.textContent ?? null,
          dimmed: row instanceof HTMLElement && row.hasAttribute('data-playlist-predictor-dimmed') && row.style.opacity !== '' && Number(row.style.opacity) < 1,
        };
      });
    });
  }

  /**
   * Waits until the fake has nothing pending and every rendered row has a badge for its current
   * track that is no longer loading, then returns the rows.
   */
  async settledRows(timeoutMs = 30_000): Promise<RenderedRow[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const busy = await this.page.evaluate(() => (window as unknown as FakeSpotifyWindow).fakeSpotify.busy());
      const rows = await this.renderedRows();
      const settled = !busy && rows.length > 0 && rows.every((r) => r.badgeCount >= 1 && r.badgeTrackId === r.trackId && !isUnsettled(r.status));
      if (settled) return rows;
      if (Date.now() > deadline) {
        const unsettled = rows.filter((r) => r.badgeCount < 1 || r.badgeTrackId !== r.trackId || isUnsettled(r.status));
        throw new Error(`Badges did not settle within ${timeoutMs} ms (fake busy: ${busy}, ${rows.length} rows): ${JSON.stringify(unsettled.slice(0, 5))}`);
      }
      await this.page.waitForTimeout(100);
    }
  }

  /** Reads the now-playing bar: its track (from the context link's `uri`) and its badge; null when nothing plays. */
  async nowPlaying(): Promise<NowPlayingState | null> {
    return this.page.evaluate(() => {
      const widget = document.querySelector('[data-testid="now-playing-bar"] [data-testid="now-playing-widget"]');
      if (!widget) return null;
      const href = widget.querySelector('a[data-testid="context-link"]')?.getAttribute('href') ?? '';
      const uri = new URL(href, location.href).searchParams.get('uri') ?? '';
      const badges = [...widget.querySelectorAll('playlist-predictor-badge')];
      const pill = badges[0]?.shadowRoot?.querySelector<HTMLElement>('.badge');
      return {
        trackId: uri.startsWith('spotify:track:') ? uri.slice('spotify:track:'.length) : null,
        title: widget.querySelector('a[data-testid="context-item-link"]')?.textContent ?? '',
        artists: [...widget.querySelectorAll('[data-testid="context-item-info-artist"]')].map((a) => a.textContent),
        badgeCount: badges.length,
        badgeTrackId: pill?.dataset.trackId ?? null,
        status: pill?.dataset.status ?? null,
        theme: pill?.dataset.theme ?? null,
        provider: pill?.dataset.provider ?? null,
        color: pill ? getComputedStyle(pill).backgroundColor : null,
      };
    });
  }

  /** Waits until the now-playing bar has exactly one badge, for its current track, no longer loading. */
  async settledNowPlaying(timeoutMs = 30_000): Promise<NowPlayingState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.nowPlaying();
      if (state && state.badgeCount === 1 && state.badgeTrackId === state.trackId && !isUnsettled(state.status)) return state;
      if (Date.now() > deadline) throw new Error(`The now-playing badge did not settle within ${timeoutMs} ms: ${JSON.stringify(state)}`);
      await this.page.waitForTimeout(100);
    }
  }

  /** Changes the playing track as Spotify's React app would (elements kept, links and texts rewritten); null empties the bar. */
  async setNowPlaying(track: PageTrack | null, uri?: UriEncoding): Promise<void> {
    await this.page.evaluate(({ track, uri }) => (window as unknown as FakeSpotifyWindow).fakeSpotifySetNowPlaying(track, uri), { track: track && pageTrackData(track), uri });
  }

  /** Tags each track row's `[role="row"]` element with a marker so a later read shows which elements were reused. */
  async markRowElements(): Promise<void> {
    await this.page.evaluate(() => {
      document.querySelectorAll('div[data-testid="tracklist-row"]').forEach((row, i) => row.closest('[role="row"]')?.setAttribute('data-e2e-marker', `m${i}`));
    });
  }

  /** Navigates inside the single-page app (pushState, no reload) to another page of any type. */
  async navigate(spec: PageSpec): Promise<void> {
    // Also serve the new URL, so that a reload there works as on Spotify.
    await SpotifyPage.serve(this.page.context(), spec, { ...this.options, nowPlaying: undefined });
    await this.page.evaluate((spec) => (window as unknown as FakeSpotifyWindow).fakeSpotifyNavigate(spec), pageSpecData(spec));
    this.currentSpec = spec;
    this.visited.push(spec);
  }

  /**
   * Like {@link SpotifyPage.navigate}, and returns every badge in the document as it is right
   * after the new page was drawn: in the same task, once the microtasks queued by the navigation
   * (`MutationObserver` callbacks included) have run, before anything is painted.
   */
  async navigateAndReadBadges(spec: PageSpec): Promise<DocumentBadge[]> {
    await SpotifyPage.serve(this.page.context(), spec, { ...this.options, nowPlaying: undefined });
    await this.installBadgeReader();
    const badges = await this.page.evaluate(
      (spec) =>
        new Promise<DocumentBadge[]>((resolve) => {
          const w = window as unknown as ReaderWindow;
          w.fakeSpotifyNavigate(spec);
          queueMicrotask(() => resolve(w.__ppReadBadges()));
        }),
      pageSpecData(spec),
    );
    this.currentSpec = spec;
    this.visited.push(spec);
    return badges;
  }

  /** Navigates in app to the home page `/`, a page without track lists (see {@link FakeSpotifyApi.navigateHome}). */
  async navigateHome(): Promise<void> {
    await this.page.evaluate(() => (window as unknown as FakeSpotifyWindow).fakeSpotify.navigateHome());
    this.visited.push(null);
  }

  /**
   * Goes back in the app's history (`history.back()`, which the app answers on `popstate` by
   * drawing the previous page) and returns every badge in the document as it is right after that
   * redraw (once the microtasks it queued have run). {@link SpotifyPage.spec} follows.
   */
  async goBack(): Promise<DocumentBadge[]> {
    await this.installBadgeReader();
    const badges = await this.page.evaluate(
      () =>
        new Promise<DocumentBadge[]>((resolve) => {
          const w = window as unknown as ReaderWindow;
          // Added after the app's own listener, so it runs after the redraw.
          addEventListener('popstate', () => queueMicrotask(() => resolve(w.__ppReadBadges())), { once: true });
          history.back();
        }),
    );
    if (this.visited.length > 1) this.visited.pop();
    const previous = [...this.visited].reverse().find((spec): spec is PageSpec => spec !== null);
    if (previous) this.currentSpec = previous;
    return badges;
  }

  /** Every `playlist-predictor-badge` in the document (rows, now-playing bar, anywhere else), in DOM order. */
  async allBadges(): Promise<DocumentBadge[]> {
    await this.installBadgeReader();
    return this.page.evaluate(() => (window as unknown as ReaderWindow).__ppReadBadges());
  }

  /**
   * Starts recording every badge in the document every `intervalMs` in the page (reading only:
   * no DOM change), until {@link SpotifyPage.stopBadgeRecorder}.
   */
  async startBadgeRecorder(intervalMs = 50): Promise<void> {
    await this.installBadgeReader();
    await this.page.evaluate((intervalMs) => {
      const w = window as unknown as ReaderWindow;
      if (w.__ppBadgeRecorder) clearInterval(w.__ppBadgeRecorder.timer);
      const samples: BadgeSample[] = [];
      const sample = (): void => {
        samples.push({ t: performance.now(), badges: w.__ppReadBadges() });
      };
      sample();
      w.__ppBadgeRecorder = { samples, timer: setInterval(sample, intervalMs) };
    }, intervalMs);
  }

  /** Stops the recorder and returns its samples (one last sample taken now). */
  async stopBadgeRecorder(): Promise<BadgeSample[]> {
    return this.page.evaluate(() => {
      const w = window as unknown as ReaderWindow;
      const recorder = w.__ppBadgeRecorder;
      if (!recorder) throw new Error('the badge recorder is not running');
      clearInterval(recorder.timer);
      delete w.__ppBadgeRecorder;
      recorder.samples.push({ t: performance.now(), badges: w.__ppReadBadges() });
      return recorder.samples;
    });
  }

  /** The page's clock (`performance.now()`), to relate test events to recorder samples. */
  async now(): Promise<number> {
    return this.page.evaluate(() => performance.now());
  }

  /** The `.badge` pill of the track row showing `trackId` (Playwright's CSS pierces the open shadow root); click it or focus it and press Enter to retry an `error` badge. */
  badgeOfRow(trackId: string): Locator {
    return this.page
      .locator('div[data-testid="tracklist-row"]', { has: this.page.locator(`a[data-testid="internal-track-link"][href="/track/${trackId}"]`) })
      .locator('playlist-predictor-badge .badge');
  }

  /** The extension content script's isolated world in this tab, reached through the DevTools protocol (see {@link ContentScriptWorld}). */
  contentScriptWorld(extensionId: string): Promise<ContentScriptWorld> {
    return ContentScriptWorld.attach(this.page, extensionId);
  }

  /**
   * What the page's own scripts (the main world) can do with `chrome.runtime` against the
   * extension: `typeof chrome.runtime.sendMessage` there, and what calling it with the
   * extension's ID does (`not callable`, `threw: ...`, `answered: ...`, or `no answer: ...`).
   */
  async mainWorldRuntime(extensionId: string): Promise<{ readonly sendMessageType: string; readonly attempt: string }> {
    return this.page.evaluate(async (extensionId) => {
      interface Runtime {
        sendMessage?: (extensionId: string, message: unknown, callback: (answer: unknown) => void) => void;
        readonly lastError?: { readonly message?: string };
      }
      const runtime = (globalThis as unknown as { chrome?: { runtime?: Runtime } }).chrome?.runtime;
      const sendMessageType = typeof runtime?.sendMessage;
      const send = runtime?.sendMessage;
      if (!runtime || typeof send !== 'function') return { sendMessageType, attempt: 'not callable' };
      const attempt = await new Promise<string>((resolve) => {
        try {
          send.call(runtime, extensionId, { id: 1, type: 'status', data: {}, timestamp: Date.now() }, (answer) => {
            const lastError = runtime.lastError?.message;
            resolve(answer === undefined ? `no answer: ${lastError ?? ''}` : `answered: ${JSON.stringify(answer).slice(0, 200)}`);
          });
        } catch (error) {
          resolve(`threw: ${String(error)}`);
        }
      });
      return { sendMessageType, attempt };
    }, extensionId);
  }

  /**
   * From the page's main world, forges the event with which WXT's content-script context stops an
   * older instance of a content script: a `CustomEvent` named
   * `<extensionId>:<contentScriptName>:wxt:content-script-started` on `document` (and, for good
   * measure, bubbling from `document.body` and on `window`) with `detail: { contentScriptName,
   * messageId }`, and the `window.postMessage` form `{ type, contentScriptName, messageId }`.
   * Waits for the posted message to be delivered. Returns the event name used.
   */
  async forgeScriptStartedEvents(extensionId: string, contentScriptName: string): Promise<string> {
    return this.page.evaluate(
      async ({ extensionId, contentScriptName }) => {
        const type = `${extensionId}:${contentScriptName}:wxt:content-script-started`;
        const detail = (messageId: string) => ({ contentScriptName, messageId });
        document.dispatchEvent(new CustomEvent(type, { detail: detail('forged-document') }));
        document.body.dispatchEvent(new CustomEvent(type, { detail: detail('forged-body'), bubbles: true, composed: true }));
        window.dispatchEvent(new CustomEvent(type, { detail: detail('forged-window') }));
        const delivered = new Promise<void>((resolve) => addEventListener('message', (e) => e.data?.messageId === 'forged-post' && resolve()));
        window.postMessage({ type, contentScriptName, messageId: 'forged-post' }, '*');
        await delivered;
        // Whatever the events set off had a task to run in.
        await new Promise((resolve) => setTimeout(resolve, 50));
        return type;
      },
      { extensionId, contentScriptName },
    );
  }

  /** Installs {@link readDocumentBadges} in the page as `window.__ppReadBadges` (once per document). */
  private async installBadgeReader(): Promise<void> {
    await this.page.evaluate(`window.__ppReadBadges ??= (${readDocumentBadges.toString()});`);
  }

  /**
   * Scrolls so that list position `position` is at the top of the list's viewport, and waits
   * until the page has drawn it (the fake redraws asynchronously, possibly via placeholders).
   */
  async scrollToPosition(position: number): Promise<void> {
    // The fake redraws on the scroll event, which comes a frame after scrollTop changed (later
    // still in a background tab): until then it is not busy, and a position already drawn is
    // still drawn. So when the view moved, wait for a redraw after the scroll as well.
    const rendersBefore = await this.page.evaluate((position) => {
      const fake = (window as unknown as FakeSpotifyWindow).fakeSpotify;
      const top = fake.scroller().scrollTop;
      const renders = fake.renderCount();
      fake.scrollToPosition(position);
      return fake.scroller().scrollTop === top ? null : renders;
    }, position);
    await this.page.waitForFunction(
      ({ position, rendersBefore }) => {
        const fake = (window as unknown as FakeSpotifyWindow).fakeSpotify;
        return (rendersBefore === null || fake.renderCount() > rendersBefore) && !fake.busy() && fake.isDrawn(position);
      },
      { position, rendersBefore },
    );
  }

  /**
   * A fast fling: from list position `from` (default the top, where the list is assumed to be)
   * towards `to` (default the end of the list; above `from` flings up), scrolls `rowsPerStep` rows
   * further at each step, with one animation frame between steps, `steps` times (default: until
   * `to`). Then waits until the last position is drawn and the fake is idle.
   */
  async fling({ rowsPerStep, steps, from, to }: { rowsPerStep: number; steps?: number; from?: number; to?: number }): Promise<FlingResult> {
    const result = await this.page.evaluate(
      async ({ rowsPerStep, steps, from, to }) => {
        const fake = (window as unknown as FakeSpotifyWindow).fakeSpotify;
        const last = Math.max(0, fake.listLength() - 1);
        const start = Math.min(last, Math.max(0, from ?? 0));
        const end = Math.min(last, Math.max(0, to ?? last));
        const direction = end < start ? -1 : 1;
        const count = steps ?? Math.ceil(Math.abs(end - start) / rowsPerStep);
        let position = start;
        for (let step = 1; step <= count; step++) {
          position = direction > 0 ? Math.min(end, start + step * rowsPerStep) : Math.max(end, start - step * rowsPerStep);
          fake.scrollToPosition(position);
          await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
        }
        return { steps: count, rowsPerStep, lastPosition: position };
      },
      { rowsPerStep, steps, from, to },
    );
    await this.page.waitForFunction((position) => {
      const fake = (window as unknown as FakeSpotifyWindow).fakeSpotify;
      return !fake.busy() && fake.isDrawn(position);
    }, result.lastPosition);
    return result;
  }

  /**
   * Starts the stale-badge monitor in the page (replacing a running one): see
   * {@link StaleBadgeReport} for what it counts and when.
   */
  async startStaleBadgeMonitor(): Promise<void> {
    await this.page.evaluate(() => {
      type Source = 'frame' | 'render';
      interface Counts {
        observations: number;
        frameObservations: number;
        renderObservations: number;
        rowChecks: number;
        stale: number;
        staleInFrames: number;
        staleAfterRenders: number;
        rowsWithoutBadge: number;
        emptyBadges: number;
        rowsWithSeveralBadges: number;
        loadingInFrames: number;
        loadingAt: string[];
        nowPlayingChecks: number;
        nowPlayingStale: number;
        examples: { source: Source; position: number | null; trackId: string; badgeTrackId: string }[];
      }
      interface Monitor {
        read(): Counts;
        stop(): Counts;
      }
      const w = window as unknown as FakeSpotifyWindow & { __fakeSpotifyStaleMonitor?: Monitor };
      w.__fakeSpotifyStaleMonitor?.stop();
      const counts: Counts = {
        observations: 0,
        frameObservations: 0,
        renderObservations: 0,
        rowChecks: 0,
        stale: 0,
        staleInFrames: 0,
        staleAfterRenders: 0,
        rowsWithoutBadge: 0,
        emptyBadges: 0,
        rowsWithSeveralBadges: 0,
        loadingInFrames: 0,
        loadingAt: [],
        nowPlayingChecks: 0,
        nowPlayingStale: 0,
        examples: [],
      };
      const pills = (scope: Element): (HTMLElement | null)[] => [...scope.querySelectorAll('playlist-predictor-badge')].map((badge) => badge.shadowRoot?.querySelector<HTMLElement>('.badge') ?? null);
      /** The track ID a badge shows (null = a badge without content yet). */
      const shownId = (pill: HTMLElement | null): string | null => pill?.dataset.trackId ?? null;
      /** Track IDs the badges in `scope` show. */
      const shownIds = (scope: Element): (string | null)[] => pills(scope).map(shownId);
      const recordStale = (source: Source, position: number | null, trackId: string, badgeTrackId: string): void => {
        counts.stale++;
        if (source === 'frame') counts.staleInFrames++;
        else counts.staleAfterRenders++;
        if (counts.examples.length < 20) counts.examples.push({ source, position, trackId, badgeTrackId });
      };
      const observe = (source: Source): void => {
        counts.observations++;
        if (source === 'frame') counts.frameObservations++;
        else counts.renderObservations++;
        const loadingPositions: number[] = [];
        for (const row of document.querySelectorAll('div[data-testid="tracklist-row"]')) {
          const href = row.querySelector('a[data-testid="internal-track-link"]')?.getAttribute('href') ?? '';
          const trackId = /^\/track\/([^/?#]+)/.exec(href)?.[1];
          if (!trackId) continue;
          counts.rowChecks++;
          // The row's badges read once per observation (this runs in every frame).
          const rowPills = pills(row);
          const shown = rowPills.map(shownId);
          if (shown.length === 0) counts.rowsWithoutBadge++;
          if (shown.length > 1) counts.rowsWithSeveralBadges++;
          if (shown.includes(null)) counts.emptyBadges++;
          if (source === 'frame' && rowPills.some((pill) => pill?.dataset.trackId === trackId && pill.dataset.status === 'loading')) {
            counts.loadingInFrames++;
            loadingPositions.push(w.fakeSpotify.positionOf(row)?.position ?? -1);
          }
          const wrong = shown.find((id): id is string => id !== null && id !== trackId);
          if (wrong !== undefined) recordStale(source, w.fakeSpotify.positionOf(row)?.position ?? -1, trackId, wrong);
        }
        if (loadingPositions.length > 0 && counts.loadingAt.length < 20) counts.loadingAt.push(`frame ${counts.frameObservations}: positions ${loadingPositions.join(', ')}`);
        const widget = document.querySelector('[data-testid="now-playing-bar"] [data-testid="now-playing-widget"]');
        const href = widget?.querySelector('a[data-testid="context-link"]')?.getAttribute('href');
        const uri = href ? (new URL(href, location.href).searchParams.get('uri') ?? '') : '';
        if (widget && uri.startsWith('spotify:track:')) {
          const trackId = uri.slice('spotify:track:'.length);
          counts.nowPlayingChecks++;
          const wrong = shownIds(widget).find((id): id is string => id !== null && id !== trackId);
          if (wrong !== undefined) {
            counts.nowPlayingStale++;
            recordStale(source, null, trackId, wrong);
          }
        }
      };
      // Just before paint: rAF callbacks run first, then layout, then ResizeObserver callbacks.
      // Resizing a hidden sentinel (outside <body>) on every frame makes a ResizeObserver
      // callback run after every other frame callback of that frame, right before it is painted.
      let running = true;
      const sentinel = document.createElement('div');
      sentinel.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;visibility:hidden;pointer-events:none';
      document.documentElement.append(sentinel);
      const resizeObserver = new ResizeObserver(() => {
        if (running) observe('frame');
      });
      resizeObserver.observe(sentinel);
      let wide = false;
      let raf = 0;
      const tick = (): void => {
        wide = !wide;
        sentinel.style.width = wide ? '2px' : '1px';
        raf = requestAnimationFrame(tick);
      };
      raf = requestAnimationFrame(tick);
      const unsubscribe = w.fakeSpotify.onRender(() => {
        if (running) observe('render');
      });
      const snapshot = (): Counts => ({ ...counts, loadingAt: [...counts.loadingAt], examples: [...counts.examples] });
      w.__fakeSpotifyStaleMonitor = {
        read: snapshot,
        stop() {
          running = false;
          cancelAnimationFrame(raf);
          resizeObserver.disconnect();
          sentinel.remove();
          unsubscribe();
          delete w.__fakeSpotifyStaleMonitor;
          return snapshot();
        },
      };
    });
  }

  /** The stale-badge monitor's counts so far (it keeps running). */
  async staleBadgeReport(): Promise<StaleBadgeReport> {
    return this.monitorCall('read');
  }

  /** Stops the stale-badge monitor and returns its counts. */
  async stopStaleBadgeMonitor(): Promise<StaleBadgeReport> {
    return this.monitorCall('stop');
  }

  private async monitorCall(method: 'read' | 'stop'): Promise<StaleBadgeReport> {
    return this.page.evaluate((method) => {
      const w = window as unknown as { __fakeSpotifyStaleMonitor?: Record<'read' | 'stop', () => StaleBadgeReport> };
      const monitor = w.__fakeSpotifyStaleMonitor;
      if (!monitor) throw new Error('the stale-badge monitor is not running');
      return monitor[method]();
    }, method);
  }

  /**
   * Geometry of every rendered track row's title cell, in DOM order: boxes in CSS px relative to
   * the top left of the row's list grid (`[role="grid"]`; the viewport for rows outside one), so
   * what the extension adds above a list (the occasion panel's bar) does not count as a change of
   * the rows' layout.
   */
  async rowGeometry(): Promise<RowGeometry[]> {
    return this.page.evaluate(() => {
      const fake = (window as unknown as FakeSpotifyWindow).fakeSpotify;
      const empty = { x: 0, y: 0, width: 0, height: 0 };
      return [...document.querySelectorAll('div[data-testid="tracklist-row"]')].map((row) => {
        const origin = row.closest('[role="grid"]')?.getBoundingClientRect() ?? empty;
        const box = (e: Element | null | undefined): { x: number; y: number; width: number; height: number } | null => {
          if (!e) return null;
          const r = e.getBoundingClientRect();
          return { x: r.x - origin.x, y: r.y - origin.y, width: r.width, height: r.height };
        };
        const place = fake.positionOf(row);
        const cell = row.querySelector('[role="gridcell"][aria-colindex="2"]');
        const link = cell?.querySelector('a[data-testid="internal-track-link"]');
        const rowBox = box(row) ?? empty;
        return {
          position: place?.position ?? -1,
          section: place?.section ?? '',
          trackId: (link?.getAttribute('href') ?? '').replace('/track/', ''),
          explicit: cell?.querySelector('[aria-label="Explicit"]') !== null,
          rowHeight: rowBox.height,
          row: rowBox,
          titleBlock: box(link?.parentElement) ?? empty,
          titleLink: box(link) ?? empty,
          artistLine: box(cell?.querySelector('a[href^="/artist/"]')?.parentElement) ?? empty,
          explicitLabel: box(cell?.querySelector('[aria-label="Explicit"]')),
          badge: box(row.querySelector('playlist-predictor-badge')),
        };
      });
    });
  }

  /** Geometry of the now-playing widget's title block, or null when nothing plays. */
  async nowPlayingGeometry(): Promise<NowPlayingGeometry | null> {
    return this.page.evaluate(() => {
      const widget = document.querySelector('[data-testid="now-playing-bar"] [data-testid="now-playing-widget"]');
      if (!widget) return null;
      const box = (e: Element | null | undefined): { x: number; y: number; width: number; height: number } => {
        const r = e?.getBoundingClientRect();
        return r ? { x: r.x, y: r.y, width: r.width, height: r.height } : { x: 0, y: 0, width: 0, height: 0 };
      };
      const title = widget.querySelector('[data-testid="context-item-info-title"]');
      const badge = widget.querySelector('playlist-predictor-badge');
      return {
        widget: box(widget),
        titleBlock: box(title?.parentElement),
        titleLink: box(widget.querySelector('a[data-testid="context-item-link"]')),
        artistLine: box(widget.querySelector('[data-testid="context-item-info-subtitles"]')),
        explicitLabel: widget.querySelector('[aria-label="Explicit"]') ? box(widget.querySelector('[aria-label="Explicit"]')) : null,
        badge: badge ? box(badge) : null,
      };
    });
  }
}
