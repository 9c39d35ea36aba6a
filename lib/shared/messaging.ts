import { defineExtensionMessaging } from '@webext-core/messaging';
import * as z from 'zod/mini';
import { DURATION_RANGE_MS } from '@/model/duration';
import { MAX_REASONS, REASON_PHRASES, type ExplainedInput } from '@/model/reasons';
import { ThemeIdSchema } from '@/model/themes';
import { AudioFeaturesAvailabilitySchema } from './availability';
import { PROVIDER_BATCH_SIZES, ProviderIdSchema } from './providers';
import { MAX_PLAYLIST_NAME_LENGTH, MAX_SAVE_TRACKS } from './save-limits';
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

/** Longest title or artist name a `classify` message may carry, in UTF-16 code units. */
export const SEEN_NAME_MAX_LENGTH = 200;
/** Most artists per seen track a `classify` message may carry. */
export const SEEN_MAX_ARTISTS = 10;

/**
 * What the content script saw of a track row: the title and artists (shown in the popup's search
 * over seen tracks; an empty `name` is not stored) and, when the row shows one, the duration:
 * an integer number of ms within 1 s - 2 h (the model's `DURATION_RANGE_MS`), which the background keeps with the track's audio features (issue 10).
 */
export const SeenTrackSchema = z.object({
  trackId: TrackIdSchema,
  name: z.string().check(z.maxLength(SEEN_NAME_MAX_LENGTH)),
  artists: z.array(z.string().check(z.maxLength(SEEN_NAME_MAX_LENGTH))).check(z.maxLength(SEEN_MAX_ARTISTS)),
  durationMs: z.optional(z.int().check(z.gte(DURATION_RANGE_MS.min), z.lte(DURATION_RANGE_MS.max))),
});
export type SeenTrack = z.infer<typeof SeenTrackSchema>;

/**
 * `classify` request: the track IDs to badge, and optionally what the page shows of them. Every
 * `seen` entry must name a track of `trackIds`, at most once: the titles and durations ride along
 * with the tracks they describe and cannot be used to fill the background's storage on their own.
 */
export const ClassifyRequestSchema = z
  .object({
    trackIds: z.array(TrackIdSchema).check(z.minLength(1), z.maxLength(MAX_TRACKS_PER_MESSAGE)),
    seen: z.optional(z.array(SeenTrackSchema).check(z.maxLength(MAX_TRACKS_PER_MESSAGE))),
  })
  .check(
    z.refine(
      ({ trackIds, seen = [] }) => {
        const requested = new Set<string>(trackIds);
        const described = new Set(seen.map((track) => track.trackId));
        return described.size === seen.length && [...described].every((id) => requested.has(id));
      },
      { message: 'every seen track must be one of trackIds, at most once', path: ['seen'] },
    ),
  );
export type ClassifyRequest = z.infer<typeof ClassifyRequestSchema>;

/** Most themes a result ranks ({@link TrackResultSchema}'s `topThemes`): the badge's tooltip shows three. */
export const TOP_THEMES = 3;

/** One input that pushed the badge's theme up (`Reason` in model/reasons.ts; computed by model/explanation.ts). */
export const ReasonSchema = z.object({
  input: z.enum(Object.keys(REASON_PHRASES) as [ExplainedInput, ...ExplainedInput[]]),
  direction: z.enum(['high', 'low']),
  /** Probability points (0..1) the theme loses among the enabled themes when the input is moved to the training mean. */
  change: z.number().check(z.gte(0), z.lte(1)),
});

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
    /** When the provider gave the audio features, in ms since the epoch (the cache keeps them until evicted). */
    fetchedAt: z.number().check(z.gte(0)),
    /**
     * The most probable enabled themes, most probable first, at most {@link TOP_THEMES}, each with
     * its probability renormalized over the enabled themes (`rankThemes`); the first is `theme`
     * with `probability`.
     */
    topThemes: z.array(z.object({ theme: ThemeIdSchema, probability: z.number().check(z.gte(0), z.lte(1)) })).check(z.minLength(1), z.maxLength(TOP_THEMES)),
    /** Why `theme`: the inputs that pushed its probability up most, largest first (model/explanation.ts); may be empty. */
    why: z.array(ReasonSchema).check(z.maxLength(MAX_REASONS)),
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

