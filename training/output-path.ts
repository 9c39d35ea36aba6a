import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describeFileError, errorCode } from './file-error';

/**
 * Checks of the paths a long-running CLI will write (`npm run train`'s `--out` and `--report`,
 * the `explore:*` commands' `--out`), made before the run, so that a wrong path is said at once
 * instead of after minutes of work (it used to fail at the first write, with a stack).
 * Writable means `access(W_OK)` (https://nodejs.org/api/fs.html#fsaccesssyncpath-mode; as root
 * every path is).
 */

/** `path`'s stats, or undefined when it does not exist (`ENOENT`, or `ENOTDIR` when a parent is a file). @throws what else `stat` throws. */
function statIfAny(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** Why this process may not write in the existing `path`, or null. */
function writeProblem(path: string, option: string, what: string): string | null {
  try {
    accessSync(path, constants.W_OK);
    return null;
  } catch {
    return `--${option}: cannot write to the ${what} ${path} (permission denied)`;
  }
}

/**
 * Why `path` cannot be the output folder of option `--<option>`, or null when it can: it is a folder
 * this process may write, or it does not exist and its nearest existing parent is such a folder
 * (the run makes it).
 * @returns one sentence naming the option and the path concerned, e.g. "--out must be a folder:
 *   /x/README.md is a file".
 */
export function outputFolderProblem(path: string, option: string): string | null {
  const target = resolve(path);
  let existing = target;
  try {
    for (;;) {
      const stats = statIfAny(existing);
      if (stats !== undefined) {
        if (!stats.isDirectory()) return `--${option} must be a folder: ${existing} is a file${existing === target ? '' : `, so ${path} cannot be made`}`;
        return writeProblem(existing, option, 'folder');
      }
      const parent = dirname(existing);
      if (parent === existing) return null;
      existing = parent;
    }
  } catch (error) {
    return `--${option}: ${describeFileError(error, path, 'write')}`;
  }
}

/**
 * Why `path` cannot be the output file of option `--<option>`, or null when it can: a file this
 * process may write (it is replaced), or a new file in an existing folder it may write (the file is
 * written with `writeFileSync`, which makes no folder).
 * @returns one sentence naming the option and the path concerned, e.g. "--out must be a file:
 *   /x/training is a folder".
 */
export function outputFileProblem(path: string, option: string): string | null {
  const target = resolve(path);
  try {
    const stats = statIfAny(target);
    if (stats !== undefined) return stats.isDirectory() ? `--${option} must be a file: ${target} is a folder` : writeProblem(target, option, 'file');
    const folder = dirname(target);
    const folderStats = statIfAny(folder);
    if (folderStats === undefined || !folderStats.isDirectory()) return `--${option}: no folder ${folder} to write ${path} in`;
    return writeProblem(folder, option, 'folder');
  } catch (error) {
    return `--${option}: ${describeFileError(error, path, 'write')}`;
  }
}
