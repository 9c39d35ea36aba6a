import { chromium, expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { SpotifyPage } from './pages/spotify-page';
import { ARTIST_POPULAR_MAX, FIRST_TRACK_ROW_INDEX, firstTrackRowIndex, pageUrl, ROW_HEIGHT, ROW_POOL_SIZE, SEARCH_SONGS_ROWS, type FakeSpotifyWindow, type PageSpec, type PageTrack } from './support/fake-spotify';
import { chromiumPath } from './support/fixtures';
import { syntheticTracks } from './support/tracks';

/**
 * Self-test of the fake Spotify app (support/fake-spotify.ts) in plain headless Chromium, without
 * the extension: the markup facts of shared/notes/platform.md, virtualization with element reuse,
 * every page type, SPA navigation, and the page object's readers (rows, geometry, stale-badge
 * monitor, with a stand-in badge script in place of the extension).
 */

/** Undefined until `beforeAll` has started it (and when it could not: no Chromium). */
let browser: Browser | undefined;
let context: BrowserContext;

test.beforeAll(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu'] });
});
test.afterAll(async () => {
  await browser?.close();
});
test.beforeEach(async () => {
  if (!browser) throw new Error('Chromium did not start (see beforeAll)');
  context = await browser.newContext();
});
test.afterEach(async () => {
  await context.close();
});

/** `count` page tracks; every third explicit, every fifth with a featured artist. */
function tracksFor(count: number, seed: string): PageTrack[] {
  return syntheticTracks(count, seed).map(({ id, title, artist }, i) => ({ id, title, artist, explicit: i % 3 === 1, featuring: i % 5 === 0 ? [`Guest ${i}`] : undefined }));
}

/**
 * A stand-in for the extension's badges, in the page: one `playlist-predictor-badge` (open shadow
 * root, `.badge[data-track-id][data-status]`) after each row's title link. `sync` updates them in
 * a MutationObserver callback; `lazy` 50 ms after the last mutation (so reused rows show a stale
 * badge for a while); `never` draws them once and never again.
 */
