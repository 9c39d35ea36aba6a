/**
 * The message of a thrown value, for a log line or for the user: an `Error`'s `message`, or
 * anything else as a string.
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
