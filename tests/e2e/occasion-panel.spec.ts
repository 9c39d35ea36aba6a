import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { getTheme, THEME_IDS } from '../../model/themes';
import { REASON_PHRASES } from '../../model/reasons';
import { OccasionPanel } from './pages/occasion-panel';
import { SpotifyPlaylistPage } from './pages/playlist-page';
import { PopupPage } from './pages/popup-page';
import { SpotifyPage, type RenderedRow } from './pages/spotify-page';
import { checkWholeList, stopServiceWorker } from './support/badge-checks';
import { FakeReccoBeats } from './support/fake-reccobeats';
import { ROW_POOL_SIZE, SPOTIFY_ORIGIN } from './support/fake-spotify';
import { expect, test } from './support/fixtures';
import { bundledModelDefaults, classifyWithCli, cliProfile, expectedBadge, featureTable, probabilityAmongEnabled, syntheticTracks, type CliRow } from './support/tracks';

/**
 * Issue 11 end to end, in headless Chromium on the fake Spotify app: the badge's tooltip and
 * two-theme uncertain badges, and the occasion panel (profile, filter, sort view, copy links,
 * CSV export, whole-list analysis), each compared with `npm run classify` on the same features.
 */

/**
 * A CLI row's probability of `theme` among the enabled themes (the model's defaults): its
 * `p_<theme>` divided by the sum of theirs (README, "One scale for every percent").
 */
function amongEnabled(row: CliRow, theme: string): number {
  return probabilityAmongEnabled(row, theme, bundledModelDefaults().enabled);
}

/** The enabled themes (the model's defaults) of a CLI row, most probable first (ties in catalogue order), with whole percents among them. */
function rankedThemes(row: CliRow): [string, number][] {
  const { enabled } = bundledModelDefaults();
  return THEME_IDS.filter((t) => enabled.includes(t))
    .map((t): [string, number] => [t, amongEnabled(row, t)])
    .sort((a, b) => b[1] - a[1])
    .map(([t, p]) => [t, Math.round(p * 100)]);
}

/** Whether the row of a track is of one of `themes` as the CLI sees it (a confident badge of that theme). */
function ofThemes(trackId: string, themes: readonly string[], expected: ReadonlyMap<string, CliRow>): boolean {
  const row = expected.get(trackId);
  if (!row) return false;
  const badge = expectedBadge(row);
  return badge.status === 'ok' && themes.includes(badge.theme);
}

/** A title as the export writes it: a cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP, "CSV Injection"). */
const asExported = (title: string): string => (/^[=+\-@\t\r]/.test(title) ? `'${title}` : title);

const WHY_PHRASES = new Set(Object.values(REASON_PHRASES).flatMap((p) => [p.high, p.low]));

