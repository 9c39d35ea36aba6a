import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorMessage } from '../lib/shared/error-message';
import { errorCode } from './file-error';

/** The `options` of a `parseArgs` config (node:util does not export its name for them). */
type CliOptions = NonNullable<ParseArgsConfig['options']>;

/** A command line a CLI cannot use; the message says why in one line (callers add their usage line). */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/**
 * `parseArgs` (node:util) for the project's CLIs, strict, with their commonest mistakes in words:
 * a bare argument (`npm run train -- ../shared/data`) is named with the option it belongs to,
 * `bareMeans` (e.g. `--data`), and an unknown option is named without Node's remark on positional
 * arguments that start with `-`. Returns the parsed option values, typed as `parseArgs` types them.
 * @throws CliUsageError for a bare argument, an unknown option, or an option without its value
 *   (Node's message).
 */
export function parseCliArgs<const O extends CliOptions>(args: readonly string[], options: O, bareMeans: string) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = errorMessage(error);
    const code = errorCode(error);
    const unknown = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'(-[^']*)'/.exec(message)?.[1] : undefined;
    throw new CliUsageError(unknown === undefined ? message : `Unknown option '${unknown}'`, { cause: error });
  }
  const [bare] = parsed.positionals;
  if (bare !== undefined) throw new CliUsageError(`Unexpected argument '${bare}': give it with ${bareMeans} (${bareMeans} ${bare})`);
  return parsed.values;
}
