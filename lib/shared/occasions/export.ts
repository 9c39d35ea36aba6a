import { stringify } from 'csv-stringify/browser/esm/sync';
import { badgeStatus } from '@/lib/shared/badge-look';
import { PROVIDER_NAMES } from '@/lib/shared/providers';
import type { ThemeId } from '@/model/themes';
import type { ListedResult } from './profile';

/**
 * The panel's CSV export (issue 11), written with csv-stringify (csv.js.org), the library the
 * `npm run classify` CLI writes with: RFC 4180 quoting of commas, quotes and line breaks, every
 * character kept as it is (right-to-left titles included), and `escape_formulas` so a title such
 * as `=HYPERLINK(…)` stays text when the file is opened in a spreadsheet (a leading `'` is added
 * to cells starting with `=`, `+`, `-`, `@`, tab or carriage return; OWASP, "CSV Injection").
 */

/** The export's columns before the per-theme probabilities. */
export const CSV_COLUMNS = ['position', 'track_id', 'title', 'artists', 'duration_ms', 'status', 'theme', 'feature_source'] as const;

/**
 * The CSV of `items` in list order: {@link CSV_COLUMNS}, then `p_<theme>` for each of `labels`
 * (the model's probability, 6 decimals, as `npm run classify` prints it). `position` is 1-based;
 * `artists` joins the names with `, `; `duration_ms` is empty when the row showed none; `status`
 * is the badge's (`ok`, `uncertain`, `unknown`, `loading`, `error`); `theme` is the badge's best
 * theme (also when uncertain), empty without audio features, as are the probabilities;
 * `feature_source` names the provider. The text starts with a UTF-8 byte order mark, which
 * spreadsheet programs need to read non-Latin titles right.
 */
export function selectionCsv(items: readonly ListedResult[], labels: readonly ThemeId[]): string {
  const header = [...CSV_COLUMNS, ...labels.map((l) => `p_${l}`)];
  const rows = items.map(({ track, state }) => {
    const ok = state.status === 'ok' ? state : undefined;
    return [
      String(track.position + 1),
      track.trackId,
      track.name,
      track.artists.join(', '),
      track.durationMs === undefined ? '' : String(track.durationMs),
      badgeStatus(state),
      ok?.theme ?? '',
      ok ? PROVIDER_NAMES[ok.provider] : '',
      ...labels.map((l) => (ok ? (ok.probabilities[l] ?? 0).toFixed(6) : '')),
    ];
  });
  return stringify([header, ...rows], { bom: true, escape_formulas: true, record_delimiter: 'windows' });
}

/** The MIME type of {@link selectionCsv}'s file: CSV (RFC 4180 §3, `text/csv`) in UTF-8. */
export const CSV_MIME_TYPE = 'text/csv;charset=utf-8';

/** A file name for the export of `listName`: what a file system accepts, at most 100 characters, ending in `.csv`. */
export function csvFileName(listName: string): string {
  // Control characters and the characters Windows, macOS or Linux refuse in names.
  // eslint-disable-next-line no-control-regex
  const safe = listName.replace(/[\u0000-\u001f\u007f<>:"/\\|?*]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 80);
  return `${safe === '' ? 'Spotify list' : safe} - occasions.csv`;
}
