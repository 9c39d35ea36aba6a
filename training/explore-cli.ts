import { CliUsageError, dataFolderOption, integerOption, parseCliArgs } from './cli-args';
import { errorMessage } from '../lib/shared/error-message';
import { outputFileProblem } from './output-path';

/** The options every `npm run explore:*` command takes. */
export interface ExploreArgs {
  /** The training data folder (`--data`, required; checked with {@link dataFolderOption}). */
  readonly data: string;
  /** Where to write the Markdown table (`--out`), if anywhere. */
  readonly out?: string;
  /** The seed of the split and folds (`--seed`); undefined: `npm run train`'s default (`DEFAULT_TRAIN_OPTIONS.seed`, training/model.ts, read by the command after TF.js is loaded). */
  readonly seed?: number;
}

/**
 * Parses `args` (the arguments after the command's name) as
 * `--data <dir> [--out <file.md>] [--seed <int>]`. On a mistake (unknown flag, no or unusable
 * `--data`, a seed that is not an integer ({@link integerOption}), an `--out` that cannot be
 * written, `outputFileProblem`) it prints `npm run <command>: <why>` and `usage` to stderr and
 * gives `null` (the caller exits with code 2).
 */
export function parseExploreArgs(command: string, usage: string, args: readonly string[]): ExploreArgs | null {
  try {
    const values = parseCliArgs(args, { data: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' } }, '--data');
    const data = dataFolderOption(values.data);
    const seed = integerOption('seed', values.seed);
    const outProblem = values.out === undefined ? null : outputFileProblem(values.out, 'out');
    if (outProblem !== null) throw new CliUsageError(outProblem);
    return { data, ...(seed === undefined ? {} : { seed }), ...(values.out === undefined ? {} : { out: values.out }) };
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    console.error(`npm run ${command}: ${error.message}\n${usage}`);
    return null;
  }
}

/** One `npm run explore:*` command: its usage line and its run (given checked arguments; resolves with the exit code). */
export interface ExploreCommand {
  readonly usage: string;
  readonly run: (args: ExploreArgs) => Promise<number>;
}

/**
 * The `npm run explore:*` commands by name (`npm run explore:<name>` runs
 * `training/explore-cli.ts <name>`). Each command's module, which loads TF.js or XGBoost's
 * WebAssembly, is imported only after its arguments are checked, as `npm run train` does
 * (training/train-cli.ts), so a wrong command line is answered without loading them.
 */
export const EXPLORE_COMMANDS: ReadonlyMap<string, ExploreCommand> = new Map<string, ExploreCommand>([
  ['trees', { usage: 'Usage: npm run explore:trees -- --data <dir> [--out <file.md>] [--seed <int>]', run: async (args) => (await import('./explore-trees')).exploreTreesCommand(args) }],
  ['students', { usage: 'Usage: npm run explore:students -- --data <dir> [--out <file.md>] [--seed <int>]', run: async (args) => (await import('./explore-students')).exploreStudentsCommand(args) }],
]);

/**
 * Runs `training/explore-cli.ts <name> [args…]` (`argv`, `process.argv.slice(2)`): checks the
 * arguments with {@link parseExploreArgs}, then runs the command (`commands`: {@link EXPLORE_COMMANDS}; tests give their own).
 * @returns the exit code: the command's, 2 for a wrong command line (said on stderr with the usage
 *   line), or 1 after printing `npm run explore:<name>: <message>` when the command throws.
 */
export async function runExploreCli(argv: readonly string[], commands: ReadonlyMap<string, ExploreCommand> = EXPLORE_COMMANDS): Promise<number> {
  const [name = '', ...args] = argv;
  const command = commands.get(name);
  if (command === undefined) {
    console.error(`training/explore-cli.ts: unknown command "${name}"; one of ${[...commands.keys()].join(', ')} (npm run explore:<command>)`);
    return 2;
  }
  const checked = parseExploreArgs(`explore:${name}`, command.usage, args);
  if (checked === null) return 2;
  try {
    return await command.run(checked);
  } catch (error) {
    console.error(`npm run explore:${name}: ${errorMessage(error)}`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void runExploreCli(process.argv.slice(2)).then((code) => process.exit(code));
}
