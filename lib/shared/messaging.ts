import { defineExtensionMessaging } from '@webext-core/messaging';
import * as z from 'zod/mini';
import { ThemeIdSchema } from '@/model/themes';
import { AudioFeaturesAvailabilitySchema } from './availability';
import { PROVIDER_BATCH_SIZES, ProviderIdSchema } from './providers';
import { TrackIdSchema } from './track-id';

/**
 * The one protocol between the extension's contexts. Every message is parsed with zod where it
 * enters: the background parses requests, the sender parses responses. Written with `zod/mini`
 * so the content script, which loads on every Spotify page, stays small.
 */

/** Most track IDs one `classify` message may carry (a Spotify page renders about 20-60 rows at once). */
export const MAX_TRACKS_PER_MESSAGE = 100;

/**
 * Most track IDs the content script puts in one `classify` message: the smallest provider batch
 * ({@link PROVIDER_BATCH_SIZES}), so that one message costs each provider at most one request.
 */
export const CLASSIFY_BATCH_SIZE = Math.min(...Object.values(PROVIDER_BATCH_SIZES));

/** What the content script saw of a track row: shown in the popup's search over seen tracks. */
export const SeenTrackSchema = z.object({
  trackId: TrackIdSchema,
  name: z.string().check(z.maxLength(500)),
  artists: z.array(z.string().check(z.maxLength(500))).check(z.maxLength(20)),
});
export type SeenTrack = z.infer<typeof SeenTrackSchema>;

/** `classify` request: the track IDs to badge, and optionally what the page shows of them. */
export const ClassifyRequestSchema = z.object({
  trackIds: z.array(TrackIdSchema).check(z.minLength(1), z.maxLength(MAX_TRACKS_PER_MESSAGE)),
  seen: z.optional(z.array(SeenTrackSchema).check(z.maxLength(MAX_TRACKS_PER_MESSAGE))),
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
    probability: z.number().check(z.gte(0), z.lte(1)),
    /** True when `probability` is below the uncertainty threshold: the badge says "uncertain". */
    uncertain: z.boolean(),
    /** Model probability per theme id, each in [0, 1]. */
    probabilities: z.record(z.string(), z.number().check(z.gte(0), z.lte(1))),
    /** Which provider the audio features came from. */
    provider: ProviderIdSchema,
  }),
  z.object({ trackId: TrackIdSchema, status: z.literal('unknown') }),
  z.object({ trackId: TrackIdSchema, status: z.literal('error'), message: z.string() }),
]);
export type TrackResult = z.infer<typeof TrackResultSchema>;

/** `classify` response: one result per requested ID, in request order. */
export const ClassifyResponseSchema = z.array(TrackResultSchema);

/** A track found by the popup's search, with its classification. */
export const SearchHitSchema = z.object({
  trackId: TrackIdSchema,
  /** Title and artists, when known (Spotify search, or a row seen on open.spotify.com). */
  name: z.nullable(z.string()),
  artists: z.array(z.string()),
  result: TrackResultSchema,
});
export type SearchHit = z.infer<typeof SearchHitSchema>;

/** `search` request: free text, or a pasted track URL / URI. */
export const SearchRequestSchema = z.object({ query: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)) });
export type SearchRequest = z.infer<typeof SearchRequestSchema>;

/**
 * `search` response. `source`: `link` for a pasted track URL or URI, `spotify` for Spotify
 * search (when connected), `seen` for tracks already seen on open.spotify.com. `notice`
 * explains a fallback (e.g. why Spotify search was not used).
 */
export const SearchResponseSchema = z.object({
  source: z.enum(['link', 'spotify', 'seen']),
  hits: z.array(SearchHitSchema),
  notice: z.optional(z.string()),
});
export type SearchResponse = z.infer<typeof SearchResponseSchema>;

/** `status` response: the Spotify connection, the feature cache and the model, for popup and options. */
export const StatusSchema = z.object({
  spotify: z.object({
    /** The redirect URI to register in the Spotify app (`browser.identity.getRedirectURL()`). */
    redirectUri: z.string(),
    clientId: z.nullable(z.string()),
    connected: z.boolean(),
    audioFeatures: AudioFeaturesAvailabilitySchema,
  }),
  cache: z.object({ tracks: z.int().check(z.gte(0)), bytes: z.int().check(z.gte(0)) }),
});
export type Status = z.infer<typeof StatusSchema>;

/** `connectSpotify` request: the client ID of the user's own Spotify app. */
export const ConnectRequestSchema = z.object({ clientId: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)) });

const EmptySchema = z.strictObject({});

/**
 * The protocol: every message's request and response schema. The receiver parses requests,
 * the sender parses responses, so neither side trusts the other's shape.
 */
export const PROTOCOL = {
  classify: { request: ClassifyRequestSchema, response: ClassifyResponseSchema },
  search: { request: SearchRequestSchema, response: SearchResponseSchema },
  status: { request: EmptySchema, response: StatusSchema },
  connectSpotify: { request: ConnectRequestSchema, response: StatusSchema },
  disconnectSpotify: { request: EmptySchema, response: StatusSchema },
  clearCache: { request: EmptySchema, response: StatusSchema },
} as const;

/** Name of a message in {@link PROTOCOL}. */
export type MessageName = keyof typeof PROTOCOL;
/** The request a message carries. */
export type RequestOf<N extends MessageName> = z.input<(typeof PROTOCOL)[N]['request']>;
/** The response a message resolves with. */
export type ResponseOf<N extends MessageName> = z.infer<(typeof PROTOCOL)[N]['response']>;

type ProtocolMap = { [N in MessageName]: (request: RequestOf<N>) => ResponseOf<N> };

const messaging = defineExtensionMessaging<ProtocolMap>();

/**
 * Sends a message to the background and resolves with its validated response.
 * @throws Error when the request is invalid (zod), the background is unreachable or its handler
 *   threw (the handler's message), or the response is malformed.
 */
export async function sendMessage<N extends MessageName>(name: N, request: RequestOf<N>): Promise<ResponseOf<N>> {
  const { request: requestSchema, response: responseSchema } = PROTOCOL[name];
  const data = requestSchema.parse(request);
  // The messaging library types each message separately; the schemas above are the real check.
  const answer: unknown = await (messaging.sendMessage as (n: MessageName, d: unknown) => Promise<unknown>)(name, data);
  return responseSchema.parse(answer) as ResponseOf<N>;
}

/**
 * Registers the background's handler for `name`. The request is validated first: a malformed
 * one is rejected with zod's error, which the sender sees as a rejected promise. Returns a
 * function that removes the handler.
 */
export function onMessage<N extends MessageName>(name: N, handler: (request: z.infer<(typeof PROTOCOL)[N]['request']>) => Promise<ResponseOf<N>>): () => void {
  const schema = PROTOCOL[name].request;
  return (messaging.onMessage as (n: MessageName, h: (m: { data: unknown }) => Promise<unknown>) => () => void)(name, (message) =>
    handler(schema.parse(message.data) as z.infer<(typeof PROTOCOL)[N]['request']>),
  );
}

/** Asks the background to classify tracks (see {@link sendMessage}); one result per ID. */
export function sendClassify(trackIds: readonly string[], seen?: readonly SeenTrack[]): Promise<TrackResult[]> {
  return sendMessage('classify', { trackIds: [...trackIds], ...(seen ? { seen: [...seen] } : {}) });
}
