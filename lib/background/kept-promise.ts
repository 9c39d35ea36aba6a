/**
 * A promise made once and handed out until it is forgotten: the bundled model, the settings.
 * A rejected one is forgotten at once, so the next `get` tries again instead of failing forever.
 */
export interface KeptPromise<T> {
  /** The kept promise, made by `load` when there is none. */
  get(): Promise<T>;
  /** Drops the kept promise (its source changed); the next `get` loads again. */
  forget(): void;
}

/** Creates a {@link KeptPromise} around `load`. */
export function keepPromise<T>(load: () => Promise<T>): KeptPromise<T> {
  let kept: Promise<T> | undefined;
  return {
    get() {
      if (kept) return kept;
      const made = load();
      kept = made;
      made.catch(() => {
        if (kept === made) kept = undefined;
      });
      return made;
    },
    forget() {
      kept = undefined;
    },
  };
}