/**
 * The longest `search` query, in characters after trimming: our own cap, well over any title and
 * artist typed together or a track link, so that one message bounds the work of a search over the
 * seen tracks' title index. The popup says so instead of sending a longer text, and sends a pasted
 * track link as its `spotify:track:<id>` URI, whatever the link's length.
 */
export const SEARCH_QUERY_MAX_LENGTH = 200;

/** `search` request: free text, or a pasted track URL / URI. */
export const SearchRequestSchema = z.object({ query: z.string().check(z.trim(), z.minLength(1), z.maxLength(SEARCH_QUERY_MAX_LENGTH)) });
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
    /**
     * What needs the user's attention about the connection, or `null`: e.g. Spotify refused the
     * stored refresh token (connect again), or a new token could not be saved (storage full).
     */
    problem: z.nullable(z.string().check(z.maxLength(500))),
  }),
  cache: z.object({
    /** Tracks with a cached provider answer. */
    tracks: z.int().check(z.gte(0)),
    /** Estimated bytes used (see `CacheStats` in `lib/background/cache.ts`). */
    bytes: z.int().check(z.gte(0)),
    /** Most tracks kept before the least recently used are evicted (the user's setting). */
    limit: z.int().check(z.gte(1)),
    /**
     * Lists (playlists, albums, Liked Songs) whose track order is remembered for the warm start
     * (`lib/background/list-memory.ts`: track IDs by position, at most 50 lists); not in `bytes`.
     */
    lists: z.int().check(z.gte(0)),
    /** The last storage failure (e.g. `QuotaExceededError`) as a sentence for the user, or `null`. */
    problem: z.nullable(z.string().check(z.maxLength(500))),
  }),
});
export type Status = z.infer<typeof StatusSchema>;

/** `connectSpotify` request: the client ID of the user's own Spotify app. */
export const ConnectRequestSchema = z.object({ clientId: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)) });

// Most tracks one save may carry (Spotify's playlist limit), defined apart for the panel's chunk.
export { MAX_SAVE_TRACKS };

/**
 * `prepareSave` request (issue 12): the panel's selection, to be confirmed in an extension window
 * before anything reaches the user's account. `themes` are the filter's picked themes (for the
 * playlist's name); `tracks` in list order (repeats are saved once).
 */
export const PrepareSaveRequestSchema = z.object({
  listName: z.string().check(z.maxLength(SEEN_NAME_MAX_LENGTH)),
  themes: z.array(ThemeIdSchema).check(z.maxLength(8)),
  tracks: z
    .array(z.pick(SeenTrackSchema, { trackId: true, name: true, artists: true }))
    .check(z.minLength(1), z.maxLength(MAX_SAVE_TRACKS)),
});
export type PrepareSaveRequest = z.infer<typeof PrepareSaveRequestSchema>;

/** A save job's ID (a UUID). */
const JobIdSchema = z.string().check(z.regex(/^[0-9a-f-]{36}$/));

/**
 * A save job as the confirmation window shows it: the proposed name, how many tracks, the first
 * titles, progress (`added` of `count`), the state (`ready`, `saving`, `done`, `failed`), why it
 * stopped, the new playlist's link, and whether saving will first ask Spotify for the
 * `playlist-modify-private` scope.
 */
export const SaveJobViewSchema = z.object({
  id: JobIdSchema,
  name: z.string().check(z.maxLength(MAX_PLAYLIST_NAME_LENGTH)),
  description: z.string().check(z.maxLength(300)),
  count: z.int().check(z.gte(1), z.lte(MAX_SAVE_TRACKS)),
  preview: z.array(z.string()).check(z.maxLength(5)),
  added: z.int().check(z.gte(0)),
  state: z.enum(['ready', 'saving', 'done', 'failed']),
  error: z.optional(z.string().check(z.maxLength(500))),
  playlistUrl: z.optional(z.string().check(z.maxLength(500))),
  connected: z.boolean(),
  needsScope: z.boolean(),
});
export type SaveJobView = z.infer<typeof SaveJobViewSchema>;

/** A list Spotify's Web API can read whole (issue 12): a playlist or an album by ID, or Liked Songs. */
export const ApiListSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('playlist'), id: z.string().check(z.regex(/^[0-9A-Za-z]{1,64}$/)) }),
  z.object({ kind: z.literal('album'), id: z.string().check(z.regex(/^[0-9A-Za-z]{1,64}$/)) }),
  z.object({ kind: z.literal('liked') }),
]);
export type ApiList = z.infer<typeof ApiListSchema>;

