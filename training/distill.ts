/**
 * Distillation (Hinton et al. 2015) for `npm run train`: the students' training set (the teacher's
 * probabilities on the training rows, the unlabelled transfer set and jittered copies of both), the
 * cross-fitted gradient-boosted trees that label it, and the MLP ensemble's mean. Shared by the
 * cross-validation folds (training/cv-fold.ts) and the final fit (training/train.ts).
 */
import { CONTINUOUS_FEATURE_NAMES, type Normalization } from '../model/features';
import { denseLogits, softmaxRows, type DenseStack } from '../model/forward';
import { GRADIENT_BOOSTING, gradientBoostingPredict, type FitTrees, type GradientBoostingParams } from './baselines';
import { rowsOf } from './cv';
import { argmax } from './metrics';
import { DEFAULT_TRAIN_OPTIONS, balancedClassWeights, subset, type Dataset } from './model';
import { PERTURBATIONS } from './robustness';
import { createRng, stratifiedGroupKFold } from './split';

/**
 * A student network distilled from a teacher: trained on the teacher's probabilities (no class
 * weights: the teacher's probabilities already carry them) for every training row plus
 * `jitterCopies` copies of each row with Gaussian noise of `jitter` robustness steps on the
 * audio features (see `jitteredInputs`), each copy labelled like its original row.
 */
export interface StudentConfig {
  /**
   * The teacher: `mlp` the MLP ensemble; `mlp+gbt` the mean of the MLP ensemble's and the
   * gradient-boosted trees' probabilities, where the trees' probabilities of a training row (and
   * of its jittered copies) come from trees fitted without that row's artist (cross-fitting over
   * {@link TEACHER_FOLDS} artist-grouped folds of the training part), because trees fitted on a
   * row reproduce its label rather than what they would predict for a new track.
   */
  readonly teacher: 'mlp' | 'mlp+gbt' | 'gbt';
  /**
   * Also fit the teacher's probabilities on the unlabelled tracks of the data (the transfer set,
   * training/data.ts `unlabelled`: tracks no themed source voted for), except those by an artist of
   * the held-out fold or of the test split. The trees that label them were fitted on the whole
   * training part, which never saw them. A network fitted to a teacher on many more inputs than
   * the labelled ones follows the teacher more closely (Bucila et al. 2006, "Model compression").
   */
  readonly transfer?: boolean;
  readonly hidden: readonly number[];
  readonly epochs: number;
  readonly jitterCopies: number;
  readonly jitter: number;
}

/** Mini-batch size of the students (they fit twice the rows, soft targets only). */
export const STUDENT_BATCH_SIZE = 256;

/** Artist-grouped folds of the cross-fitted gradient-boosted trees in the `mlp+gbt` teacher. */
export const TEACHER_FOLDS = 3;

/** Mean of the members' softmax outputs, row-major `[rows, k]`. */
export function ensembleProbabilities(stacks: readonly DenseStack[], x: Float32Array, rows: number, k: number): Float64Array {
  const mean = new Float64Array(rows * k);
  for (const s of stacks) {
    const p = softmaxRows(denseLogits(s, x, rows), k);
    for (let i = 0; i < p.length; i++) mean[i] = (mean[i] as number) + (p[i] as number) / stacks.length;
  }
  return mean;
}

/**
 * The students' training inputs: every row of `train` and `copies` jittered copies of it
 * (copy c of row r at `c · n + r`). Each audio feature that has a robustness step
 * (training/robustness.ts: ±0.02 for the 0–1 features, ±2 BPM, ±0.5 dB) gets seeded Gaussian
 * noise (Box-Muller over seedrandom) of `sigma` steps, in its own unit, so in encoded units
 * `sigma · step / std`; `mode`, key and duration are left as they are.
 */
function jitteredInputs(train: Dataset, normalization: Normalization, copies: number, sigma: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const n = train.y.length;
  const d = train.inputSize;
  const noise = CONTINUOUS_FEATURE_NAMES.map((name, i) => ({ i, sd: (sigma * (PERTURBATIONS.find((p) => p.feature === name)?.step ?? 0)) / (normalization.std[i] ?? 1) })).filter((j) => j.sd > 0);
  const x = new Float32Array(n * (copies + 1) * d);
  x.set(train.x, 0);
  for (let c = 1; c <= copies; c++) {
    for (let r = 0; r < n; r++) {
      const o = (c * n + r) * d;
      x.set(train.x.subarray(r * d, (r + 1) * d), o);
      for (const { i, sd } of noise) x[o + i] = (x[o + i] as number) + sd * gauss();
    }
  }
  return x;
}

/** Rows of a row-major matrix as a label-less dataset (for predicting). */
export function labelless(x: Float32Array, inputSize: number): Dataset {
  const rows = x.length / inputSize;
  return { x, y: new Array<number>(rows).fill(0), soft: new Float32Array(0), inputSize };
}

