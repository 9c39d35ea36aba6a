/**
 * Types for ml-xgboost 1.1.2 (mljs/xgboost: XGBoost's C++ compiled to WebAssembly), which ships
 * none: the subset of its API that training/baselines.ts uses (see
 * node_modules/ml-xgboost/src/loadXGBoost.js). The module's export is a promise of the class
 * (the wasm is instantiated first).
 */
declare module 'ml-xgboost' {
  export interface XGBoostOptions {
    booster?: string;
    objective?: string;
    num_class?: number;
    max_depth?: number;
    eta?: number;
    min_child_weight?: number;
    subsample?: number;
    colsample_bytree?: number;
    lambda?: number;
    silent?: number;
    seed?: number;
    nthread?: number;
    iterations?: number;
  }
  export interface XGBoostModel {
    train(dataset: number[][], labels: number[]): void;
    /** With `multi:softprob`: one array of class probabilities per row. */
    predict(dataset: number[][]): number[][];
    free(): void;
  }
  const XGBoost: Promise<new (options: XGBoostOptions) => XGBoostModel>;
  export default XGBoost;
}
