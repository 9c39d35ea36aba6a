/**
 * The task of a cross-validation worker thread (training/cv-pool.ts): one fold of
 * training/cv-fold.ts, or one part of it. The worker loads the data and builds the folds'
 * context on its first task and keeps them for the next ones of the same setup.
 */
import * as tf from '@tensorflow/tfjs';
import { foldContext, runFold, type FoldContext, type FoldOutcome, type FoldPart, type FoldSetup } from './cv-fold';
import { loadLabelledTracks } from './data';
import { selectWasmBackend } from './model';

/** What the pool sends a worker: the run's setup, the fold to run (0 … FOLDS − 1) and which part of it (`runFold`). */
export interface FoldTask {
  readonly setup: FoldSetup;
  readonly fold: number;
  readonly part: FoldPart;
}

let cached: { readonly key: string; readonly context: FoldContext } | undefined;

/**
 * Runs `task.part` of `task.fold` of the run described by `task.setup` with TF.js's wasm
 * backend, as the main thread would. @throws what training/data.ts `loadLabelledTracks` or `runFold` throws.
 */
export default async function runFoldTask(task: FoldTask): Promise<FoldOutcome> {
  const key = JSON.stringify(task.setup);
  if (cached?.key !== key) {
    // Production mode only silences TF.js's logger (as in training/train-cli.ts `main`).
    tf.enableProdMode();
    await selectWasmBackend();
    cached = { key, context: foldContext(task.setup, loadLabelledTracks(task.setup.dataDir)) };
  }
  return runFold(cached.context, task.fold, task.part);
}