async function installStandInBadges(page: Page, mode: 'sync' | 'lazy' | 'never'): Promise<void> {
  await page.evaluate((mode) => {
    const update = (): void => {
      for (const row of document.querySelectorAll('div[data-testid="tracklist-row"]')) {
        const link = row.querySelector('a[data-testid="internal-track-link"]');
        if (!link) continue;
        const id = (link.getAttribute('href') ?? '').replace('/track/', '');
        let host = row.querySelector('playlist-predictor-badge');
        if (!host) {
          host = document.createElement('playlist-predictor-badge');
          const pill = document.createElement('span');
          pill.className = 'badge';
          pill.style.cssText = 'display:inline-block;padding:1px 8px;border-radius:9999px;font:600 11px/16px sans-serif;background:#5f6368;color:#fff';
          pill.textContent = 'chill';
          host.attachShadow({ mode: 'open' }).append(pill);
          link.after(host);
        } else if (mode === 'never') {
          continue;
        }
        const pill = host.shadowRoot?.querySelector<HTMLElement>('.badge');
        if (pill && pill.dataset.trackId !== id) {
          pill.dataset.trackId = id;
          pill.dataset.status = 'ok';
          pill.dataset.theme = 'chill';
        }
      }
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    new MutationObserver(() => {
      if (mode === 'lazy') {
        clearTimeout(timer);
        timer = setTimeout(update, 50);
      } else {
        update();
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    update();
  }, mode);
}

test.describe('app shell and row markup (platform.md, "open.spotify.com page structure")', () => {
  test('sidebar, main scroller and now-playing bar are where the notes say', async () => {
    const tracks = tracksFor(60, 'shell');
    const spotify = await SpotifyPage.open(context, { kind: 'playlist', id: '37i9dQZF1DXcBWIGoYBM5M', name: 'Shell', tracks }, { nowPlaying: tracks[1] });
    const shell = await spotify.page.evaluate(() => {
      const nav = document.querySelector('nav');
      const child = document.querySelector('.main-view-container__scroll-node-child');
      const scroller = child?.parentElement;
      const before = scroller?.scrollTop;
      if (scroller) scroller.scrollTop = 300;
      return {
        navLinks: [...(nav?.querySelectorAll('a[href^="/playlist/"]') ?? [])].length,
        navRows: nav?.querySelectorAll('[data-testid="tracklist-row"]').length,
        navHasViewport: nav?.querySelector('[data-overlayscrollbars-viewport]') !== null,
        bareViewportIsSidebar: nav?.contains(document.querySelector('[data-overlayscrollbars-viewport]')) ?? false,
        scrollerIsViewport: scroller?.hasAttribute('data-overlayscrollbars-viewport') ?? false,
        scrolled: before === 0 && scroller?.scrollTop === 300,
        scrollerIsFake: scroller === (window as unknown as FakeSpotifyWindow).fakeSpotify.scroller(),
        rowsInMain: scroller?.querySelectorAll('[data-testid="tracklist-row"]').length,
      };
    });
    expect(shell).toEqual({ navLinks: 3, navRows: 0, navHasViewport: true, bareViewportIsSidebar: true, scrollerIsViewport: true, scrolled: true, scrollerIsFake: true, rowsInMain: ROW_POOL_SIZE });

    const now = await spotify.nowPlaying();
    expect(now).toMatchObject({ trackId: tracks[1]?.id, title: tracks[1]?.title, artists: [tracks[1]?.artist], badgeCount: 0 });
    const bar = await spotify.page.evaluate(() => {
      const widget = document.querySelector('[data-testid="now-playing-bar"] > * [data-testid="now-playing-widget"], [data-testid="now-playing-bar"] [data-testid="now-playing-widget"]');
      const artist = widget?.querySelector('[data-testid="context-item-info-artist"]');
      const link = widget?.querySelector('a[data-testid="context-item-link"]');
      const grid = link?.parentElement?.parentElement;
      return {
        contextHref: widget?.querySelector('a[data-testid="context-link"]')?.getAttribute('href'),
        artistTag: artist?.tagName,
        artistHref: artist?.getAttribute('href'),
        explicit: widget?.querySelector('[aria-label="Explicit"][title="Explicit"]')?.textContent,
        gridAreas: grid ? getComputedStyle(grid).gridTemplateAreas : null,
      };
    });
    expect(bar.contextHref).toMatch(new RegExp(`\\?uri=spotify%3Atrack%3A${tracks[1]?.id}$`));
    expect(bar).toMatchObject({ artistTag: 'A', explicit: 'E', gridAreas: '"title title" "badges subtitle"' });
    expect(bar.artistHref).toMatch(/^\/artist\/[0-9A-Za-z]{22}$/);
  });

  test('track rows: wrappers, cells, the title grid from a hashed-class stylesheet, explicit label, duration', async () => {
    const tracks = tracksFor(40, 'markup');
    const spotify = await SpotifyPage.open(context, { kind: 'playlist', id: '37i9dQZF1DXcBWIGoYBM5M', name: 'Markup', tracks }, { nowPlaying: tracks[1], viewport: { width: 1280, height: 800 } });
    await test.info().attach('playlist.png', { body: await spotify.page.screenshot(), contentType: 'image/png' });
    const rows = await spotify.page.evaluate(() =>
      [...document.querySelectorAll('div[data-testid="tracklist-row"]')].map((row) => {
        const wrapper = row.closest('[role="row"]');
        const positioned = wrapper?.closest('div[role="presentation"][style*="translateY"]');
        const cells = [...row.querySelectorAll(':scope > [role="gridcell"]')];
        const titleCell = row.querySelector('[role="gridcell"][aria-colindex="2"]');
        const grid = titleCell?.lastElementChild;
        const style = grid ? getComputedStyle(grid) : null;
        const link = grid?.querySelector(':scope > a[data-testid="internal-track-link"]');
        const explicit = grid?.querySelector(':scope > span[aria-label="Explicit"][title="Explicit"]');
        const subtitle = grid?.querySelector(':scope > span:last-child');
        const area = (e: Element | null | undefined) => (e ? getComputedStyle(e).gridArea.split(' / ')[0] : null);
        return {
          rowIndex: Number(wrapper?.getAttribute('aria-rowindex')),
          positioned: positioned !== null && positioned !== undefined,
          colindices: cells.map((c) => c.getAttribute('aria-colindex')).join(','),
          firstInTitleCell: titleCell?.firstElementChild?.tagName,
          grid: style && { display: style.display, areas: style.gridTemplateAreas, columns: style.gridTemplateColumns.split(' ').length, gap: style.columnGap, align: style.alignItems },
          gridInline: grid?.getAttribute('style') ?? null,
          gridClass: grid?.className ?? '',
          linkArea: area(link),
          linkHref: link?.getAttribute('href'),
          titleText: link?.firstElementChild?.textContent,
          titleOneLine: link?.firstElementChild ? getComputedStyle(link.firstElementChild).whiteSpace + '/' + getComputedStyle(link.firstElementChild).textOverflow : null,
          explicit: explicit ? { area: area(explicit), text: explicit.textContent, height: explicit.getBoundingClientRect().height } : null,
          subtitleArea: area(subtitle),
          artistLinks: [...(subtitle?.querySelectorAll('a') ?? [])].map((a) => a.getAttribute('href')?.replace(/[0-9A-Za-z]{22}$/, '<id>')),
          duration: row.querySelector(':scope > [role="gridcell"]:last-child')?.textContent,
          listRowCount: row.closest('[data-testid="playlist-tracklist"]')?.getAttribute('aria-rowcount'),
        };
      }),
    );
    expect(rows).toHaveLength(ROW_POOL_SIZE);
    rows.forEach((row, i) => {
      const track = tracks[i];
      expect(row).toMatchObject({
        rowIndex: i + FIRST_TRACK_ROW_INDEX,
        positioned: true,
        colindices: '1,2,3,4,5',
        firstInTitleCell: 'IMG',
        grid: { display: 'grid', areas: '"title title" "badges subtitle"', columns: 2, gap: '8px', align: 'center' },
        gridInline: null,
        linkArea: 'title',
        linkHref: `/track/${track?.id}`,
        titleText: track?.title,
        titleOneLine: 'nowrap/ellipsis',
        explicit: track?.explicit ? { area: 'badges', text: 'E', height: 16 } : null,
        subtitleArea: 'subtitle',
        artistLinks: ['/artist/<id>', ...(track?.featuring ? ['/artist/<id>'] : [])],
        listRowCount: String(tracks.length + 1),
      });
      expect(row.duration).toMatch(/^[0-9]+:[0-5][0-9]$/);
      expect(row.gridClass).toMatch(/^[A-Za-z][A-Za-z0-9_]{19}$/);
    });
  });

  test('realistic heights: 56 px rows, 24 px title line, 20 px artist line; an element without a grid area adds a third line', async () => {
    const tracks = tracksFor(12, 'heights');
    const spotify = await SpotifyPage.open(context, { kind: 'playlist', id: '37i9dQZF1DXcBWIGoYBM5M', name: 'Heights', tracks });
    const before = await spotify.rowGeometry();
    expect(before.length).toBe(12);
    for (const g of before) {
      expect(g.rowHeight).toBe(ROW_HEIGHT);
      expect(g.titleLink.height).toBe(24);
      expect(g.artistLine.height).toBe(20);
      expect(g.titleBlock.height).toBe(44);
      expect(g.artistLine.y).toBe(g.titleLink.y + 24);
      expect(g.titleBlock.y - g.row.y).toBe((ROW_HEIGHT - 44) / 2);
      expect(g.explicitLabel?.height ?? 16).toBe(16);
      expect(g.badge).toBeNull();
    }
    // A badge-like element inserted right after the title link with no grid area.
    await spotify.page.evaluate(() => {
      for (const link of document.querySelectorAll('a[data-testid="internal-track-link"]')) {
        const extra = document.createElement('span');
        extra.textContent = 'chill';
        extra.setAttribute('style', 'display:inline-block;height:18px;line-height:18px;padding:0 8px');
        const host = document.createElement('playlist-predictor-badge');
        host.append(extra);
        link.after(host);
      }
    });
    const after = await spotify.rowGeometry();
    for (const g of after) {
      if (g.explicit) {
        // Explicit row: all cells taken, so a third line, and the block no longer fits the row.
        expect(g.titleBlock.height, `position ${g.position}`).toBeGreaterThan(44 + 8);
        expect(g.titleLink.y).toBeLessThan(g.row.y + (ROW_HEIGHT - 44) / 2);
      } else {
        // No label: the element lands in the empty "badges" cell, on the artist line.
        expect(g.titleBlock.height, `position ${g.position}`).toBe(44);
        expect(g.badge && g.badge.y).toBeGreaterThanOrEqual(g.artistLine.y - 1);
      }
    }
  });

  test('badgeArea "always": the badges area always has an element, so an extra element always adds a line', async () => {
    const tracks = tracksFor(6, 'slot');
    const spotify = await SpotifyPage.open(context, { kind: 'playlist', id: '37i9dQZF1DXcBWIGoYBM5M', name: 'Slot', tracks }, { badgeArea: 'always' });
    const before = await spotify.rowGeometry();
    for (const g of before) expect(g.titleBlock.height).toBe(44);
    await spotify.page.evaluate(() => {
      for (const link of document.querySelectorAll('a[data-testid="internal-track-link"]')) link.after(Object.assign(document.createElement('span'), { textContent: 'x' }));
    });
    for (const g of await spotify.rowGeometry()) expect(g.titleBlock.height).toBeGreaterThan(44 + 8);
  });

  test('track data is escaped: markup in titles and names is shown as text', async () => {
    const evil: PageTrack = { id: '4uLU6hMCjMI75M1A2tKUQC', title: '</script><img src=x onerror="window.pwned=1">', artist: 'A & B "<b>"' };
    const spotify = await SpotifyPage.open(context, { kind: 'playlist', id: '37i9dQZF1DXcBWIGoYBM5M', name: '</title><script>window.pwned=2</script>', tracks: [evil] }, { nowPlaying: evil });
    const seen = await spotify.page.evaluate(() => ({
      pwned: 'pwned' in window,
      title: document.title,
      row: document.querySelector('a[data-testid="internal-track-link"]')?.textContent,
      artist: document.querySelector('[data-testid="tracklist-row"] a[href^="/artist/"]')?.textContent,
      imgs: document.querySelectorAll('img[src="x"]').length,
    }));
    expect(seen).toEqual({ pwned: false, title: '</title><script>window.pwned=2</script> | Spotify Playlist', row: evil.title, artist: evil.artist, imgs: 0 });
  });
});

test.describe('virtualization', () => {
  const variants = [
    { rowReuse: 'modulo', renderOn: 'animation-frame' },
    { rowReuse: 'window', renderOn: 'scroll' },
  ] as const;
  for (const { rowReuse, renderOn } of variants) {
    test(`a 1,000-track list keeps a fixed pool of row elements and rewrites them in place (${rowReuse}, redraw on ${renderOn})`, async () => {
      const tracks = tracksFor(1000, 'virtual');
      const spotify = await SpotifyPage.open(context, { kind: 'playlist', id: '37i9dQZF1DXcBWIGoYBM5M', name: 'Big', tracks }, { rowReuse, renderOn });
      const first = await spotify.renderedRows();
      expect(first.map((r) => r.position)).toEqual([...Array(ROW_POOL_SIZE).keys()]);
      await spotify.markRowElements();
      const identity = await spotify.page.evaluate(() => {
        const rows = [...document.querySelectorAll('div[data-testid="tracklist-row"]')];
        (window as unknown as { keptRows: Element[] }).keptRows = rows;
        return rows.length;
      });
      expect(identity).toBe(ROW_POOL_SIZE);

      for (const target of [1, 7, 500, 999, 0]) {
        await spotify.scrollToPosition(target);
        const rows = await spotify.renderedRows();
        expect(rows).toHaveLength(ROW_POOL_SIZE);
        // Near the viewport only, in list order, each row showing its position's track.
        const positions = rows.map((r) => r.position);
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        const lowest = positions[0] ?? -1;
        expect((positions[ROW_POOL_SIZE - 1] ?? -1) - lowest).toBe(ROW_POOL_SIZE - 1);
        expect(positions).toContain(target);
        // A few rows of overscan above the target (one more: the row under the sticky header).
        expect(lowest).toBeGreaterThanOrEqual(Math.max(0, Math.min(1000 - ROW_POOL_SIZE, target - 5)));
        for (const r of rows) {
          expect(r.trackId).toBe(tracks[r.position]?.id);
          expect(r.explicit).toBe(tracks[r.position]?.explicit === true);
        }
        // The same elements (tracklist-row and its [role=row]) are still the only rows.
        const same = await spotify.page.evaluate(() => {
          const kept = (window as unknown as { keptRows: Element[] }).keptRows;
          const now = [...document.querySelectorAll('div[data-testid="tracklist-row"]')];
          return now.every((row) => kept.includes(row)) && now.every((row) => row.closest('[role="row"]')?.hasAttribute('data-e2e-marker'));
        });
        expect(same).toBe(true);
        const layout = await spotify.page.evaluate(() => {
          const block = document.querySelector('[data-testid="tracklist-row"]')?.closest('[role="row"]')?.parentElement;
          return { transform: block?.style.transform, rowIndices: [...(block?.children ?? [])].map((c) => Number(c.getAttribute('aria-rowindex'))) };
        });
        expect(layout.transform).toBe(`translateY(${lowest * ROW_HEIGHT}px)`);
        expect(layout.rowIndices).toEqual(positions.map((p) => p + FIRST_TRACK_ROW_INDEX));
      }
    });
  }

  test('reuse rewrites in place: same link element, new href and text; the explicit label is added and removed', async () => {
    const tracks = tracksFor(100, 'inplace');
    const spotify = await SpotifyPage.open(context, { kind: 'playlist', id: '37i9dQZF1DXcBWIGoYBM5M', name: 'In place', tracks });
    await spotify.page.evaluate(() => {
      const log: string[] = [];
      (window as unknown as { mutationLog: string[] }).mutationLog = log;
      new MutationObserver((records) => {
        for (const r of records) {
          const target = r.target instanceof Element ? r.target : r.target.parentElement;
          if (r.type === 'attributes' && r.attributeName === 'href' && target?.matches('a[data-testid="internal-track-link"]')) log.push('href');
          if (r.type === 'characterData') log.push('text');
          for (const n of r.addedNodes) if (n instanceof Element && n.matches('[aria-label="Explicit"]')) log.push('explicit+');
          for (const n of r.removedNodes) if (n instanceof Element && n.matches('[aria-label="Explicit"]')) log.push('explicit-');
          for (const n of r.removedNodes) if (n instanceof Element && n.matches('[data-testid="tracklist-row"], a[data-testid="internal-track-link"]')) log.push('row-removed');
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await spotify.scrollToPosition(60);
    const log = await spotify.page.evaluate(() => (window as unknown as { mutationLog: string[] }).mutationLog);
    expect(log).toContain('href');
    expect(log).toContain('text');
    expect(log).toContain('explicit+');
    expect(log).toContain('explicit-');
    expect(log).not.toContain('row-removed');
  });

  test('a fling draws the end of the list; placeholders show for a moment when enabled', async () => {
    const tracks = tracksFor(1200, 'fling');
    const spotify = await SpotifyPage.open(context, { kind: 'liked', tracks }, { placeholderMs: 40 });
    await spotify.page.evaluate(() => {
      const seen = { placeholders: 0 };
      (window as unknown as { seen: typeof seen }).seen = seen;
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) if (n instanceof Element && n.matches('[data-testid="tracklist-row-placeholder"]')) seen.placeholders++;
      }).observe(document.body, { subtree: true, childList: true });
    });
    const result = await spotify.fling({ rowsPerStep: 25 });
    expect(result).toEqual({ steps: 48, rowsPerStep: 25, lastPosition: 1199 });
    const rows = await spotify.renderedRows();
    expect(rows.map((r) => r.position)).toContain(1199);
    for (const r of rows) expect(r.trackId).toBe(tracks[r.position]?.id);
    const seen = await spotify.page.evaluate(() => ({
      placeholders: (window as unknown as { seen: { placeholders: number } }).seen.placeholders,
      left: document.querySelectorAll('[data-testid="tracklist-row-placeholder"]').length,
    }));
    expect(seen.placeholders).toBeGreaterThan(0);
    expect(seen.left).toBe(0);
  });
});

test.describe('page types', () => {
  const base = tracksFor(120, 'kinds');
  const cases: { spec: PageSpec; list: string | null; header: boolean; cover: boolean; rows: number; sections: string[] }[] = [
    { spec: { kind: 'playlist', id: '37i9dQZF1DXcBWIGoYBM5M', name: 'P', tracks: base }, list: 'playlist-tracklist', header: true, cover: true, rows: ROW_POOL_SIZE, sections: ['tracklist'] },
    { spec: { kind: 'liked', tracks: base }, list: 'playlist-tracklist', header: true, cover: true, rows: ROW_POOL_SIZE, sections: ['tracklist'] },
    { spec: { kind: 'album', id: '4aawyAB9vmqN3uQ7FjRGTy', name: 'An Album', tracks: base }, list: 'track-list', header: true, cover: false, rows: ROW_POOL_SIZE, sections: ['tracklist'] },
    { spec: { kind: 'search-tracks', query: 'night drive', tracks: base }, list: 'track-list', header: false, cover: true, rows: ROW_POOL_SIZE, sections: ['tracklist'] },
    { spec: { kind: 'artist', id: '0OdUWJ0sBjDrqHygGUXeCF', name: 'An Artist', tracks: base.slice(0, 7) }, list: null, header: false, cover: true, rows: 7, sections: ['popular'] },
    { spec: { kind: 'search', query: 'night drive', tracks: base.slice(0, 10) }, list: null, header: false, cover: true, rows: SEARCH_SONGS_ROWS, sections: ['songs'] },
    { spec: { kind: 'queue', tracks: base.slice(0, 9) }, list: null, header: false, cover: true, rows: 9, sections: ['now-playing', 'next-in-queue'] },
  ];
  for (const { spec, list, header, cover, rows: rowCount, sections } of cases) {
    test(`${spec.kind} at ${pageUrl(spec).replace('https://open.spotify.com', '')}`, async () => {
      const spotify = await SpotifyPage.open(context, spec);
      expect(spotify.page.url()).toBe(pageUrl(spec));
      const rows = await spotify.renderedRows();
      expect(rows).toHaveLength(rowCount);
      expect([...new Set(rows.map((r) => r.section))]).toEqual(sections);
      rows.forEach((r, i) => expect(r).toMatchObject({ position: i, trackId: spec.tracks[i]?.id }));
      const dom = await spotify.page.evaluate((list) => {
        const trackRows = [...document.querySelectorAll('div[data-testid="tracklist-row"]')];
        const container = list ? document.querySelector(`[data-testid="${list}"]`) : null;
        return {
          containers: trackRows.map((r) => r.closest('[data-testid="playlist-tracklist"], [data-testid="track-list"]')?.getAttribute('data-testid') ?? null),
          rowCount: container?.getAttribute('aria-rowcount') ?? null,
          headerRows: container?.querySelectorAll('[role="row"][aria-rowindex="1"] [role="columnheader"]').length ?? 0,
          rowIndices: trackRows.map((r) => Number(r.closest('[role="row"]')?.getAttribute('aria-rowindex'))),
          covers: trackRows.map((r) => r.querySelector('[aria-colindex="2"] > img') !== null),
          // Track links outside track rows (cards, sidebar, bar) that a scan could mistake for rows.
          strayTrackLinks: [...document.querySelectorAll('a[href*="/track/"]')].filter((a) => !a.closest('[data-testid="tracklist-row"]')).length,
          searchSongs: document.querySelectorAll('section[data-testid="search-tracks-result"] [data-testid="tracklist-row"]').length,
        };
      }, list);
      expect(dom.containers).toEqual(rows.map(() => list));
      if (list) {
        expect(dom.rowCount).toBe(String(spec.tracks.length + (header ? 1 : 0)));
        expect(dom.headerRows > 0).toBe(header);
      }
      expect(dom.rowIndices[0]).toBe(firstTrackRowIndex(spec.kind));
      expect(dom.covers).toEqual(rows.map(() => cover));
      expect(dom.strayTrackLinks).toBe(0);
      expect(dom.searchSongs).toBe(spec.kind === 'search' ? SEARCH_SONGS_ROWS : 0);
      if (spec.kind === 'queue') {
        expect(dom.rowIndices).toEqual([1, 1, 2, 3, 4, 5, 6, 7, 8]);
        expect((await spotify.nowPlaying())?.trackId).toBe(spec.tracks[0]?.id);
      }
      if (list) {
        // Virtualized: a position far down is drawn after scrolling to it.
        await spotify.scrollToPosition(100);
        expect((await spotify.renderedRows()).map((r) => r.position)).toContain(100);
      }
    });
  }

  test(`an artist page shows 1 to ${ARTIST_POPULAR_MAX} popular tracks`, async () => {
    await expect(SpotifyPage.open(context, { kind: 'artist', id: 'x', name: 'Too many', tracks: base.slice(0, ARTIST_POPULAR_MAX + 1) })).rejects.toThrow(/1 to 10/);
  });
});

test.describe('now-playing bar', () => {
  test('changes track in place, URI plain or encoded, empties and refills', async () => {
    const tracks = tracksFor(5, 'now');
    const spotify = await SpotifyPage.open(context, { kind: 'artist', id: '0OdUWJ0sBjDrqHygGUXeCF', name: 'Bar', tracks }, { nowPlaying: tracks[0], nowPlayingUri: 'plain' });
    const href = () => spotify.page.evaluate(() => document.querySelector('a[data-testid="context-link"]')?.getAttribute('href') ?? '');
    expect(await href()).toMatch(new RegExp(`\\?uri=spotify:track:${tracks[0]?.id}$`));
    await spotify.page.evaluate(() => {
      (window as unknown as { keep: Element[] }).keep = ['a[data-testid="context-link"]', 'a[data-testid="context-item-link"]', '[data-testid="context-item-info-artist"]'].map((s) => document.querySelector(s) as Element);
    });
    await spotify.setNowPlaying(tracks[1] ?? null);
    expect(await spotify.nowPlaying()).toMatchObject({ trackId: tracks[1]?.id, title: tracks[1]?.title });
    expect(await spotify.page.evaluate(() => document.querySelector('[data-testid="now-playing-widget"] [aria-label="Explicit"]') !== null)).toBe(true);
    expect(await spotify.page.evaluate(() => (window as unknown as { keep: Element[] }).keep.every((e) => e.isConnected))).toBe(true);
    await spotify.setNowPlaying(tracks[2] ?? null, 'encoded');
    expect(await href()).toMatch(new RegExp(`\\?uri=spotify%3Atrack%3A${tracks[2]?.id}$`));
    expect(await spotify.page.evaluate(() => document.querySelector('[data-testid="now-playing-widget"] [aria-label="Explicit"]') !== null)).toBe(false);
    await spotify.setNowPlaying(null);
    expect(await spotify.nowPlaying()).toBeNull();
    expect(await spotify.page.evaluate(() => document.querySelector('[data-testid="now-playing-bar"]') !== null)).toBe(true);
    await spotify.setNowPlaying(tracks[3] ?? null);
    expect((await spotify.nowPlaying())?.trackId).toBe(tracks[3]?.id);
  });
});

test.describe('SPA navigation', () => {
  const first = tracksFor(50, 'nav-first');
  const second = tracksFor(30, 'nav-second');
  const from: PageSpec = { kind: 'playlist', id: '37i9dQZF1DX0XUsuxWHRQd', name: 'From', tracks: first };
  const to: PageSpec = { kind: 'album', id: '4aawyAB9vmqN3uQ7FjRGTy', name: 'To', tracks: second };

  for (const reuse of [false, true]) {
    test(`pushState, no reload, old rows ${reuse ? 'reused' : 'removed'}, now-playing bar kept`, async () => {
      const spotify = await SpotifyPage.open(context, from, { nowPlaying: first[3], reuseRowsAcrossNavigation: reuse });
      await spotify.markRowElements();
      await spotify.page.evaluate(() => {
        const w = window as unknown as { marker: string; oldRows: Element[]; bar: Element | null };
        w.marker = 'same document';
        w.oldRows = [...document.querySelectorAll('div[data-testid="tracklist-row"]')];
        w.bar = document.querySelector('[data-testid="now-playing-widget"]');
      });
      await spotify.navigate(to);
      expect(spotify.page.url()).toBe(pageUrl(to));
      const after = await spotify.page.evaluate(() => {
        const w = window as unknown as { marker?: string; oldRows: Element[]; bar: Element | null };
        const now = [...document.querySelectorAll('div[data-testid="tracklist-row"]')];
        return {
          marker: w.marker,
          loads: performance.getEntriesByType('navigation').length,
          oldConnected: w.oldRows.filter((r) => r.isConnected).length,
          reusedNow: now.filter((r) => w.oldRows.includes(r)).length,
          barKept: w.bar !== null && w.bar === document.querySelector('[data-testid="now-playing-widget"]'),
          title: document.title,
        };
      });
      expect(after).toMatchObject({ marker: 'same document', loads: 1, barKept: true, title: 'To | Spotify' });
      if (reuse) expect(after.reusedNow).toBe(ROW_POOL_SIZE);
      else expect(after.oldConnected).toBe(0);
      const rows = await spotify.renderedRows();
      expect(rows.map((r) => r.trackId)).toEqual(second.slice(0, ROW_POOL_SIZE).map((t) => t.id));
      expect(await spotify.page.evaluate(() => document.querySelectorAll('[data-testid="tracklist-row"] [aria-colindex="2"] > img').length)).toBe(0);

      // Back: popstate draws the first page again.
      await spotify.page.evaluate(() => history.back());
      await expect.poll(() => spotify.page.url()).toBe(pageUrl(from));
      await expect.poll(async () => (await spotify.renderedRows())[0]?.trackId).toBe(first[0]?.id);
    });
  }

  test('a click on an in-app link to a known page navigates without a load', async () => {
    const spotify = await SpotifyPage.open(context, from, { routes: [{ kind: 'liked', tracks: second }] });
    await spotify.page.evaluate(() => {
      (window as unknown as { marker: string }).marker = 'same document';
    });
    await spotify.page.click('nav a[href="/collection/tracks"]');
    await expect.poll(() => spotify.page.url()).toBe('https://open.spotify.com/collection/tracks');
    expect(await spotify.page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same document');
    expect((await spotify.renderedRows())[0]?.trackId).toBe(second[0]?.id);
  });
});

test.describe('page object readers', () => {
  test('the stale-badge monitor counts rows whose badge shows another track, in frames and after redraws', async () => {
    const tracks = tracksFor(400, 'monitor');
    const results: Record<string, { stale: number; frames: number; renders: number; withoutBadge: number }> = {};
    for (const mode of ['sync', 'lazy', 'never'] as const) {
      const spotify = await SpotifyPage.open(context, { kind: 'playlist', id: '37i9dQZF1DXcBWIGoYBM5M', name: mode, tracks }, { nowPlaying: tracks[0] });
      await installStandInBadges(spotify.page, mode);
      await spotify.startStaleBadgeMonitor();
      await spotify.fling({ rowsPerStep: 10 });
      await spotify.page.waitForTimeout(200);
      const report = await spotify.stopStaleBadgeMonitor();
      results[mode] = { stale: report.stale, frames: report.frameObservations, renders: report.renderObservations, withoutBadge: report.rowsWithoutBadge };
      expect(report.rowChecks).toBeGreaterThan(0);
      expect(report.nowPlayingChecks).toBeGreaterThan(0);
      expect(report.rowsWithoutBadge).toBe(0);
      expect(report.rowsWithSeveralBadges).toBe(0);
      if (mode === 'never') expect((await spotify.renderedRows()).some((r) => r.badgeTrackId !== r.trackId)).toBe(true);
      if (report.stale > 0) expect(report.examples[0]).toMatchObject({ trackId: expect.any(String), badgeTrackId: expect.any(String) });
      await spotify.page.close();
    }
    console.log(`stale-badge monitor with stand-in badges: ${JSON.stringify(results)}`);
    expect(results.sync?.stale).toBe(0);
    expect(results.lazy?.stale).toBeGreaterThan(0);
    expect(results.never?.stale).toBeGreaterThan(0);
    expect(results.sync?.frames).toBeGreaterThan(10);
    expect(results.sync?.renders).toBeGreaterThan(10);
  });

  test('settledRows waits for badges of the current tracks; rows without badges are counted', async () => {
    const tracks = tracksFor(30, 'settle');
    const spotify = await SpotifyPage.open(context, { kind: 'search-tracks', query: 'settle', tracks });
    await spotify.startStaleBadgeMonitor();
    await spotify.page.waitForTimeout(100);
    expect((await spotify.staleBadgeReport()).rowsWithoutBadge).toBeGreaterThan(0);
    await expect(spotify.settledRows(500)).rejects.toThrow(/did not settle/);
    await installStandInBadges(spotify.page, 'lazy');
    await spotify.scrollToPosition(15);
    const rows = await spotify.settledRows();
    for (const r of rows) expect(r).toMatchObject({ badgeCount: 1, badgeTrackId: r.trackId, status: 'ok', theme: 'chill' });
    const report = await spotify.stopStaleBadgeMonitor();
    expect(report.observations).toBe(report.frameObservations + report.renderObservations);
  });
});