/**
 * Gradient-boosted trees' probabilities for the rows of `train.x` (`[rows, k]`; the rows past the
 * n labelled ones are copies, row i a copy of row i mod n), cross-fitted: `train` is cut into
 * {@link TEACHER_FOLDS} artist-grouped, theme-stratified parts (`groups`: each labelled row's
 * artist; split seed `seed`), and the rows of each part get the probabilities of trees fitted on
 * the other parts (tree seed `seed` + part, balanced class weights of those parts), so the trees
 * that label a row never saw its artist. Used by the students' teacher and by the label-noise
 * pruning of `npm run explore:trees`.
 *
 * @param fit the trees (`gradientBoostingPredict`; a fake in unit tests), with `params`.
 * @throws what `fit` throws.
 */
export async function crossFittedGbt(
  train: Dataset,
  groups: readonly string[],
  k: number,
  seed: number,
  params: GradientBoostingParams = GRADIENT_BOOSTING,
  fit: FitTrees = gradientBoostingPredict,
): Promise<Float64Array> {
  const x = train.x;
  const n = train.y.length;
  const d = train.inputSize;
  const rows = x.length / d;
  const inner = stratifiedGroupKFold(groups, train.y, TEACHER_FOLDS, seed);
  const out = new Float64Array(rows * k);
  for (let f = 0; f < TEACHER_FOLDS; f++) {
    const fitRows = train.y.map((_, i) => i).filter((i) => inner[i] !== f);
    const fitted = subset(train, fitRows);
    const targets = Array.from({ length: rows }, (_, r) => r).filter((r) => inner[r % n] === f);
    const tx = new Float32Array(targets.length * d);
    targets.forEach((r, i) => tx.set(x.subarray(r * d, (r + 1) * d), i * d));
    const p = await fit(fitted, labelless(tx, d), k, balancedClassWeights(fitted.y, k, DEFAULT_TRAIN_OPTIONS.maxClassWeight), seed + f, params);
    targets.forEach((r, i) => out.set(p.subarray(i * k, (i + 1) * k), r * k));
  }
  return out;
}

/**
 * The unlabelled transfer set as the students see it: encoded with the fold's normalization.
 * `gbt`: the probabilities of the trees fitted on the whole training part, `[rows, k]`.
 */
export interface TransferSet {
  readonly x: Float32Array;
  readonly gbt: Float64Array;
}

/**
 * The students' training set: the training rows (and, with `transfer`, the transfer set's rows
 * after them), plus jittered copies of all of them, each copy labelled with the teacher's
 * probabilities at its original row (so the student learns to ignore changes of that size).
 * Teacher: the MLP ensemble's mean (`mlp`), the cross-fitted trees' (`gbt`), or the mean of
 * both (`mlp+gbt`); on transfer rows the trees fitted on the whole training part.
 */
export async function distillationSet(train: Dataset, normalization: Normalization, groups: readonly string[], teacher: readonly DenseStack[], k: number, config: StudentConfig, seed: number, cache: Map<string, Dataset>, transfer?: TransferSet): Promise<Dataset> {
  const key = `${config.teacher}|${config.transfer ?? false}|${config.jitterCopies}|${config.jitter}`;
  const cached = cache.get(key);
  if (cached) return cached;
  if (config.transfer && !transfer) throw new Error('a transfer student needs the transfer set');
  const d = train.inputSize;
  const extra = config.transfer && transfer ? transfer.x.length / d : 0;
  const n = train.y.length + extra;
  const base = new Float32Array(n * d);
  base.set(train.x, 0);
  if (extra > 0 && transfer) base.set(transfer.x, train.x.length);
  const x = jitteredInputs({ ...train, x: base, y: new Array<number>(n).fill(0) }, normalization, config.jitterCopies, config.jitter, seed);
  // The trees' probabilities of every row: cross-fitted on the training rows, then the transfer set's.
  let trees: Float64Array | undefined;
  if (config.teacher !== 'mlp') {
    trees = new Float64Array(n * k);
    trees.set(await crossFittedGbt(train, groups, k, seed + 1), 0);
    if (extra > 0 && transfer) trees.set(transfer.gbt, train.y.length * k);
  }
  const mlps = config.teacher === 'gbt' ? undefined : ensembleProbabilities(teacher, base, n, k);
  const p = Float64Array.from({ length: n * k }, (_, i) => (trees && mlps ? ((trees[i] as number) + (mlps[i] as number)) / 2 : ((trees ?? mlps)?.[i] as number)));
  const soft = new Float32Array(n * (config.jitterCopies + 1) * k);
  for (let c = 0; c <= config.jitterCopies; c++) soft.set(p, c * n * k);
  const set = { x, y: rowsOf(soft, k).map(argmax), soft, inputSize: train.inputSize };
  cache.set(key, set);
  return set;
}