/**
 * A whole-list read as its confirmation window shows it: the list, the state (`ready`,
 * `reading`, `done`: the tracks went to the page's panel; `fallback`: Spotify refused (403), the
 * panel reads the list by scrolling; `failed`), how many tracks were read, why it did not work,
 * and whether reading first asks Spotify for a scope (`playlist-read-private` or `user-library-read`).
 */
export const ReadJobViewSchema = z.object({
  id: JobIdSchema,
  listName: z.string().check(z.maxLength(SEEN_NAME_MAX_LENGTH)),
  list: ApiListSchema,
  state: z.enum(['ready', 'reading', 'done', 'fallback', 'failed']),
  /** Entries read (`done`). */
  count: z.optional(z.int().check(z.gte(0))),
  /** The list's length as Spotify gives it (`done`): above `count` when the list is longer than one read takes. */
  total: z.optional(z.int().check(z.gte(0))),
  reason: z.optional(z.string().check(z.maxLength(500))),
  connected: z.boolean(),
  scope: z.string(),
  needsScope: z.boolean(),
});
export type ReadJobView = z.infer<typeof ReadJobViewSchema>;

/** One track of a list read through the Web API, in list order: what a row shows of a track ({@link SeenTrackSchema}), from the API instead. */
export const ReadTrackSchema = SeenTrackSchema;
export type ReadTrack = z.infer<typeof ReadTrackSchema>;

/**
 * What the background sends the tab's panel after a confirmed whole-list read (`tabs.sendMessage`,
 * validated by the content script): the list's tracks (`list`; positions are their order, `null`
 * where the API gave no track, e.g. a podcast episode or a local file; at most MAX_SAVE_TRACKS,
 * with `total` the list's length as Spotify gives it), or why Spotify refused, so the panel reads
 * the list by scrolling instead (`list-refused`).
 */
export const PanelNoticeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('playlist-predictor:list'), jobId: JobIdSchema, list: ApiListSchema, tracks: z.array(z.nullable(ReadTrackSchema)).check(z.maxLength(MAX_SAVE_TRACKS)), total: z.int().check(z.gte(0)) }),
  z.object({ type: z.literal('playlist-predictor:list-refused'), jobId: JobIdSchema, list: ApiListSchema, reason: z.string().check(z.maxLength(500)) }),
]);
export type PanelNotice = z.infer<typeof PanelNoticeSchema>;

/**
 * What the toolbar popup sends the active tab's content script (`tabs.sendMessage`, validated by
 * the content script, accepted only from this extension) when the background has no report of
 * the tab's list: the background keeps reports in memory, and Chrome stops an idle service
 * worker after 30 s (developer.chrome.com/docs/extensions/develop/concepts/service-workers/lifecycle).
 * The content script sends its list again (`reportList`) and answers {@link ReportListAnswerSchema}.
 */
export const ReportListRequestSchema = z.strictObject({ type: z.literal('playlist-predictor:report-list') });
export type ReportListRequest = z.infer<typeof ReportListRequestSchema>;

/** The content script's answer to {@link ReportListRequestSchema}: whether the background now has the tab's list. */
export const ReportListAnswerSchema = z.object({ reported: z.boolean() });
export type ReportListAnswer = z.infer<typeof ReportListAnswerSchema>;

/**
 * What the content script reports of the list its tab shows (issue 12), for the toolbar popup:
 * the list's name, its Web API identity when it has one, its length when the page says it, and
 * every track seen so far with its position and its badge's state (`loading` until answered).
 * An empty `items` clears the report (the tab left its list).
 */
export const ListReportSchema = z.object({
  listName: z.string().check(z.maxLength(SEEN_NAME_MAX_LENGTH)),
  list: z.optional(ApiListSchema),
  total: z.optional(z.int().check(z.gte(0), z.lte(MAX_SAVE_TRACKS))),
  items: z
    .array(
      z.extend(SeenTrackSchema, {
        position: z.int().check(z.gte(0), z.lt(MAX_SAVE_TRACKS)),
        state: z.union([z.object({ status: z.literal('loading') }), TrackResultSchema]),
      }),
    )
    .check(z.maxLength(MAX_SAVE_TRACKS)),
});
export type ListReport = z.infer<typeof ListReportSchema>;

