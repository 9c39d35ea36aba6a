/**
 * Runs the cross-validation folds of `npm run train` (training/cv-fold.ts `runFold`) on worker
 * threads with Piscina, so that a machine with 2 cores fits two folds at once (TF.js's wasm
 * backend and XGBoost each use one thread). Each worker loads the data once and builds the same
 * split from the same seed; a fold's numbers do not depend on where it ran.
 */
import { Piscina } from 'piscina';
import { FOLDS } from './cv';
import { runFold, type FoldContext, type FoldOutcome } from './cv-fold';
import type { FoldTask } from './cv-worker';

/** The worker module: registers tsx in the worker thread, then loads training/cv-worker.ts. */
const WORKER_FILE = new URL('./cv-worker.mjs', import.meta.url).href;

/**
 * Every fold's outcome, in fold order (0 … {@link FOLDS} − 1), whatever order they finished in.
 * `workers` ≤ 1 runs the folds one after another in this thread (the TF.js backend must be
 * selected); more runs up to that many folds at once, one per worker thread.
 * `onFold` is called as each fold finishes (e.g. to log its time).
 * @throws the first fold's error (a worker's error is rethrown here with its message and stack).
 */
export async function runFolds(ctx: FoldContext, workers: number, onFold: (outcome: FoldOutcome) => void = () => {}): Promise<FoldOutcome[]> {
  const folds = Array.from({ length: FOLDS }, (_, fold) => fold);
  if (workers <= 1) {
    const outcomes: FoldOutcome[] = [];
    for (const fold of folds) {
      const outcome = await runFold(ctx, fold);
      onFold(outcome);
      outcomes.push(outcome);
    }
    return outcomes;
  }
  const pool = new Piscina<FoldTask, FoldOutcome>({ filename: WORKER_FILE, minThreads: workers, maxThreads: workers, concurrentTasksPerWorker: 1 });
  try {
    return await Promise.all(
      folds.map(async (fold) => {
        const outcome = await pool.run({ setup: ctx.setup, fold });
        onFold(outcome);
        return outcome;
      }),
    );
  } finally {
    await pool.destroy();
  }
}