test.describe('the badge explains itself (issue 11)', () => {
  test('hover and keyboard focus open a tooltip with the three themes npm run classify gives, the source and a why line; uncertain rows name two themes', async ({ context }) => {
    const tracks = syntheticTracks(40, 'e2e-tooltip');
    const expected = classifyWithCli(tracks);
    await new FakeReccoBeats(featureTable(tracks)).install(context);
    const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX7777777777771', 'Tooltip Mix', tracks);
    const panel = new OccasionPanel(playlist.spotify);
    const rows = await playlist.settledRows();

    // By hover: every kind of answered row (a confident one and an uncertain one).
    const confident = rows.find((r) => r.status === 'ok');
    const unsure = rows.find((r) => r.status === 'uncertain');
    expect(confident && unsure, 'the first screen has confident and uncertain rows').toBeTruthy();
    for (const row of [confident, unsure]) {
      if (!row) continue;
      const cli = expected.get(row.trackId);
      if (!cli) throw new Error(`no CLI row for ${row.trackId}`);
      await playlist.page.locator(`playlist-predictor-badge .badge[data-track-id="${row.trackId}"]`).hover();
      const tip = await panel.tooltip();
      expect(tip).toMatchObject({ open: true, trackId: row.trackId, source: 'Audio features from ReccoBeats, just now' });
      expect(tip.themes, `tooltip of ${row.trackId}`).toEqual(rankedThemes(cli).slice(0, 3));
      // One scale: a confident badge's first percent is at or above the "uncertain" threshold, an uncertain one's below it.
      const thresholdPercent = Math.round(bundledModelDefaults().uncertainThreshold * 100);
      if (row.status === 'ok') expect(tip.themes[0]?.[1]).toBeGreaterThanOrEqual(thresholdPercent);
      else expect(tip.themes[0]?.[1]).toBeLessThanOrEqual(thresholdPercent);
      expect(tip.why).toMatch(/^Why: /);
      const reasons = tip.why.replace(/^Why: /, '').split(', ');
      if (tip.why !== 'Why: no single audio feature stands out') for (const r of reasons) expect(WHY_PHRASES, `"${r}" is a reason's words`).toContain(r);
      await playlist.page.mouse.move(5, 5);
      await expect.poll(async () => (await panel.tooltip()).open).toBe(false);
    }

    // By keyboard: from the list grid, Tab reaches the first row's badge, then the next.
    await playlist.page.locator('[data-testid="playlist-tracklist"]').focus();
    await playlist.page.keyboard.press('Tab');
    await expect.poll(async () => (await panel.tooltip()).trackId).toBe(rows[0]?.trackId);
    await playlist.page.keyboard.press('Tab');
    await expect.poll(async () => (await panel.tooltip()).trackId).toBe(rows[1]?.trackId);
    const second = expected.get(rows[1]?.trackId ?? '');
    if (second) expect((await panel.tooltip()).themes).toEqual(rankedThemes(second).slice(0, 3));
    await playlist.page.keyboard.press('Escape');
    await expect.poll(async () => (await panel.tooltip()).open).toBe(false);

    // Uncertain rows show their two most probable themes.
    for (const row of rows.filter((r) => r.status === 'uncertain')) {
      const cli = expected.get(row.trackId);
      if (!cli) throw new Error(`no CLI row for ${row.trackId}`);
      const [first, next] = rankedThemes(cli);
      expect(row.label, `uncertain row ${row.position}`).toBe(`?${getTheme(first?.[0] ?? '').name} · ${getTheme(next?.[0] ?? '').name}`);
    }
  });
});

