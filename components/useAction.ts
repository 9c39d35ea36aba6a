import { useState } from 'react';

/** The message of a thrown value, for showing to the user. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * State of a button's asynchronous action: `busy` while it runs, `error` (its message) when it
 * rejected, cleared when it runs again. `run` never rejects.
 */
export function useAction(): { busy: boolean; error: string | undefined; run: (action: () => Promise<void>) => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  function run(action: () => Promise<void>): void {
    setBusy(true);
    setError(undefined);
    action().then(
      () => setBusy(false),
      (e: unknown) => {
        setBusy(false);
        setError(errorMessage(e));
      },
    );
  }
  return { busy, error, run };
}
