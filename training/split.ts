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
