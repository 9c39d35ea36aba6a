import seedrandom from 'seedrandom';

/** Fractions of tracks per split; validation and test get these shares, train the rest. */
export interface SplitFractions {
  readonly validation: number;
  readonly test: number;
}

/** Indices of the rows in each split. */
export interface Splits {
  readonly train: number[];
  readonly validation: number[];
  readonly test: number[];
}

/**
 * A seeded pseudo-random generator returning floats in [0, 1) (seedrandom's ARC4-based
 * generator), so that shuffles and splits are the same for the same seed on every machine.
 */
export function createRng(seed: number): () => number {
  return seedrandom(String(seed));
}

/** Fisher-Yates shuffle of a copy of `items` with the given generator. */
export function shuffled<T>(items: readonly T[], rng: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}

/**
 * Splits rows into train / validation / test so that all rows of one group (artist) land in the
 * same split: the artists tracks of one artist sound alike, and a split across artists would
 * measure memorisation. Groups are shuffled with `seed`, then filled into test, validation and
 * train in that order until each reaches its share of rows.
 *
 * @param groups the group key of each row (row i belongs to group `groups[i]`).
 * @returns indices into `groups` per split; every index appears in exactly one split.
 */
export function groupedSplit(groups: readonly string[], fractions: SplitFractions, seed: number): Splits {
  const members = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const list = members.get(g);
    if (list) list.push(i);
    else members.set(g, [i]);
  });
  const order = shuffled([...members.keys()].sort(), createRng(seed));
  const testTarget = Math.round(groups.length * fractions.test);
  const validationTarget = Math.round(groups.length * fractions.validation);
  const splits: Splits = { train: [], validation: [], test: [] };
  for (const g of order) {
    const rows = members.get(g) ?? [];
    if (splits.test.length < testTarget) splits.test.push(...rows);
    else if (splits.validation.length < validationTarget) splits.validation.push(...rows);
    else splits.train.push(...rows);
  }
  return splits;
}

/**
 * Stratified group k-fold: assigns every group (artist) to one of `k` folds so that each fold
 * holds about 1/k of the rows of every class, in the spirit of scikit-learn's
 * `StratifiedGroupKFold`. Groups are shuffled with `seed` (ties between equal groups), then
 * taken largest first, each into the fold where it least raises
 * `sum_c (rows of class c in fold / rows of class c)^2` (the fold with fewest rows on a tie).
 *
 * @param groups group key per row; @param classes class index per row (same length).
 * @returns fold index (0..k-1) per row; rows of one group share a fold.
 * @throws Error when the lengths differ or k < 2.
 */
export function stratifiedGroupKFold(groups: readonly string[], classes: readonly number[], k: number, seed: number): number[] {
  if (groups.length !== classes.length) throw new Error(`${groups.length} groups for ${classes.length} class labels`);
  if (!(k >= 2)) throw new Error('k-fold needs k >= 2');
  const nClasses = Math.max(0, ...classes) + 1;
  const members = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const list = members.get(g);
    if (list) list.push(i);
    else members.set(g, [i]);
  });
  const classTotals = new Array<number>(nClasses).fill(0);
  for (const c of classes) classTotals[c] = (classTotals[c] ?? 0) + 1;
  const order = shuffled([...members.keys()].sort(), createRng(seed));
  const size = (g: string) => members.get(g)?.length ?? 0;
  // Stable sort keeps the shuffled order among groups of equal size.
  order.sort((a, b) => size(b) - size(a));
  const foldClass = Array.from({ length: k }, () => new Array<number>(nClasses).fill(0));
  const foldRows = new Array<number>(k).fill(0);
  const foldOf = new Array<number>(groups.length).fill(-1);
  for (const g of order) {
    const rows = members.get(g) ?? [];
    const counts = new Array<number>(nClasses).fill(0);
    for (const r of rows) counts[classes[r] ?? 0] = (counts[classes[r] ?? 0] ?? 0) + 1;
    let best = 0;
    let bestCost = Infinity;
    for (let f = 0; f < k; f++) {
      let cost = 0;
      counts.forEach((n, c) => {
        if (n === 0) return;
        const total = classTotals[c] ?? 1;
        const before = (foldClass[f]?.[c] ?? 0) / total;
        const after = ((foldClass[f]?.[c] ?? 0) + n) / total;
        cost += after * after - before * before;
      });
      if (cost < bestCost - 1e-12 || (Math.abs(cost - bestCost) <= 1e-12 && (foldRows[f] ?? 0) < (foldRows[best] ?? 0))) {
        best = f;
        bestCost = cost;
      }
    }
    counts.forEach((n, c) => {
      const fc = foldClass[best];
      if (fc) fc[c] = (fc[c] ?? 0) + n;
    });
    foldRows[best] = (foldRows[best] ?? 0) + rows.length;
    for (const r of rows) foldOf[r] = best;
  }
  return foldOf;
}
