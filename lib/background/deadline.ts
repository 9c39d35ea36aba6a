/**
 * Deadlines for the background's waits. Chrome stops an extension service worker whose event or
 * API call takes longer than 5 minutes
 * (developer.chrome.com/docs/extensions/develop/concepts/service-workers/lifecycle), and a badge
 * that waits for a request that never ends never settles: so every network wait in the
 * background ends, body included.
 */

/**
 * The deadline of one provider request, in ms: from sending it to its parsed body, retries and
 * their waits included (20 s; hardening issue 9). ky's own `timeout` covers one attempt up to the
 * response headers only, so a body that stalls would otherwise be waited for forever.
 */
export const PROVIDER_REQUEST_DEADLINE_MS = 20_000;

/** `ms` for a message: whole seconds as `"20 s"`, anything else as `"50 ms"`. */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** A wait that passed its deadline. The message says who did not answer and within how long. */
export class DeadlineError extends Error {
  constructor(
    /** Who was waited for, as the message names it, e.g. `"ReccoBeats"`. */
    readonly what: string,
    /** The deadline, ms. */
    readonly deadlineMs: number,
  ) {
    super(`${what} did not answer within ${formatDuration(deadlineMs)}`);
    this.name = 'DeadlineError';
  }
}

/**
 * Runs `task` with an `AbortSignal` that aborts `deadlineMs` after the call (with a
 * {@link DeadlineError} as its reason), and settles no later than that: pass the signal to
 * `fetch` / ky so the request and the reading of its body are aborted too; a task that ignores
 * the signal is no longer waited for. The timer is `setTimeout`, so fake timers drive it in tests.
 * @returns what `task` resolves with before the deadline.
 * @throws DeadlineError when the deadline passes first ("`what` did not answer within 20 s");
 *   otherwise whatever `task` rejects with.
 */
export async function withDeadline<T>(deadlineMs: number, what: string, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineError(what, deadlineMs);
      controller.abort(error);
      reject(error);
    }, deadlineMs);
  });
  try {
    return await Promise.race([task(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
