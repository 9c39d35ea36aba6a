import { z } from 'zod';
import { PredictorDatabase } from '@/lib/background/cache';
import { AudioFeaturesAvailabilitySchema, type AudioFeaturesAvailability } from '@/lib/shared/availability';
import { SpotifyClientIdSchema } from '@/lib/shared/client-id';

export { SpotifyClientIdSchema, type SpotifyClientId } from '@/lib/shared/client-id';

/** The stored Spotify connection: one user's tokens for one client ID. */
export const StoredConnectionSchema = z.object({
  clientId: SpotifyClientIdSchema,
  accessToken: z.string().min(1),
  /** When the access token expires, in ms since the Unix epoch (Spotify: 1 hour after issue). */
  expiresAt: z.number(),
  /** Single-use refresh token (Spotify rotates it on every refresh for PKCE clients). */
  refreshToken: z.string().min(1),
  /** Granted scopes, space-separated (RFC 6749 §3.3); empty: none requested. */
  scope: z.string(),
  /** When the user connected, in ms since the epoch. */
  connectedAt: z.number(),
});
export type StoredConnection = z.infer<typeof StoredConnectionSchema>;

export { AudioFeaturesAvailabilitySchema, type AudioFeaturesAvailability } from '@/lib/shared/availability';

const CONNECTION_KEY = 'spotify';
/** The row of the `connection` table that keeps {@link TokenStore.getProblem}'s message. */
const PROBLEM_KEY = 'spotify-problem';

/** Longest problem message stored, in characters (the Status message allows 500). */
export const MAX_PROBLEM_LENGTH = 500;

/** A stored connection problem: a sentence for the user and when it was recorded. */
const StoredProblemSchema = z.object({ message: z.string().min(1).max(MAX_PROBLEM_LENGTH), at: z.number() });

/** Persistent storage of the Spotify connection, read and written by the background only. */
export interface TokenStore {
  /** The stored connection, or `undefined` when none or when the stored row fails validation. */
  load(): Promise<StoredConnection | undefined>;
  /** Replaces the stored connection (one IndexedDB write: all fields change together). */
  save(connection: StoredConnection): Promise<void>;
  /** Deletes the tokens (the availability records stay). */
  clearTokens(): Promise<void>;
  /** `unknown` when nothing (valid) is stored for `clientId`. */
  getAvailability(clientId: string): Promise<AudioFeaturesAvailability>;
  /** Stores `availability` for `clientId`; `unknown` deletes the record. */
  setAvailability(clientId: string, availability: AudioFeaturesAvailability): Promise<void>;
  /**
   * The stored connection problem for the user (e.g. "Spotify no longer accepts the saved
   * connection: connect again in the options."), or `undefined` when none (or invalid). Kept
   * across restarts of the background, unlike anything held in memory.
   */
  getProblem(): Promise<string | undefined>;
  /**
   * Stores `message` (cut to {@link MAX_PROBLEM_LENGTH} characters) as the connection problem;
   * `null` deletes it. `now` in ms since the epoch.
   */
  setProblem(message: string | null, now?: number): Promise<void>;
}

/**
 * A {@link TokenStore} in the `connection` (rows `spotify` and `spotify-problem`) and `availability` tables of the extension's own
 * IndexedDB ({@link PredictorDatabase}). Not `storage.local`: content scripts can read that in
 * Chrome, while they run in the page's origin and cannot open the extension origin's IndexedDB.
 * Rejects with Dexie's error when IndexedDB fails (e.g. `QuotaExceededError`).
 */
export function createTokenStore(db: PredictorDatabase = new PredictorDatabase()): TokenStore {
  return {
    async load() {
      const parsed = StoredConnectionSchema.safeParse(await db.connection.get(CONNECTION_KEY));
      return parsed.success ? parsed.data : undefined;
    },
    async save(connection) {
      await db.connection.put({ key: CONNECTION_KEY, ...StoredConnectionSchema.parse(connection) });
    },
    async clearTokens() {
      await db.connection.delete(CONNECTION_KEY);
    },
    async getAvailability(clientId) {
      const row = await db.availability.get(clientId);
      const parsed = AudioFeaturesAvailabilitySchema.safeParse(row);
      return parsed.success ? parsed.data : { state: 'unknown' };
    },
    async setAvailability(clientId, availability) {
      const valid = AudioFeaturesAvailabilitySchema.parse(availability);
      if (valid.state === 'unknown') await db.availability.delete(clientId);
      else await db.availability.put({ clientId, ...valid });
    },
    async getProblem() {
      const parsed = StoredProblemSchema.safeParse(await db.connection.get(PROBLEM_KEY));
      return parsed.success ? parsed.data.message : undefined;
    },
    async setProblem(message, now = Date.now()) {
      if (message === null || message === '') await db.connection.delete(PROBLEM_KEY);
      else await db.connection.put({ key: PROBLEM_KEY, ...StoredProblemSchema.parse({ message: message.slice(0, MAX_PROBLEM_LENGTH), at: now }) });
    },
  };
}
