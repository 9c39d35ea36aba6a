// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ml-knn ships no types; the extension tsconfig only sees this file through test imports.
/// <reference path="./ml-knn.d.ts" />
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- same for ml-xgboost.
/// <reference path="./ml-xgboost.d.ts" />
import { createRequire } from 'node:module';
import KNN from 'ml-knn';
import type XGBoostModule from 'ml-xgboost';
import { argmax } from './metrics';
import type { Dataset } from './model';

/**
 * Baseline classifiers for the cross-validation table, each trained on a training fold and
 * returning the predicted class per row of a held-out fold. (Logistic regression is the MLP
 * code with no hidden layer, see training/train.ts: ml-logistic-regression 2.0 fits one-vs-rest
 * by plain gradient descent without class weights or soft labels, so it would not be the same
 * objective as the MLP's.)
 */

/** Rows of a row-major matrix as arrays (the mljs libraries take `number[][]`). */
export function toRows(data: Dataset): number[][] {
  return data.y.map((_, i) => Array.from(data.x.subarray(i * data.inputSize, (i + 1) * data.inputSize)));
}

/** Majority class: the most frequent class of the training fold, for every row. */
export function majorityClass(train: Dataset, classes: number, rows: number): { predicted: number[]; label: number } {
  const counts = new Array<number>(classes).fill(0);
  for (const y of train.y) counts[y] = (counts[y] ?? 0) + 1;
  const label = argmax(counts);
  return { predicted: new Array<number>(rows).fill(label), label };
}

/** k of the k-nearest-neighbours baseline: about the square root of a fold's 200-400 tracks of a small theme. */
export const KNN_K = 15;

/**
 * k-nearest neighbours (ml-knn 3.0.0, k-d tree, Euclidean distance on the standardized,
 * one-hot-key encoding), majority vote of the {@link KNN_K} nearest training tracks.
 */
export function knnPredict(train: Dataset, test: Dataset, k = KNN_K): number[] {
  return new KNN(toRows(train), [...train.y], { k }).predict(toRows(test));
}

/**
 * Gradient-boosted trees settings (ml-xgboost 1.1.2, XGBoost compiled to WebAssembly, one
 * thread): `multi:softprob` with these parameters, sized so that 5-fold cross-validation takes
 * well under a minute on 2 cores.
 */
export const GRADIENT_BOOSTING: GradientBoostingParams = { rounds: 120, maxDepth: 5, eta: 0.1, subsample: 0.8, colsampleByTree: 0.8, minChildWeight: 1 };

/** XGBoost's parameters as used here (XGBoost docs, "XGBoost Parameters"): boosting rounds, tree depth, learning rate η, row and column subsampling, minimum child weight. */
export interface GradientBoostingParams {
  readonly rounds: number;
  readonly maxDepth: number;
  readonly eta: number;
  readonly subsample: number;
  readonly colsampleByTree: number;
  readonly minChildWeight: number;
}

/** Fits trees on `train` and gives `[test rows, classes]` probabilities: {@link gradientBoostingPredict}, or a fake in unit tests. */
export type FitTrees = (train: Dataset, test: Dataset, classes: number, classWeights: Readonly<Record<number, number>>, seed: number, params: GradientBoostingParams) => Promise<Float64Array>;

/**
 * Gradient-boosted trees (XGBoost via ml-xgboost): class probabilities per test row, seeded.
 * XGBoost's `train` here takes no row weights, so the balanced class weights are applied to the
 * predicted probabilities instead (p_c · w_c, renormalized): the same decision rule as a
 * weighted fit for a calibrated model. Returns row-major `[rows, classes]` probabilities.
 * `params` defaults to the baseline's {@link GRADIENT_BOOSTING}; `npm run explore:trees` tries others.
 */
export async function gradientBoostingPredict(
  train: Dataset,
  test: Dataset,
  classes: number,
  classWeights: Readonly<Record<number, number>>,
  seed: number,
  params: GradientBoostingParams = GRADIENT_BOOSTING,
): Promise<Float64Array> {
  // required, not imported: the module's export is a promise, and an ES namespace with a
  // `then` (as bundlers build for CommonJS) cannot be awaited.
  const XGBoost = await (createRequire(import.meta.url)('ml-xgboost') as typeof XGBoostModule);
  const booster = new XGBoost({
    booster: 'gbtree',
    objective: 'multi:softprob',
    num_class: classes,
    max_depth: params.maxDepth,
    eta: params.eta,
    subsample: params.subsample,
    colsample_bytree: params.colsampleByTree,
    min_child_weight: params.minChildWeight,
    silent: 1,
    seed,
    nthread: 1,
    iterations: params.rounds,
  });
  try {
    booster.train(toRows(train), [...train.y]);
    const out = new Float64Array(test.y.length * classes);
    booster.predict(toRows(test)).forEach((p, r) => {
      let total = 0;
      for (let c = 0; c < classes; c++) total += (p[c] ?? 0) * (classWeights[c] ?? 1);
      for (let c = 0; c < classes; c++) out[r * classes + c] = total > 0 ? ((p[c] ?? 0) * (classWeights[c] ?? 1)) / total : 1 / classes;
    });
    return out;
  } finally {
    booster.free();
  }
}
