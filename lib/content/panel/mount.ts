import { MAX_SAVE_TRACKS } from '@/lib/shared/save-limits';
import type { TrackId } from '@/lib/shared/track-id';
import { getTheme, THEME_IDS, type ThemeId } from '@/model/themes';
import type { ListedTrack } from '../list-tracker';
import { apiListOf } from '../page-type';
import type { PanelDeps } from '../panel-loader';
import { analyseWholeList } from './analysis';
import { keepRowsDimmed } from './dimming';
import { createPendingRun } from '../pending-run';
import { downloadText } from '@/lib/shared/download';
import { CSV_MIME_TYPE, csvFileName, selectionCsv } from '@/lib/shared/occasions/export';
import { apiReadSummary, coverageText, isComplete, profileOf, profileThemes, type ListedResult, type ListProfile } from '@/lib/shared/occasions/profile';
import { pickedInOrder, rankByTheme, selectionOf, trackLinks, trackUrl } from '@/lib/shared/occasions/selection';
import { errorMessage } from '@/lib/shared/error-message';

/**
 * The occasion panel (issue 11), drawn with plain DOM into the bar's shadow root: the list's
 * profile (tracks per theme as a bar chart in SVG, mean probabilities, coverage), the filter
 * (theme buttons; rows of other themes are dimmed on the page), the sort view (the list ranked by
 * one theme), copy links and export CSV of the selection, and "Analyse whole list". While it is
 * mounted it watches every listed track in the results store, so tracks scrolled past are
 * answered too; unmounting (closing the panel, leaving the page) undoes all of it.
 *
 * Public markup inside `div.body`: `p.coverage[data-analysed][data-total]`,
 * `button.theme[data-theme][data-count][aria-pressed]` (its `span.mean`: the mean probability,
 * "12 %"), `p.legend`, `button.analyse`, `button.cancel`,
 * `[role=status].progress`, `button.copy`, `button.export`, `button.save` (issue 12: opens the
 * save confirmation window), `[role=status].done`,
 * `select.sort`, `ol.ranked > li[data-track-id] > a`.
 */

/** Most tracks the sort view lists. */
export const RANKED_LIMIT = 50;

/**
 * Least time between two redraws of the profile and the sort view caused by answers, newly drawn
 * rows or settings, in ms; a theme or sort choice redraws at once. While "Analyse whole list"
 * scrolls, answers and new rows come several times per screen: with a redraw for each, a
 * 1,000-track walk took 13.9 s, with at most four a second 9.9–13.0 s (`npm run bench:analysis`,
 * 2026-12-07; README, "The occasion panel"). The rows' dimming is not held back.
 */
export const REDRAW_INTERVAL_MS = 250;

