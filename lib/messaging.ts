import { defineExtensionMessaging } from '@webext-core/messaging';
import { z } from 'zod';
import { THEME_IDS, type ThemeId } from '@/model/themes';
import { ProviderIdSchema } from './providers/types';
import { TrackIdSchema } from './track-id';

/**
 * The one protocol between the extension's contexts. Every message is parsed with zod where it
 * enters: the background parses requests, the sender parses responses.
 */

/** Most track IDs one `classify` message may carry (a Spotify page renders about 20-60 rows at once). */
export const MAX_TRACKS_PER_MESSAGE = 100;

const ThemeIdSchema = z.enum(THEME_IDS as [ThemeId, ...ThemeId[]]);

/** `classify` request: the track IDs to badge. */
export const ClassifyRequestSchema = z.object({
  trackIds: z.array(TrackIdSchema).min(1).max(MAX_TRACKS_PER_MESSAGE),
});
export type ClassifyRequest = z.infer<typeof ClassifyRequestSchema>;

/**
 * One track's answer. `ok`: the chosen theme among enabled themes and the model's probability
 * for every label; `unknown`: no provider has audio features for the track (never guessed);
 * `error`: the features or the model could not be had now (message says why).
 */
export const TrackResultSchema = z.discriminatedUnion('status', [
  z.object({
    trackId: TrackIdSchema,
    status: z.literal('ok'),
    /** The most probable enabled theme (see `pickTheme`). */
    theme: ThemeIdSchema,
    /** Probability of `theme` renormalized over the enabled themes, in [0, 1]. */
    probability: z.number().min(0).max(1),
    /** True when `probability` is below the uncertainty threshold: the badge says "uncertain". */
    uncertain: z.boolean(),
    /** Model probability per theme id, each in [0, 1]. */
    probabilities: z.record(z.string(), z.number().min(0).max(1)),
    /** Which provider the audio features came from. */
    provider: ProviderIdSchema,
  }),
  z.object({ trackId: TrackIdSchema, status: z.literal('unknown') }),
  z.object({ trackId: TrackIdSchema, status: z.literal('error'), message: z.string() }),
]);
export type TrackResult = z.infer<typeof TrackResultSchema>;

/** `classify` response: one result per requested ID, in request order. */
export const ClassifyResponseSchema = z.array(TrackResultSchema);

interface ProtocolMap {
  classify(request: ClassifyRequest): TrackResult[];
}

const messaging = defineExtensionMessaging<ProtocolMap>();

/**
 * Asks the background to classify tracks. Resolves with one validated result per ID.
 * @throws Error when the background is unreachable or answers with something malformed.
 */
export async function sendClassify(trackIds: readonly string[]): Promise<TrackResult[]> {
  const request = ClassifyRequestSchema.parse({ trackIds });
  return ClassifyResponseSchema.parse(await messaging.sendMessage('classify', request));
}

/**
 * Registers the background's `classify` handler. The request is validated first; a malformed
 * request is rejected with the zod error (the sender sees it as a rejected promise).
 * Returns a function that removes the handler.
 */
export function onClassify(handler: (request: ClassifyRequest) => Promise<TrackResult[]>): () => void {
  return messaging.onMessage('classify', (message) => handler(ClassifyRequestSchema.parse(message.data)));
}