test.describe('the occasion panel (issue 11)', () => {
  test('on a 1,000-row list: whole-list analysis, profile, filter while scrolling reused rows, sort view, copy links and CSV', async ({ context }) => {
    test.setTimeout(240_000);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: SPOTIFY_ORIGIN });
    const all = syntheticTracks(1000, 'e2e-panel-1000');
    // Some tracks the provider does not know, one with a right-to-left title and one with CSV's special characters.
    const tracks = all.map((t, i) =>
      i % 97 === 13 ? { ...t, features: undefined } : i === 3 ? { ...t, title: 'أغنية "الليل", مساءً' } : i === 5 ? { ...t, title: '=cmd, "quoted"\ttab' } : t,
    );
    const expected = classifyWithCli(tracks);
    await new FakeReccoBeats(featureTable(tracks)).install(context);
    const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX7777777777772', 'A Thousand Tracks', tracks);
    const panel = new OccasionPanel(playlist.spotify);
    await playlist.settledRows();
    await panel.open();

    // Before the analysis the profile claims only what was drawn.
    const before = await panel.coverage();
    expect(before.total).toBe(1000);
    expect(before.analysed).toBeLessThanOrEqual(ROW_POOL_SIZE);
    expect(before.text).toMatch(new RegExp(`^Analysed ${before.analysed} of 1000 tracks`));

    // Whole-list analysis from a scrolled position: 100 % coverage, and the user is put back.
    await panel.scrollTo(150);
    const analysis = await panel.analyseWholeList();
    expect(analysis.startedAt).toBeGreaterThan(0);
    expect(analysis.text).toBe('Read all 1000 tracks.');
    expect(await panel.scrollTop()).toBe(analysis.startedAt);
    await expect.poll(async () => (await panel.coverage()).analysed, { timeout: 60_000 }).toBe(1000);

    // The profile equals the aggregate of npm run classify.
    const cli = cliProfile(tracks, expected);
    const shown = await panel.themeCounts();
    const { enabled } = bundledModelDefaults();
    expect(Object.keys(shown).sort()).toEqual([...enabled].sort());
    for (const theme of enabled) expect(shown[theme], `${theme} count`).toBe(cli.counts[theme] ?? 0);
    // Each theme's mean probability, rounded to a whole percent (the CLI prints 6 decimals).
    const means = await panel.themeMeans();
    for (const theme of enabled) expect(Math.abs((means[theme] ?? NaN) - (cli.means[theme] ?? NaN) * 100), `${theme} mean: ${means[theme]} % shown`).toBeLessThanOrEqual(0.5 + 1e-3);
    const coverage = await panel.coverage();
    expect(coverage.text).toBe(`Analysed 1000 of 1000 tracks · ${cli.uncertain} uncertain · ${cli.unknown} unknown`);

    // The sort view ranks by the CLI's probability among the enabled themes.
    const sortTheme = enabled[0] ?? 'workout';
    const ranked = await panel.ranked(sortTheme);
    const byCli = tracks
      .flatMap((t, i) => {
        const row = expected.get(t.id);
        return row ? [{ id: t.id, p: amongEnabled(row, sortTheme), i }] : [];
      })
      .sort((a, b) => b.p - a.p || a.i - b.i);
    expect(ranked).toHaveLength(50);
    expect(ranked.slice(0, 10)).toEqual(byCli.slice(0, 10).map((x) => x.id));

    // Filter on the two most frequent themes: exactly the rows of other themes are dimmed, on
    // every screen of the list while scrolling, with row elements reused for other tracks.
    const picked = Object.entries(cli.counts)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([t]) => t);
    // Pressed in reverse catalogue order, they are named in catalogue order (the buttons' order).
    const inCatalogueOrder = THEME_IDS.filter((t) => picked.includes(t));
    for (const t of [...inCatalogueOrder].reverse()) await panel.toggleTheme(t);
    await expect(panel.filterNote()).toHaveText(`Showing ${inCatalogueOrder.map((t) => getTheme(t).name).join(', ')}: other rows are dimmed. Press again to clear.`);
    const walk = await checkWholeList(playlist.spotify, tracks.length, expected, async (rows) => {
      const shown = (row: RenderedRow, dimmed: boolean): string => `row ${row.position} (${row.trackId}) ${dimmed ? 'dimmed' : 'lit'}`;
      expect(rows.map((row) => shown(row, row.dimmed))).toEqual(rows.map((row) => shown(row, !ofThemes(row.trackId, picked, expected))));
    });
    expect(walk.positions.size).toBe(1000);
    expect(walk.reusedElements).toBeGreaterThan(0);

    // Copy links: the selection in list order, one link per line.
    const selection = tracks.filter((t) => ofThemes(t.id, picked, expected));
    expect(await panel.copyLinks()).toBe(selection.map((t) => `https://open.spotify.com/track/${t.id}`).join('\n'));

    // Export CSV: parse it back.
    const { fileName, text } = await panel.exportCsv();
    expect(fileName).toBe('A Thousand Tracks - occasions.csv');
    const records: Record<string, string>[] = parse(text, { columns: true, bom: true });
    expect(records.map((r) => r.track_id)).toEqual(selection.map((t) => t.id));
    // Every record's columns, then its probabilities within 5e-7 of the CLI's (as toBeCloseTo(p, 6)):
    // one assertion each over all records, whose diff or list names the records that differ.
    const byId = new Map(tracks.map((t, i) => [t.id, { t, i }]));
    const columns = ['track_id', 'position', 'title', 'artists', 'duration_ms', 'status', 'theme', 'feature_source'] as const;
    const cliRows = records.map((r) => {
      const { t, i } = byId.get(r.track_id ?? '') ?? {};
      const row = expected.get(r.track_id ?? '');
      if (!t || i === undefined || !row) throw new Error(`unexpected CSV row ${JSON.stringify(r)}`);
      return { t, i, row };
    });
    expect(records.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]])))).toEqual(
      cliRows.map(({ t, i, row }) => ({ track_id: t.id, position: String(i + 1), title: asExported(t.title), artists: t.artist, duration_ms: t.durationMs === null ? '' : String(t.durationMs), status: 'ok', theme: row.theme, feature_source: 'ReccoBeats' })),
    );
    const farFromCli = cliRows.flatMap(({ t, row }, n) =>
      Object.entries(row.probabilities).flatMap(([label, p]) => {
        const csv = records[n]?.[`p_${label}`];
        return Math.abs(Number(csv) - p) < 5e-7 ? [] : [`${t.id} p_${label}: CSV ${csv}, CLI ${p}`];
      }),
    );
    expect(farFromCli, 'CSV probabilities 5e-7 or more from the CLI').toEqual([]);
    // Without a filter the export holds every track, special characters intact.
    for (const t of picked) await panel.toggleTheme(t);
    const everything: Record<string, string>[] = parse((await panel.exportCsv()).text, { columns: true, bom: true });
    expect(everything).toHaveLength(1000);
    expect(everything[3]?.title).toBe('أغنية "الليل", مساءً');
    // A cell that a spreadsheet would run as a formula is kept as text (a leading apostrophe).
    expect(everything[5]?.title).toBe(`'=cmd, "quoted"\ttab`);
    expect(everything[13]).toMatchObject({ status: 'unknown', theme: '', feature_source: '' });
    // No filter: no row is dimmed.
    expect((await playlist.renderedRows()).filter((r) => r.dimmed)).toEqual([]);
  });

  test('open or closed is remembered across pages and reloads; closing lights every row; cancelling an analysis restores the scroll', async ({ context }) => {
    const first = syntheticTracks(300, 'e2e-panel-first');
    const second = syntheticTracks(30, 'e2e-panel-second');
    const expected = classifyWithCli([...first, ...second]);
    await new FakeReccoBeats(featureTable([...first, ...second])).install(context);
    const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX7777777777773', 'Remembered', first);
    const panel = new OccasionPanel(playlist.spotify);
    await playlist.settledRows();
    expect(await panel.isOpen()).toBe(false);
    await panel.open();

    // Cancel a whole-list analysis: it stops, and the scroll position is the user's again.
    const start = await panel.startAnalysis();
    await panel.host.locator('.progress', { hasText: /Reading the list: \d+/ }).waitFor();
    // Pressed without scrolling to it (the list moves under the pointer while it is read).
    await panel.host.locator('button.cancel').dispatchEvent('click');
    await expect(panel.host.locator('.progress')).toHaveText(/^Stopped after \d+ tracks\.$/);
    expect(await panel.scrollTop()).toBe(start);
    const coverage = await panel.coverage();
    expect(coverage.total).toBe(300);

    // A filter dims rows; closing the panel lights them all again.
    const rows = await playlist.settledRows();
    const theme = rows.map((r) => (r.status === 'ok' ? r.theme : null)).find((t) => t !== null) ?? 'chill';
    await panel.toggleTheme(theme);
    await expect.poll(async () => (await playlist.renderedRows()).some((r) => r.dimmed)).toBe(true);
    await panel.close();
    await expect.poll(async () => (await playlist.renderedRows()).filter((r) => r.dimmed).length).toBe(0);
    await panel.open();

    // Another playlist in the app: the panel is there and open, with that list's tracks.
    await playlist.navigateInApp('37i9dQZF1DX7777777777774', 'Next Page', second);
    await playlist.settledRows();
    await expect.poll(() => panel.isOpen()).toBe(true);
    await expect.poll(async () => (await panel.coverage()).total).toBe(30);
    expect(await panel.host.count()).toBe(1);
    // After a reload: still open. Closed, then reloaded: closed.
    await playlist.page.reload();
    await playlist.settledRows();
    await expect.poll(() => panel.isOpen()).toBe(true);
    await panel.close();
    await playlist.page.reload();
    await playlist.settledRows();
    await expect(panel.host.locator('button.toggle')).toHaveAttribute('aria-expanded', 'false');
    expect(expected.size).toBe(330);
  });

  test('albums and Liked Songs get the bar above their list; artist, search and queue pages do not', async ({ context }) => {
    const tracks = syntheticTracks(30, 'e2e-panel-pages');
    const expected = classifyWithCli(tracks);
    await new FakeReccoBeats(featureTable(tracks)).install(context);
    for (const [spec, list] of [
      [{ kind: 'album', id: '4aawyAB9vmqN3uQ7FjRGTy', name: 'An Album', tracks }, 'track-list'],
      [{ kind: 'liked', tracks }, 'playlist-tracklist'],
    ] as const) {
      const spotify = await SpotifyPage.open(context, spec);
      const panel = new OccasionPanel(spotify);
      await spotify.settledRows();
      // Right before the list's grid.
      expect(await spotify.page.evaluate((testId) => document.querySelector(`[data-testid="${testId}"]`)?.previousElementSibling?.localName, list)).toBe('playlist-predictor-panel');
      await panel.open();
      await expect.poll(async () => (await panel.coverage()).total).toBe(30);
      expect((await panel.analyseWholeList()).text).toBe('Read all 30 tracks.');
      await expect.poll(async () => (await panel.coverage()).analysed).toBe(30);
      const counts = await panel.themeCounts();
      const cli = cliProfile(tracks, expected);
      for (const [theme, count] of Object.entries(cli.counts)) expect(counts[theme], `${spec.kind}: ${theme}`).toBe(count);
      await panel.close();
      await spotify.page.close();
    }
    for (const spec of [
      { kind: 'artist', id: '0TnOYISbd1XYRBk9myaseg', name: 'An Artist', tracks: tracks.slice(0, 10) },
      { kind: 'queue', tracks },
      { kind: 'search-tracks', query: 'synthetic', tracks },
    ] as const) {
      const spotify = await SpotifyPage.open(context, spec);
      await spotify.settledRows();
      expect(await spotify.page.locator('playlist-predictor-panel').count(), spec.kind).toBe(0);
      await spotify.page.close();
    }
  });

  test('the toolbar popup shows the open tab\'s list: the same profile, from the content script\'s report (no tabs permission), also after the background was stopped', async ({ context, extensionId }) => {
    const tracks = syntheticTracks(30, 'e2e-popup-profile');
    const expected = classifyWithCli(tracks);
    await new FakeReccoBeats(featureTable(tracks)).install(context);
    const playlist = await SpotifyPlaylistPage.open(context, '37i9dQZF1DX7777777777775', 'Popup Profile', tracks);
    const rows = await playlist.settledRows();
    const popup = await PopupPage.open(context, extensionId);
    // The real popup opens over the Spotify tab: make that tab the active one, then load the popup.
    await playlist.page.bringToFront();
    const cli = cliProfile(
      tracks.filter((t) => rows.some((r) => r.trackId === t.id)),
      expected,
    );
    const coverage = `Analysed ${rows.length} of 30 tracks${cli.uncertain > 0 ? ` · ${cli.uncertain} uncertain` : ''}${cli.unknown > 0 ? ` · ${cli.unknown} unknown` : ''}`;
    await expect.poll(() => popup.reloadedTabCoverage(), { timeout: 20_000 }).toBe(coverage);
    await expect(popup.page.getByRole('heading', { name: 'Popup Profile' })).toBeVisible();
    for (const [theme, count] of Object.entries(cli.counts)) {
      await expect(popup.page.locator(`.tab-themes button[data-theme="${theme}"]`)).toHaveAttribute('data-count', String(count));
      // Its tooltip says what the number counts.
      await expect(popup.page.locator(`.tab-themes button[data-theme="${theme}"]`)).toHaveAttribute('title', new RegExp(`^${getTheme(theme).name}: ${count} tracks with a confident badge`));
    }
    // Each theme's bar is as long as its count against the largest count, within 1 px.
    const bars = await popup.page.locator('.tab-themes button').evaluateAll((buttons) =>
      buttons.map((button) => ({
        theme: button.getAttribute('data-theme'),
        count: Number(button.getAttribute('data-count')),
        track: button.querySelector('.tab-bar')?.getBoundingClientRect().width ?? 0,
        fill: button.querySelector('.tab-bar > span')?.getBoundingClientRect().width ?? 0,
      })),
    );
    const largest = Math.max(...bars.map((b) => b.count));
    expect(bars.length, 'theme bars').toBeGreaterThan(1);
    expect(Math.min(...bars.map((b) => b.track)), 'the narrowest bar track, px').toBeGreaterThan(100);
    expect(bars.filter((b) => Math.abs(b.fill - (b.track * b.count) / largest) > 1), 'bars not proportional to their count').toEqual([]);
    // Export CSV of the most common theme: one record per track the profile counts for it.
    const top = bars.reduce((a, b) => (b.count > a.count ? b : a));
    await expect(popup.page.getByTestId('tab-pick-note'), 'before a theme is pressed').toContainText('every track of the list');
    const csv = await popup.exportTabCsv(top.theme ?? '');
    await expect(popup.page.getByTestId('tab-pick-note'), 'after a theme is pressed').toHaveText(new RegExp(`^Picked: ${getTheme(top.theme ?? '').name}\\.`));
    expect(csv.fileName).toBe('Popup Profile - occasions.csv');
    const records: Record<string, string>[] = parse(csv.text, { columns: true, bom: true });
    expect(records.map((r) => r.theme)).toEqual(Array.from({ length: top.count }, () => top.theme));

    // Chrome stops a service worker after 30 s without events, and with it what the tabs
    // reported; the tab, whose list has not changed, has no reason to report again. Opened then,
    // the popup still shows the tab's list.
    await stopServiceWorker(context, playlist.page);
    await popup.page.reload();
    await expect(popup.page.getByTestId('tab-coverage')).toHaveText(coverage, { timeout: 5_000 });
    await expect(popup.page.getByRole('heading', { name: 'Popup Profile' })).toBeVisible();
    expect(JSON.parse(readFileSync(resolve('.output/chrome-mv3/manifest.json'), 'utf8')).permissions).not.toContain('tabs');
  });
});
