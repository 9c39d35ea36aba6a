/**
 * Runs the cross-validation folds of `npm run train` (training/cv-fold.ts `runFold`) on worker
 * threads with Piscina, so that a machine with 2 cores fits two things at once (TF.js's wasm
 * backend and XGBoost each use one thread). Each worker loads the data once and builds the same
 * split from the same seed; a fold's numbers do not depend on where it ran.
 *
 * When the students need only the trees (`foldPartsIndependent`), each fold runs as its three
 * parts (training/cv-fold.ts `FOLD_STAGES`), longest first (the trees with the students, then
 * the MLPs, then the other baselines): fifteen tasks keep both threads busy almost to the end,
 * where five whole folds on two threads left one idle for the whole last fold.
 */
import { Piscina } from 'piscina';
import { FOLDS } from './cv';
import { foldPartsIndependent, mergeFoldParts, runFold, type FoldContext, type FoldOutcome, type FoldPart, type FoldSetup } from './cv-fold';
import type { FoldTask } from './cv-worker';

/** The worker module: registers tsx in the worker thread, then loads training/cv-worker.ts. */
const WORKER_FILE = new URL('./cv-worker.mjs', import.meta.url).href;

/**
 * The parts each fold runs as with `workers` threads, in the order they are queued: its parts,
 * longest first, when there are worker threads and the parts are independent
 * (training/cv-fold.ts `foldPartsIndependent`), else the whole fold.
 */
export function foldRunParts(setup: FoldSetup, workers: number): readonly FoldPart[] {
  return workers > 1 && foldPartsIndependent(setup) ? ['trees', 'mlps', 'baselines'] : ['whole'];
}

/**
 * Every fold's outcome, in fold order (0 … {@link FOLDS} − 1), whatever order they finished in.
 * `workers` ≤ 1 runs the folds one after another in this thread (the TF.js backend must be
 * selected); more runs up to that many folds or fold parts at once, one per worker thread.
 * `onFold` is called as each fold finishes, its parts merged (e.g. to log its time).
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
  const parts = foldRunParts(ctx.setup, workers);
  const pool = new Piscina<FoldTask, FoldOutcome>({ filename: WORKER_FILE, minThreads: workers, maxThreads: workers, concurrentTasksPerWorker: 1 });
  try {
    // Queued part by part (every fold's first part, then every fold's second, …), so the longer parts start first.
    const queued = parts.flatMap((part) => folds.map((fold) => ({ fold, outcome: pool.run({ setup: ctx.setup, fold, part }) })));
    return await Promise.all(
      folds.map(async (fold) => {
        const outcome = mergeFoldParts(await Promise.all(queued.filter((q) => q.fold === fold).map((q) => q.outcome)));
        onFold(outcome);
        return outcome;
      }),
    );
  } finally {
    await pool.destroy();
  }
}
