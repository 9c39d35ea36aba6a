import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCliArgs } from './cli-args';
import { THEME_IDS } from '../model/themes';
import { CsvFileError } from './csv';
import { DATA_LAYOUT, dataFolderProblem, loadLabelledTracks } from './data';
import { errorMessage } from '../lib/shared/error-message';

/**
 * `npm run data:check -- --data <dir>` (issue 13): says whether a folder is usable training data
 * before a 9-minute training run finds out. Checks the layout ({@link DATA_LAYOUT}), then reads
 * every source as `npm run train` does and prints what it found: rows per source and their
 * licence, rows skipped as invalid, labelled tracks per theme, unlabelled tracks.
 * Exit codes: 0 usable; 2 usage or layout problem (one message and the usage line, no stack);
 * 1 a source that cannot be read (its error).
 */

/** The command line. */
export const DATA_CHECK_USAGE = 'Usage: npm run data:check -- --data <dir>';

/** The report of a usable folder, as printed (one line per fact). */
export function dataCheckReport(dataDir: string): string[] {
  const { tracks, stats } = loadLabelledTracks(dataDir);
  const lines = [`${dataDir}: usable training data (${DATA_LAYOUT.join(', ')})`];
  for (const s of stats.sources) lines.push(`  ${s.file}: ${s.rows} rows (${s.name}; licence: ${s.license})${stats.invalidRows[s.file] ? `, ${stats.invalidRows[s.file]} skipped as invalid` : ''}`);
  lines.push(`  labelled tracks: ${tracks.length} (${THEME_IDS.map((t) => `${t} ${stats.trackCounts[t]}`).join(', ')})`);
  lines.push(`  unlabelled tracks with audio features: ${stats.unlabelledTracks}; duplicate IDs merged: ${stats.duplicateIds}; ambiguous playlist names: ${stats.ambiguousPlaylists}`);
  return lines;
}

function main(argv: readonly string[]): number {
  let dir: string | undefined;
  try {
    dir = parseCliArgs(argv, { data: { type: 'string' } }, '--data').data;
  } catch (error) {
    console.error(`${errorMessage(error)}\n${DATA_CHECK_USAGE}`);
    return 2;
  }
  if (!dir) {
    console.error(`--data is required: the folder with the training data\n${DATA_CHECK_USAGE}`);
    return 2;
  }
  const dataDir = resolve(dir);
  const problem = existsSync(dataDir) ? dataFolderProblem(dataDir) : `Training data not found: ${dataDir} does not exist (expected ${DATA_LAYOUT.join(', ')} under --data)`;
  if (problem !== null) {
    console.error(`${problem}\n${DATA_CHECK_USAGE}`);
    return 2;
  }
  try {
    for (const line of dataCheckReport(dataDir)) console.log(line);
    return 0;
  } catch (error) {
    // A CSV error names its file already.
    console.error(error instanceof CsvFileError ? error.message : `${dataDir}: ${errorMessage(error)}`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
