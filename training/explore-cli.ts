import { CliUsageError, integerOption, parseCliArgs } from './cli-args';
import { errorMessage } from '../lib/shared/error-message';
import { dataFolderProblem } from './data';
import { outputFileProblem } from './output-path';
import { DEFAULT_TRAIN_OPTIONS } from './model';

/** The options every `npm run explore:*` command takes. */
export interface ExploreArgs {
  /** The training data folder (`--data`, required; checked with `dataFolderProblem`). */
  readonly data: string;
  /** Where to write the Markdown table (`--out`), if anywhere. */
  readonly out?: string;
  /** The seed of the split and folds (`--seed`, default `npm run train`'s). */
  readonly seed: number;
}

/**
 * Parses `args` as `--data <dir> [--out <file.md>] [--seed <int>]`. On a mistake (unknown flag,
 * no or unusable `--data`, a seed that is not an integer ({@link integerOption}), an `--out` that
 * cannot be written, `outputFileProblem`) it prints `npm run <command>: <why>`
 * and `usage` to stderr and gives `null` (the caller exits with code 2).
 */
export function parseExploreArgs(command: string, usage: string, args: readonly string[] = process.argv.slice(2)): ExploreArgs | null {
  try {
    const values = parseCliArgs(args, { data: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' } }, '--data');
    if (!values.data) throw new CliUsageError('--data is required: the folder with the training data');
    const dataProblem = dataFolderProblem(values.data);
    if (dataProblem !== null) throw new CliUsageError(dataProblem);
    const seed = integerOption('seed', values.seed) ?? DEFAULT_TRAIN_OPTIONS.seed;
    const outProblem = values.out === undefined ? null : outputFileProblem(values.out, 'out');
    if (outProblem !== null) throw new CliUsageError(outProblem);
    return { data: values.data, seed, ...(values.out === undefined ? {} : { out: values.out }) };
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    console.error(`npm run ${command}: ${error.message}\n${usage}`);
    return null;
  }
}

/**
 * Runs an `explore:*` command's `main` when `moduleUrl` (the caller's `import.meta.url`) is the
 * process's entry point: exits with the code `main` gives, or with 1 after printing
 * `npm run <command>: <message>` when it throws.
 */
export function runExploreCommand(command: string, moduleUrl: string, main: () => Promise<number>): void {
  if (moduleUrl !== `file://${process.argv[1]}`) return;
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`npm run ${command}: ${errorMessage(error)}`);
      process.exit(1);
    },
  );
}