const EmptySchema = z.strictObject({});

/**
 * Most remembered tracks of a list a warm start covers: its first 1,000 (a revisit starts at the
 * top; Spotify draws about 25 rows at a time).
 */
export const WARM_LIST_MAX_TRACKS = 1_000;

/**
 * Remembered tracks per `warmList` message after the first ({@link WARM_LIST_FIRST_PAGE_TRACKS}):
 * the warm start comes in pages, the top of the list first, so the first screens' answers arrive
 * after a small part of the work, and no page is a long task (about 400 bytes of answer per
 * track, and the model and its explanation run per track in the background).
 */
export const WARM_LIST_PAGE_TRACKS = 250;

/**
 * Remembered tracks in the first `warmList` page (`from` 0): fewer, because the tab's first rows'
 * own `classify` waits for this page (`createMessageHandlers` in
 * `lib/background/message-handlers.ts`), so its cost is added to the first screen's badges; 50
 * covers the first screen and the next (Spotify draws about 25 rows at a time). Pages of
 * {@link WARM_LIST_PAGE_TRACKS} follow.
 */
export const WARM_LIST_FIRST_PAGE_TRACKS = 50;

/** `warmList` request: the list, and the first remembered track (index in list order) of the page asked for. */
export const WarmListRequestSchema = z.object({
  list: ApiListSchema,
  from: z.optional(z.int().check(z.gte(0), z.lt(WARM_LIST_MAX_TRACKS))),
});

/**
 * `warmList` response: the results the background already has for one page of the list's
 * remembered tracks (`lib/background/list-memory.ts`): `ok` or `unknown` for tracks whose audio
 * features are cached, in list order, none for the others; `next`, the `from` of the next page,
 * or `null` after the last (empty for a list never reported).
 */
export const WarmListResponseSchema = z.object({
  results: z.array(TrackResultSchema).check(
    z.maxLength(WARM_LIST_PAGE_TRACKS),
    z.refine((results) => results.every((result) => result.status !== 'error'), 'a warm start carries answers only, no errors'),
  ),
  next: z.nullable(z.int().check(z.gt(0), z.lt(WARM_LIST_MAX_TRACKS))),
});

/**
 * Who sent a message, as the background tells it from the browser's `runtime.MessageSender`
 * (see `senderKind` in `lib/background/message-router.ts`):
 * - `extension-page`: one of this extension's own pages (popup, options), whatever tab it is in;
 * - `spotify-tab`: this extension's content script in a tab on https://open.spotify.com, a world
 *   that a compromised Spotify renderer (or, through forged page events, a page script) can
 *   influence, so it may only ask for what the page needs;
 * - `other`: anything else (another extension, a page, a frame of another site): never answered.
 */
export type SenderKind = 'extension-page' | 'spotify-tab' | 'other';

/**
 * The protocol: every message's request and response schema, and the senders it is accepted
 * from. The receiver parses requests, the sender parses responses, so neither side trusts the
 * other's shape. Only `classify` (what the badges need) and `prepareSave` (which only opens the
 * confirmation window) are open to the content script; acting on the user's account (`startSave`),
 * the cache or the Spotify search is for extension pages only.
 */
