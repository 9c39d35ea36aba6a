import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorMessage } from '../lib/shared/error-message';
import { dataFolderProblem } from './data';
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

/**
 * `raw`, the value given for `--<name>`, as an integer (≥ 1 when `positive`), or undefined when
 * the option was not given. Only decimal digits with an optional sign are read, within
 * `Number.MAX_SAFE_INTEGER`: `Number` alone would read '' and ' ' as 0, '0x10' as 16 and '1e21'
 * as a number whose `String` (the seeded generator's key, training/split.ts) is not its digits.
 * @throws CliUsageError `--<name> must be an integer, got "<raw>"` (or "a positive integer").
 */
export function integerOption(name: string, raw: string | undefined, { positive = false }: { readonly positive?: boolean } = {}): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^[+-]?\d+$/.test(raw) || !Number.isSafeInteger(n) || (positive && n < 1)) {
    throw new CliUsageError(`--${name} must be ${positive ? 'a positive integer' : 'an integer'}, got "${raw}"`);
  }
  return n;
}

/**
 * `raw`, the value given for `--data`: the training data folder, required and laid out as
 * training/data.ts `DATA_LAYOUT` says (checked with `dataFolderProblem`, without reading the data).
 * @throws CliUsageError "--data is required: …" when it was not given, or `dataFolderProblem`'s
 *   message (every missing path named) when the folder is not training data.
 */
export function dataFolderOption(raw: string | undefined): string {
  if (!raw) throw new CliUsageError('--data is required: the folder with the training data');
  const problem = dataFolderProblem(raw);
  if (problem !== null) throw new CliUsageError(problem);
  return raw;
}
