/**
 * Types for ml-knn 3.0.0 (mljs/knn), which ships none: the subset of its API that
 * training/baselines.ts uses (see node_modules/ml-knn/src/index.js).
 */
declare module 'ml-knn' {
  export default class KNN {
    /**
     * @param dataset training rows; @param labels class per row;
     * @param options `k` neighbours (default: number of classes + 1), Euclidean distance.
     */
    constructor(dataset: number[][], labels: number[], options?: { k?: number });
    /** Majority class among the k nearest training rows, per row. */
    predict(dataset: number[][]): number[];
  }
}