const PANEL_CSS = `
.content { display: grid; gap: 12px; padding: 4px 8px 12px; }
.coverage { margin: 0; color: #b3b3b3; font-size: 13px; }
.themes { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 4px 16px; }
.theme { all: unset; box-sizing: border-box; width: 100%; cursor: pointer; display: grid; grid-template-columns: 84px 1fr 40px 64px; align-items: center; gap: 8px; padding: 4px 8px; border-radius: 4px; color: #fff; font-size: 13px; }
.theme:hover { background: rgb(255 255 255 / 10%); }
.theme:focus-visible { outline: 2px solid #fff; }
.theme[aria-pressed="true"] { background: rgb(255 255 255 / 16%); box-shadow: inset 3px 0 0 var(--theme-color); }
.theme .name { font-weight: 700; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.theme svg { width: 100%; height: 8px; }
.theme .count { text-align: right; font-variant-numeric: tabular-nums; }
.theme .mean { color: #b3b3b3; text-align: right; font-variant-numeric: tabular-nums; }
.legend, .filter-note { margin: 0; color: #b3b3b3; font-size: 12px; }
.actions { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.actions button, .sort { all: unset; cursor: pointer; padding: 4px 12px; border-radius: 500px; border: 1px solid #7c7c7c; font-size: 13px; font-weight: 700; color: #fff; }
.actions button:hover { border-color: #fff; }
.actions button:focus-visible, .sort:focus-visible { outline: 2px solid #fff; outline-offset: 1px; }
.actions button:disabled { cursor: default; color: #7c7c7c; border-color: #3e3e3e; }
.actions button[hidden] { display: none; }
.status { color: #b3b3b3; font-size: 13px; }
.ranking { display: grid; gap: 4px; }
.ranking label { color: #b3b3b3; font-size: 13px; display: flex; align-items: center; gap: 8px; }
.sort { padding: 2px 8px; border-radius: 4px; background: #282828; }
.ranked { margin: 0; padding: 0 0 0 28px; max-height: 220px; overflow: auto; font-size: 13px; color: #b3b3b3; }
.ranked li { padding: 2px 0; }
.ranked a { color: #fff; text-decoration: none; }
.ranked a:hover, .ranked a:focus-visible { text-decoration: underline; }
.ranked .p { color: #b3b3b3; margin-left: 8px; font-variant-numeric: tabular-nums; }
.more { margin: 0; color: #b3b3b3; font-size: 12px; }
`;

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Draws the panel (see the module comment) into `body` until `deps.signal` aborts. */
export function mountOccasionPanel(body: HTMLElement, deps: PanelDeps): void {
  const { doc, store, tracker, signal } = deps;
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] => {
    const e = doc.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  const style = el('style');
  style.textContent = PANEL_CSS;
  const content = el('div', 'content');
  // Not a live region: it changes with every answer while a list is read; `.progress` reports the reading.
  const coverage = el('p', 'coverage');
  const themeList = el('ul', 'themes');
  themeList.setAttribute('aria-label', 'Tracks per theme; press a theme to filter the list by it');
  // What the two numbers of a theme are: the count and its bar would otherwise read as the share.
  const legend = el('p', 'legend', 'Number and bar: tracks with a confident badge of the theme. %: its mean probability over the tracks with audio features.');
  const filterNote = el('p', 'filter-note');
  const analyse = el('button', 'analyse', 'Analyse whole list');
  const cancel = el('button', 'cancel', 'Cancel');
  cancel.hidden = true;
  const progress = el('span', 'status progress');
  progress.setAttribute('role', 'status');
  const copy = el('button', 'copy');
  const exportCsv = el('button', 'export');
  const save = el('button', 'save');
  const readApi = el('button', 'read-api', 'Read with Spotify…');
  readApi.title = 'Read the whole list through your Spotify account (confirmed in an extension window)';
  const done = el('span', 'status done');
  done.setAttribute('role', 'status');
  for (const b of [analyse, readApi, cancel, copy, exportCsv, save]) b.type = 'button';
  const actions = el('div', 'actions');
  /** The list as Spotify's Web API names it, for "Read with Spotify…" (none on other pages). */
  const apiList = apiListOf(deps.pageType.id, doc.location.pathname);
  readApi.hidden = apiList === undefined;
  actions.append(analyse, readApi, cancel, progress, copy, exportCsv, save, done);
  const sort = el('select', 'sort');
  sort.setAttribute('aria-label', 'Rank the list by theme');
  const sortLabel = el('label');
  sortLabel.append('Most', sort, 'first');
  const ranked = el('ol', 'ranked');
  const more = el('p', 'more');
  const ranking = el('div', 'ranking');
  ranking.append(sortLabel, ranked, more);
  content.append(coverage, themeList, legend, filterNote, actions, ranking);
  body.replaceChildren(style, content);

  /** Picked themes (the filter) and the sort view's theme (the user's choice, once made). */
  const picked = new Set<ThemeId>();
  let sortTheme: ThemeId | undefined;
  /** Listed tracks watched in the store (so tracks scrolled past are answered too). */
  const watched = new Set<TrackId>();

  const items = (): ListedResult[] => tracker.tracks().map((track) => ({ track, state: store.state(track.trackId) }));
  /** The themes to show: the user's enabled themes, else the themes the answers rank (the model's defaults), in catalogue order. */
  const shownThemes = (all: readonly ListedResult[]): ThemeId[] => profileThemes(all, deps.enabledThemes() ?? undefined);
  /** The model's labels, from the answers' probabilities (for the CSV's columns). */
  const labelsOf = (all: readonly ListedResult[]): ThemeId[] => {
    const keys = new Set<string>();
    for (const { state } of all) if (state.status === 'ok') for (const k of Object.keys(state.probabilities)) keys.add(k);
    return THEME_IDS.filter((t) => keys.has(t));
  };
  const colorOf = (theme: ThemeId): string => deps.colors()[theme] ?? getTheme(theme).color;

  function renderThemes(profile: ListProfile): void {
    coverage.textContent = coverageText(profile);
    coverage.dataset.analysed = String(profile.analysed);
    coverage.dataset.total = profile.total === undefined ? '' : String(profile.total);
    coverage.dataset.complete = String(isComplete(profile));
    const largest = Math.max(1, ...profile.themes.map((t) => t.count));
    themeList.replaceChildren(
      ...profile.themes.map(({ theme, count, meanProbability }) => {
        const item = el('li');
        const button = el('button', 'theme');
        button.type = 'button';
        button.dataset.theme = theme;
        button.dataset.count = String(count);
        button.setAttribute('aria-pressed', String(picked.has(theme)));
        button.style.setProperty('--theme-color', colorOf(theme));
        const mean = Math.round(meanProbability * 100);
        const summary = `${getTheme(theme).name}: ${count} tracks with a confident badge, mean probability ${mean} %`;
        button.setAttribute('aria-label', summary);
        button.title = summary;
        const svg = doc.createElementNS(SVG_NS, 'svg');
        svg.setAttribute('viewBox', '0 0 100 8');
        svg.setAttribute('preserveAspectRatio', 'none');
        svg.setAttribute('aria-hidden', 'true');
        const track = doc.createElementNS(SVG_NS, 'rect');
        track.setAttribute('width', '100');
        track.setAttribute('height', '8');
        track.setAttribute('rx', '2');
        track.setAttribute('fill', 'rgb(255 255 255 / 10%)');
        const bar = doc.createElementNS(SVG_NS, 'rect');
        bar.setAttribute('width', String((count / largest) * 100));
        bar.setAttribute('height', '8');
        bar.setAttribute('rx', '2');
        bar.setAttribute('fill', colorOf(theme));
        svg.append(track, bar);
        button.append(el('span', 'name', getTheme(theme).name), svg, el('span', 'count', String(count)), el('span', 'mean', `${mean} %`));
        button.addEventListener('click', () => {
          if (picked.has(theme)) picked.delete(theme);
          else picked.add(theme);
          render();
          refreshDimming();
        });
        item.append(button);
        return item;
      }),
    );
    // Keep keyboard focus on the theme the user just pressed across the redraw.
    const root = body.getRootNode();
    const focused = root instanceof ShadowRoot ? root.activeElement : null;
    if (focused instanceof HTMLElement && focused.dataset.theme) themeList.querySelector<HTMLElement>(`button[data-theme="${focused.dataset.theme}"]`)?.focus();
    filterNote.textContent =
      picked.size === 0 ? 'Press a theme to dim the rows of other themes.' : `Showing ${pickedInOrder(picked).map((t) => getTheme(t).name).join(', ')}: other rows are dimmed. Press again to clear.`;
  }

  function renderRanking(all: readonly ListedResult[], themes: readonly ThemeId[], profile: ListProfile): void {
    const fallback = [...profile.themes].sort((a, b) => b.count - a.count)[0]?.theme;
    const theme = sortTheme && themes.includes(sortTheme) ? sortTheme : fallback;
    const options = themes.map((t) => {
      const option = el('option', undefined, getTheme(t).name);
      option.value = t;
      option.selected = t === theme;
      return option;
    });
    if (sort.options.length !== options.length || [...sort.options].some((o, i) => o.value !== options[i]?.value)) sort.replaceChildren(...options);
    if (theme) sort.value = theme;
    const order = theme ? rankByTheme(all, theme, themes) : [];
    ranked.replaceChildren(
      ...order.slice(0, RANKED_LIMIT).map(({ item, probability }) => {
        const li = el('li');
        li.dataset.trackId = item.track.trackId;
        const a = el('a', undefined, titleOf(item.track));
        a.href = trackUrl(item.track.trackId);
        li.append(a, el('span', 'p', `${Math.round(probability * 100)} %`));
        return li;
      }),
    );
    more.textContent = order.length > RANKED_LIMIT ? `Top ${RANKED_LIMIT} of ${order.length} tracks with audio features.` : '';
  }

  function renderActions(all: readonly ListedResult[]): void {
    const selection = selectionOf(all, picked);
    const n = selection.length;
    copy.textContent = `Copy links (${n})`;
    exportCsv.textContent = `Export CSV (${n})`;
    save.textContent = `Save as playlist… (${n})`;
    copy.disabled = n === 0;
    exportCsv.disabled = n === 0;
    save.disabled = n === 0;
  }

  /** The scheduled redraw and dimming refresh; when the last redraw ran (`performance.now()`). */
  const nextRedraw = createPendingRun();
  const nextDimming = createPendingRun();
  let lastRedraw = -Infinity;
  /** Draws the profile, the sort view and the actions' counts from the tracker and the store now. */
  function render(): void {
    nextRedraw.cancel();
    if (signal.aborted) return;
    lastRedraw = performance.now();
    const all = items();
    const themes = shownThemes(all);
    // One profile per redraw, for the theme buttons and the sort view's default theme.
    const profile = profileOf(all, themes, tracker.total());
    renderThemes(profile);
    renderRanking(all, themes, profile);
    renderActions(all);
  }
  /**
   * After answers, newly drawn rows or a settings change: the rows' dimming in a microtask, and
   * a redraw at most once per {@link REDRAW_INTERVAL_MS} (at once when the last one is older).
   */
  function schedule(): void {
    if (signal.aborted) return;
    nextDimming.later(() => refreshDimming(), 0);
    nextRedraw.later(render, lastRedraw + REDRAW_INTERVAL_MS - performance.now());
  }
  signal.addEventListener(
    'abort',
    () => {
      nextRedraw.cancel();
      nextDimming.cancel();
    },
    { once: true },
  );

  /** Watches every listed track not watched yet (their answers redraw the panel). */
  function watchListed(): void {
    for (const track of tracker.tracks()) {
      if (watched.has(track.trackId)) continue;
      watched.add(track.trackId);
      store.watch(track.trackId, schedule, { signal, seen: seenOf(track) });
    }
    schedule();
  }

  const refreshDimming = keepRowsDimmed({ doc, rows: () => deps.pageType.trackRows(doc), store, themes: () => picked, signal });
  tracker.subscribe(watchListed, signal);
  deps.onSettingsChange(schedule, signal);
  sort.addEventListener('change', () => {
    const value = THEME_IDS.find((t) => t === sort.value);
    if (value) sortTheme = value;
    render();
  });

  let analysis: AbortController | undefined;
  /** Reads the whole list by scrolling (see analysis.ts); `why` is said first when given (a refused API read). */
  const startAnalysis = (why?: string): void => {
    const scroller = deps.scroller();
    if (!scroller) {
      progress.textContent = 'Could not find the list’s scrolling area on this page.';
      return;
    }
    analysis = new AbortController();
    const walk = analysis;
    analyse.disabled = true;
    cancel.hidden = false;
    const prefix = why === undefined ? '' : `${why} `;
    progress.textContent = `${prefix}Reading the list…`;
    analyseWholeList({
      scroller,
      tracker,
      signal: AbortSignal.any([signal, walk.signal]),
      onProgress: (seen, total) => {
        progress.textContent = `${prefix}Reading the list: ${seen} of ${total ?? '?'} tracks`;
      },
    }).then(
      (end) => {
        if (signal.aborted) return;
        const seen = tracker.tracks().length;
        progress.textContent =
          prefix + (end === 'complete' ? `Read all ${seen} tracks.` : end === 'cancelled' ? `Stopped after ${seen} tracks.` : `Read ${seen} tracks; the page drew no more.`);
      },
      (error: unknown) => {
        progress.textContent = `Could not read the list (${errorMessage(error)}).`;
      },
    ).finally(() => {
      analyse.disabled = false;
      cancel.hidden = true;
      if (analysis === walk) analysis = undefined;
    });
  };
  analyse.addEventListener('click', () => startAnalysis());
  cancel.addEventListener('click', () => analysis?.abort());

  readApi.addEventListener('click', () => {
    if (!apiList) return;
    progress.textContent = 'Confirm in the Spotify window…';
    deps.prepareRead({ list: apiList, listName: deps.listName() }).catch((error: unknown) => {
      progress.textContent = `Could not open the window (${errorMessage(error)}).`;
    });
  });
  deps.onNotice((notice) => {
    if (!apiList || JSON.stringify(notice.list) !== JSON.stringify(apiList)) return;
    if (notice.type === 'playlist-predictor:list') {
      tracker.fill(notice.tracks);
      progress.textContent = apiReadSummary(notice.tracks.length, notice.total);
    } else {
      startAnalysis(notice.reason);
    }
  }, signal);

  copy.addEventListener('click', () => {
    const selection = selectionOf(items(), picked);
    const text = trackLinks(selection);
    const count = new Set(selection.map((s) => s.track.trackId)).size;
    doc.defaultView?.navigator.clipboard.writeText(text).then(
      () => {
        done.textContent = `Copied ${count} link${count === 1 ? '' : 's'}: paste them into a Spotify playlist.`;
      },
      (error: unknown) => {
        done.textContent = `Could not copy (${errorMessage(error)}).`;
      },
    );
  });

  exportCsv.addEventListener('click', () => {
    const all = items();
    const selection = selectionOf(all, picked);
    const csv = selectionCsv(selection, labelsOf(all));
    downloadText(csvFileName(deps.listName()), csv, CSV_MIME_TYPE, { parent: body });
    done.textContent = `Exported ${selection.length} track${selection.length === 1 ? '' : 's'}.`;
  });

  save.addEventListener('click', () => {
    const selection = selectionOf(items(), picked);
    done.textContent = 'Opening the save window…';
    deps
      .prepareSave({
        listName: deps.listName(),
        themes: pickedInOrder(picked),
        tracks: selection.slice(0, MAX_SAVE_TRACKS).map(({ track }) => ({ trackId: track.trackId, name: track.name, artists: [...track.artists] })),
      })
      .then(
        () => {
          done.textContent = 'Confirm in the save window.';
        },
        (error: unknown) => {
          done.textContent = `Could not open the save window (${errorMessage(error)}).`;
        },
      );
  });

  signal.addEventListener('abort', () => {
    analysis?.abort();
    body.replaceChildren();
  });
  tracker.update();
  watchListed();
}

/** "Title — Artist, Artist" for the sort view ("Track <id>" when the row showed no title). */
function titleOf(track: ListedTrack): string {
  const title = track.name === '' ? `Track ${track.trackId}` : track.name;
  return track.artists.length > 0 ? `${title} — ${track.artists.join(', ')}` : title;
}

/** What the row showed of a track, for the results store's request. */
function seenOf(track: ListedTrack): { trackId: TrackId; name: string; artists: string[]; durationMs?: number } {
  return { trackId: track.trackId, name: track.name, artists: [...track.artists], ...(track.durationMs === undefined ? {} : { durationMs: track.durationMs }) };
}
