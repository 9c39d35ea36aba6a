import { useState } from 'react';
import type { ListReport } from '@/lib/shared/messaging';
import { csvFileName, selectionCsv } from '@/lib/shared/occasions/export';
import { coverageText, profileOf, profileThemes, type ListedResult } from '@/lib/shared/occasions/profile';
import { pickedInOrder, selectionOf, trackLinks } from '@/lib/shared/occasions/selection';
import { getTheme, THEME_IDS, type ThemeId } from '@/model/themes';
import { errorMessage } from '@/lib/shared/error-message';

/** Props of {@link TabProfile}; effects are callbacks. */
export interface TabProfileProps {
  /** The list the active Spotify tab reported. */
  readonly report: ListReport;
  /** The user's enabled themes (`undefined` until the settings are read: the themes the answers rank). */
  readonly enabled?: readonly ThemeId[];
  /** The user's colour per theme. */
  readonly colors: Readonly<Partial<Record<ThemeId, string>>>;
  readonly copy: (text: string) => Promise<void>;
  readonly download: (fileName: string, text: string) => void;
  /** Opens the save confirmation window for the selection. */
  readonly save: (request: { listName: string; themes: ThemeId[]; tracks: { trackId: string; name: string; artists: string[] }[] }) => Promise<void>;
}

/**
 * The popup's view of the open Spotify tab's list (issue 12): the same profile as the page's
 * occasion panel (tracks per theme, coverage that never claims more than was read), theme buttons
 * that pick the selection, and copy links, export CSV and save as playlist for it.
 */
export function TabProfile({ report, enabled, colors, copy, download, save }: TabProfileProps) {
  const [picked, setPicked] = useState<ReadonlySet<ThemeId>>(new Set());
  const [done, setDone] = useState<string>();
  const items: ListedResult[] = report.items.map(({ state, ...track }) => ({ track, state }));
  const themes = profileThemes(items, enabled);
  const labels = THEME_IDS.filter((t) => items.some(({ state }) => state.status === 'ok' && t in state.probabilities));
  const profile = profileOf(items, themes, report.total);
  const selection = selectionOf(items, picked);
  const largest = Math.max(1, ...profile.themes.map((t) => t.count));
  const toggle = (theme: ThemeId): void => {
    const next = new Set(picked);
    if (next.has(theme)) next.delete(theme);
    else next.add(theme);
    setPicked(next);
  };
  const n = selection.length;
  return (
    <section className="tab-profile" aria-label="The list in this tab">
      <h2>{report.listName}</h2>
      <p className="muted small" data-testid="tab-coverage">
        {coverageText(profile)}
      </p>
      <ul className="tab-themes">
        {profile.themes.map(({ theme, count }) => (
          <li key={theme}>
            <button aria-pressed={picked.has(theme)} onClick={() => toggle(theme)} data-theme={theme} data-count={count} title={`${getTheme(theme).name}: ${count} tracks with a confident badge`}>
              <span className="name">{getTheme(theme).name}</span>
              <span className="tab-bar" aria-hidden="true">
                <span style={{ width: `${(count / largest) * 100}%`, background: colors[theme] ?? getTheme(theme).color }} />
              </span>
              <span className="count">{count}</span>
            </button>
          </li>
        ))}
      </ul>
      <p className="muted small" data-testid="tab-pick-note">
        {picked.size === 0
          ? 'Press a theme to pick its tracks (confident badges only); with none pressed, the buttons below take every track of the list.'
          : `Picked: ${pickedInOrder(picked)
              .map((t) => getTheme(t).name)
              .join(', ')}. Press a theme again to drop it.`}
      </p>
      <div className="tab-actions">
        <button disabled={n === 0} onClick={() => void copy(trackLinks(selection)).then(() => setDone(`Copied ${new Set(selection.map((s) => s.track.trackId)).size} links.`), (e: unknown) => setDone(`Could not copy (${errorMessage(e)}).`))}>
          Copy links ({n})
        </button>
        <button disabled={n === 0} onClick={() => download(csvFileName(report.listName), selectionCsv(selection, labels))}>
          Export CSV ({n})
        </button>
        <button
          disabled={n === 0}
          onClick={() =>
            void save({ listName: report.listName, themes: pickedInOrder(picked), tracks: selection.map(({ track }) => ({ trackId: track.trackId, name: track.name, artists: [...track.artists] })) }).then(
              () => setDone('Confirm in the save window.'),
              (e: unknown) => setDone(`Could not open the save window (${errorMessage(e)}).`),
            )
          }
        >
          Save as playlist… ({n})
        </button>
      </div>
      {done && (
        <p role="status" className="small">
          {done}
        </p>
      )}
    </section>
  );
}
