import * as z from 'zod/mini';

/**
 * Whether a client ID's app may read `GET /v1/audio-features`: `unknown` until the first answer,
 * `available` after a 2xx, `unavailable` after a 403 (apps created after 2024-11-27 without
 * extended quota; developer.spotify.com/blog/2024-11-27-changes-to-the-web-api), with the reason
 * and when it was seen (ms since the epoch).
 */
export const AudioFeaturesAvailabilitySchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('unknown') }),
  z.object({ state: z.literal('available'), checkedAt: z.number() }),
  z.object({ state: z.literal('unavailable'), reason: z.string(), checkedAt: z.number() }),
]);
export type AudioFeaturesAvailability = z.infer<typeof AudioFeaturesAvailabilitySchema>;
