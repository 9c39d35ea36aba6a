import { dirname } from 'node:path';
import { errorMessage } from '../lib/shared/error-message';

/**
 * The `code` Node puts on a system or argument error (`'ENOENT'`, `'ERR_PARSE_ARGS_UNKNOWN_OPTION'`;
 * https://nodejs.org/api/errors.html#errorcode), or undefined for any other value.
 */
export function errorCode(error: unknown): unknown {
  return error instanceof Error && 'code' in error ? error.code : undefined;
}

/**
 * Why the file or folder the user named (`named`) could not be read or written, in words: "no such
 * file or folder" (for a write: "no folder <its folder>"), "a folder, not a file", "permission
 * denied" (Node's `ENOENT`, `EISDIR`, `EACCES`/`EPERM`, which it reports as codes, sometimes
 * without the path; https://nodejs.org/api/errors.html#common-system-errors), followed by the path
 * concerned when it is another (a file inside the named folder); otherwise the error's message.
 * Used by every Node script that reads or writes a file the user named (`npm run classify`, the
 * training data's CSV files).
 * @param error what `fs` threw (any value; a non-`Error` gives its text).
 * @param named the path the user gave.
 * @param access whether the path was being read or written (a write's `ENOENT` means its folder is missing).
 */
export function describeFileError(error: unknown, named: string, access: 'read' | 'write' = 'read'): string {
  const code = errorCode(error);
  const path = error instanceof Error && 'path' in error && typeof error.path === 'string' && error.path !== named ? `: ${error.path}` : '';
  if (code === 'ENOENT') return access === 'write' ? `no folder ${dirname(named)}` : `no such file or folder${path}`;
  if (code === 'EISDIR') return `a folder, not a file${path}`;
  if (code === 'EACCES' || code === 'EPERM') return `permission denied${path}`;
  return errorMessage(error);
}
