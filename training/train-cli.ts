import { CliUsageError, dataFolderOption, integerOption, parseCliArgs } from './cli-args';
import { CsvFileError } from './csv';
import { outputFolderProblem } from './output-path';

/**
 * `npm run train -- --data <dir> …`: the command line of `runTraining` (training/train.ts).
 * The arguments and the data folder's layout are checked before TF.js and the training code are
 * loaded, so a wrong command line is answered in about half the time (0.6 s against 1.2 s for
 * tsx with TF.js loaded, measured 2026-12-06).
 * Exit codes: 0 trained; 2 a wrong command line or data folder (one message and
 * {@link TRAIN_USAGE}, no stack); 1 a data file that cannot be read (its message) or any other
 * error (its stack).
 */

/** How to call `npm run train`, printed with every command-line error. */
export const TRAIN_USAGE = 'Usage: npm run train -- --data <dir> [--out <dir>] [--seed <int>] [--epochs <int>] [--workers <int>] [--report <dir> | --no-report] [--no-chromium-bench]';

/** A mistake in the command line or the data folder: printed as one line with {@link TRAIN_USAGE}, no stack. */
export class TrainUsageError extends Error {
  override readonly name = 'TrainUsageError';
}

/** A checked `npm run train` command line. */
export interface TrainCommand {
  /** The training data folder (`--data`); its layout is checked ({@link dataFolderOption}). */
  readonly data: string;
  /** Where the model files go (`--out`, default `public/model`; a folder that is or can be made, {@link outputFolderProblem}). */
  readonly out: string;
  /** The run's seed (`--seed`, an integer); undefined: the training default (`DEFAULT_TRAIN_OPTIONS.seed`). */
  readonly seed?: number;
  /** Epochs of the MLPs trained on labels (`--epochs`, an integer ≥ 1); undefined: the training default. */
  readonly epochs?: number;
  /** Worker threads of the cross-validation (`--workers`, an integer ≥ 1); undefined: one per core, at most the folds. */
  readonly workers?: number;
  /** Where the report goes (`--report`, default `training`); null with `--no-report`. */
  readonly reportDir: string | null;
  /** Whether the report measures inference in Chromium too (false with `--no-chromium-bench`). */
  readonly chromiumBench: boolean;
}

/** What `check` gives, with a {@link CliUsageError} it throws rethrown as a {@link TrainUsageError} (same message): the one place `parseTrainArgs` converts them. */
function asTrainUsage<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof CliUsageError) throw new TrainUsageError(error.message, { cause: error });
    throw error;
  }
}

/**
 * Checks `npm run train`'s arguments (`process.argv.slice(2)`) and the data folder's layout,
 * without reading the data.
 * @throws TrainUsageError for an unknown option, a bare argument, no `--data`, a folder that is
 *   not training data (every missing file named), a seed that is not an integer, an epoch or
 *   worker count that is not a positive integer, or an `--out` or `--report` that cannot be the
 *   output folder ({@link outputFolderProblem}).
 */
export function parseTrainArgs(args: readonly string[]): TrainCommand {
  return asTrainUsage(() => {
    const values = parseCliArgs(
      args,
      {
        data: { type: 'string' },
        out: { type: 'string', default: 'public/model' },
        seed: { type: 'string' },
        epochs: { type: 'string' },
        workers: { type: 'string' },
        report: { type: 'string', default: 'training' },
        'no-report': { type: 'boolean', default: false },
        'no-chromium-bench': { type: 'boolean', default: false },
      },
      '--data',
    );
    const data = dataFolderOption(values.data);
    const seed = integerOption('seed', values.seed);
    const epochs = integerOption('epochs', values.epochs, { positive: true });
    const workers = integerOption('workers', values.workers, { positive: true });
    const outputs: [string, string][] = [['out', values.out], ...(values['no-report'] ? [] : [['report', values.report] as [string, string]])];
    for (const [option, path] of outputs) {
      const outputProblem = outputFolderProblem(path, option);
      if (outputProblem !== null) throw new CliUsageError(outputProblem);
    }
    return {
      data,
      out: values.out,
      ...(seed === undefined ? {} : { seed }),
      ...(epochs === undefined ? {} : { epochs }),
      ...(workers === undefined ? {} : { workers }),
      reportDir: values['no-report'] ? null : values.report,
      chromiumBench: !values['no-chromium-bench'],
    };
  });
}

async function main(): Promise<void> {
  const command = parseTrainArgs(process.argv.slice(2));
  const [tf, { DEFAULT_TRAIN_OPTIONS }, { runTraining }, { writeReport }] = await Promise.all([import('@tensorflow/tfjs'), import('./model'), import('./train'), import('./report')]);
  // TF.js's production mode only silences its logger (tfjs-core log.ts), e.g. the "install our
  // node backend" banner; it changes no computation.
  tf.enableProdMode();
  const log = (line: string) => console.log(line);
  const { reportDir } = command;
  await runTraining({
    dataDir: command.data,
    outDir: command.out,
    seed: command.seed ?? DEFAULT_TRAIN_OPTIONS.seed,
    epochs: command.epochs ?? DEFAULT_TRAIN_OPTIONS.epochs,
    ...(command.workers === undefined ? {} : { workers: command.workers }),
    log,
    ...(reportDir === null ? {} : { onReport: (report) => writeReport(report, { reportDir, modelDir: command.out, dataDir: command.data, chromium: command.chromiumBench, log }) }),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    if (error instanceof TrainUsageError) {
      console.error(`npm run train: ${error.message}\n${TRAIN_USAGE}`);
      process.exit(2);
    }
    // A damaged data file is the data's problem, not the code's: its message (file and line) says it all.
    if (error instanceof CsvFileError) console.error(`npm run train: ${error.message}`);
    else console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
