import { useState } from 'react';
import { errorMessage } from '@/lib/shared/error-message';

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