export const PROTOCOL = {
  classify: { request: ClassifyRequestSchema, response: ClassifyResponseSchema, senders: ['spotify-tab', 'extension-page'] },
  search: { request: SearchRequestSchema, response: SearchResponseSchema, senders: ['extension-page'] },
  status: { request: EmptySchema, response: StatusSchema, senders: ['extension-page'] },
  connectSpotify: { request: ConnectRequestSchema, response: StatusSchema, senders: ['extension-page'] },
  disconnectSpotify: { request: EmptySchema, response: StatusSchema, senders: ['extension-page'] },
  clearCache: { request: EmptySchema, response: StatusSchema, senders: ['extension-page'] },
  // Only opens the confirmation window: nothing reaches the account before the user confirms there.
  prepareSave: { request: PrepareSaveRequestSchema, response: z.object({ jobId: JobIdSchema }), senders: ['spotify-tab', 'extension-page'] },
  saveJob: { request: z.object({ jobId: JobIdSchema }), response: SaveJobViewSchema, senders: ['extension-page'] },
  startSave: { request: z.object({ jobId: JobIdSchema, name: z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_PLAYLIST_NAME_LENGTH)) }), response: SaveJobViewSchema, senders: ['extension-page'] },
  // Only opens the confirmation window of a whole-list read through the Web API.
  prepareRead: { request: z.object({ list: ApiListSchema, listName: z.string().check(z.maxLength(SEEN_NAME_MAX_LENGTH)) }), response: z.object({ jobId: JobIdSchema }), senders: ['spotify-tab'] },
  readJob: { request: z.object({ jobId: JobIdSchema }), response: ReadJobViewSchema, senders: ['extension-page'] },
  // The content script's list, kept per tab for the popup (a tab can only report its own).
  reportList: { request: ListReportSchema, response: EmptySchema, senders: ['spotify-tab'] },
  // The cached results for a list the tab opens, from the tracks reported for it before (the warm start).
  warmList: { request: WarmListRequestSchema, response: WarmListResponseSchema, senders: ['spotify-tab'] },
  tabList: { request: z.object({ tabId: z.int().check(z.gte(0)) }), response: z.object({ report: z.nullable(ListReportSchema) }), senders: ['extension-page'] },
  startRead: { request: z.object({ jobId: JobIdSchema }), response: ReadJobViewSchema, senders: ['extension-page'] },
} as const satisfies Record<string, { readonly request: z.ZodMiniType; readonly response: z.ZodMiniType; readonly senders: readonly SenderKind[] }>;

/** Name of a message in {@link PROTOCOL}. */
export type MessageName = keyof typeof PROTOCOL;
/** The request a message carries. */
export type RequestOf<N extends MessageName> = z.input<(typeof PROTOCOL)[N]['request']>;
/** The request as the background's handler receives it (parsed). */
export type ParsedRequestOf<N extends MessageName> = z.infer<(typeof PROTOCOL)[N]['request']>;
/** The response a message resolves with. */
export type ResponseOf<N extends MessageName> = z.infer<(typeof PROTOCOL)[N]['response']>;

/** Whether `name` is one of the protocol's own message names (not an inherited property such as `constructor`). */
export function isMessageName(name: unknown): name is MessageName {
  return typeof name === 'string' && Object.hasOwn(PROTOCOL, name);
}

type ProtocolMap = { [N in MessageName]: (request: RequestOf<N>) => ResponseOf<N> };

/**
 * The wire format is @webext-core/messaging's: `{ id, type, data, timestamp }`, answered with
 * `{ res }` or `{ err }` (a serialized error). The background answers with its own router
 * (`lib/background/message-router.ts`), which checks the sender before anything else.
 */
const messaging = defineExtensionMessaging<ProtocolMap>();

/**
 * A request that does not match its message's schema in {@link PROTOCOL}, so it was not sent, or
 * an answer from the background that does not match the response schema. Sending the same request
 * again cannot help. The message names the message and gives zod's issues as `z.prettifyError`
 * writes them (one line per issue, with the path), never zod's JSON.
 */
export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
}

/**
 * Sends a message to the background and resolves with its validated response.
 * @throws InvalidMessageError `Invalid <name> request: <issues>` when the request does not match
 *   its schema (nothing is sent), or `Invalid answer to <name>: <issues>` when the response does not.
 * @throws Error when the background is unreachable, refused the sender or its handler threw (the
 *   handler's message).
 */
export async function sendMessage<N extends MessageName>(name: N, request: RequestOf<N>): Promise<ResponseOf<N>> {
  const { request: requestSchema, response: responseSchema } = PROTOCOL[name];
  const data = requestSchema.safeParse(request);
  if (!data.success) throw new InvalidMessageError(`Invalid ${name} request: ${z.prettifyError(data.error)}`, { cause: data.error });
  // The messaging library types each message separately; the schemas above are the real check.
  const answer: unknown = await (messaging.sendMessage as (n: MessageName, d: unknown) => Promise<unknown>)(name, data.data);
  const response = responseSchema.safeParse(answer);
  if (!response.success) throw new InvalidMessageError(`Invalid answer to ${name}: ${z.prettifyError(response.error)}`, { cause: response.error });
  return response.data as ResponseOf<N>;
}

/** Asks the background to classify tracks (see {@link sendMessage}); one result per ID. */
export function sendClassify(trackIds: readonly string[], seen?: readonly SeenTrack[]): Promise<TrackResult[]> {
  return sendMessage('classify', { trackIds: [...trackIds], ...(seen ? { seen: [...seen] } : {}) });
}
