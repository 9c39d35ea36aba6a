import type { Classifier } from '@/model/classifier';
import { pickTheme, rankThemes } from '@/model/theme-choice';
import { explainPredictions } from '@/model/explanation';
import { normalizeDurationMs, type AudioFeatures } from '@/model/features';
import { defaultEnabledThemes } from '@/model/metadata';
import type { ThemeId } from '@/model/themes';
import type { FeatureCache, FeatureRecord } from '@/lib/background/cache';
import { TOP_THEMES, type TrackResult } from '@/lib/shared/messaging';
import type { ProviderChain, SourcedBatch, SourcedBatchListener, SourcedResult } from '@/lib/background/providers/chain';
import type { AudioFeatureProvider } from '@/lib/background/providers/types';
import type { ProviderId } from '@/lib/shared/providers';
import type { TrackId } from '@/lib/shared/track-id';
import { formatDuration } from '@/lib/background/deadline';
import { errorMessage } from '@/lib/shared/error-message';

/** What the theme service needs; all injected so tests can swap each part. */
export interface ThemeServiceDeps {
  /** Resolves the loaded classifier (loaded once, lazily, by the caller). */
  readonly classifier: () => Promise<Classifier>;
  readonly cache: FeatureCache;
  /**
   * Where uncached features come from: the provider chain (`createProviderChain`), which says
   * per track which provider answered, or a single provider.
   */
  readonly provider: ProviderChain | AudioFeatureProvider;
  /** Themes the badge may show; defaults to the model's non-experimental themes. */
  readonly enabledThemes?: () => Promise<readonly ThemeId[]>;
  /**
   * Renormalized probability below which a result is flagged `uncertain`, in [0, 1];
   * defaults to 0 (never uncertain).
   */
  readonly uncertainThreshold?: () => Promise<number>;
  readonly now?: () => number;
  readonly log?: Pick<Console, 'warn'>;
  /** How long one `classify` call may take, ms (default {@link CLASSIFY_DEADLINE_MS}; tests shorten it). */
  readonly deadlineMs?: number;
}

/**
 * How long one `classify` call may take, ms (45 s), provider retries included. Chrome stops a
 * service worker whose event takes longer than 5 minutes
 * (developer.chrome.com/docs/extensions/develop/concepts/service-workers/lifecycle), and the
 * page's badge should say something long before that; 45 s leaves room for two provider requests
 * of `PROVIDER_REQUEST_DEADLINE_MS` (20 s) one after the other (Spotify, then ReccoBeats).
 */
export const CLASSIFY_DEADLINE_MS = 45_000;

/** The background's classification service. */
export interface ThemeService {
  /**
   * Classifies tracks by ID: audio features from the cache, else from the provider (each batch's
   * answers are stored as soon as the batch arrives, and answered without waiting for the
   * database: see {@link createThemeService}), then the model. One result per ID, in order.
   * Never rejects for a per-track problem: such tracks get `status: "error"` with a message.
   *
   * Resolves within `deadlineMs` ({@link CLASSIFY_DEADLINE_MS}, 45 s): tracks whose features
   * have not arrived by then get `status: "error"` ("audio features did not arrive within 45
   * s..."); their fetch goes on, and answers that arrive later are cached for the next request.
   *
   * Durations (issue 10): `pageDurations` maps track IDs to the duration their page shows, in ms
   * (normalized here with `normalizeDurationMs`). A track's duration is the provider's when its
   * answer carried one (Spotify's `duration_ms`), else the page's, else `null` (unknown); it is
   * stored with the features. A cached record without one gets the page's
   * (`FeatureCache.fillDurations`, not awaited), and a cached one is kept over the page's. The
   * model gets `{ features, durationMs }` per track.
   */
  classify(trackIds: readonly TrackId[], pageDurations?: ReadonlyMap<TrackId, number>): Promise<TrackResult[]>;
  /**
   * {@link classify} for the tracks whose features are cached only (the warm start of a list,
   * `lib/background/list-memory.ts`): no provider is asked and nothing is waited for, so it
   * answers in the time of one cache read and one model run. Returns a result (`ok` or
   * `unknown`) for each distinct cached ID, in the order given, and none for the others. A cache
   * that cannot be read, or a model or settings not loaded within the same deadline, give `[]`
   * (the badges then ask through {@link classify}); rejects only when the settings are invalid.
   */
  classifyCached(trackIds: readonly TrackId[]): Promise<TrackResult[]>;
}

/**
 * Asks `source` for `trackIds`, passing each batch of final answers to `onSettled` as it arrives.
 * A single provider's answer gets the chain's shape: every track attributed to that provider.
 */
async function askSource(source: ProviderChain | AudioFeatureProvider, trackIds: readonly TrackId[], onSettled: SourcedBatchListener): Promise<SourcedResult> {
  if (source.id === 'chain') return source.getAudioFeatures(trackIds, onSettled);
  const attributed = (ids: readonly TrackId[]) => new Map(ids.map((id) => [id, source.id]));
  const answer = await source.getAudioFeatures(trackIds, (batch) => onSettled({ ...batch, providerOf: attributed(batch.trackIds) }));
  return { ...answer, providerOf: attributed(trackIds) };
}

/**
 * A provider's answer for one track: its features (or `null`, unknown), who gave them and the
 * duration stored with them (ms or `null`, see {@link ThemeService.classify}), or why there are none.
 */
type Fetched = { readonly features: AudioFeatures | null; readonly provider: ProviderId; readonly durationMs: number | null; readonly fetchedAt: number } | { readonly error: string };

/**
 * A track whose features are being fetched: `answer` resolves when the provider's answer is known,
 * `stored` (never rejects) once that answer is in the cache, or at once when there is nothing to
 * store (an error). The track stays in flight until `stored`.
 */
interface InFlight {
  readonly answer: Promise<Fetched>;
  readonly stored: Promise<void>;
}

/** What {@link beforeDeadline} gives for a promise that had not settled by the deadline. */
const LATE = Symbol('late');

/** One `classify` call's deadline: `reached` resolves with {@link LATE} when it passes. */
interface Deadline {
  readonly reached: Promise<typeof LATE>;
  /** Stops the timer (the call has finished). */
  clear(): void;
}

/** A {@link Deadline} `ms` from now (`setTimeout`, so fake timers drive it in tests). */
function startDeadline(ms: number): Deadline {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reached = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), ms);
  });
  return { reached, clear: () => clearTimeout(timer) };
}

/** A settled promise's result, as a value (so a rejection is handled the moment it happens). */
type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** `promise` settled into an {@link Outcome}; never rejects. */
const outcome = <T>(promise: Promise<T>): Promise<Outcome<T>> =>
  promise.then(
    (value): Outcome<T> => ({ ok: true, value }),
    (error: unknown): Outcome<T> => ({ ok: false, error }),
  );

/**
 * `promise`'s outcome, or {@link LATE} when the deadline came first. A promise already settled
 * when this is called wins even if the deadline has passed as well (`Promise.race` takes the
 * first of several settled promises in its list).
 */
const beforeDeadline = <T>(promise: Promise<T>, deadline: Deadline): Promise<T | typeof LATE> =>
  Promise.race([promise, deadline.reached]);

/**
 * Creates the {@link ThemeService}. Fetched answers are cached with the provider they came
 * from: features with the provider that gave them, "unknown" with the last provider asked.
 *
 * A track ID whose features are being fetched is never fetched again meanwhile: a second request
 * for it (another tab, a reloaded page, a row scrolled back) waits for the first one's answer.
 *
 * Fetched answers reach the badges without waiting for IndexedDB. A 20-record `put` took 5-10 ms
 * in Chromium's background, and 39 ms the first time after the service worker started. It takes
 * far longer when it evicts (see `FeatureCache.put`): with the cache at its default bound, a
 * playlist was badged in about 1 s instead of 3.7-4.5 s (`npm run bench:cache`, README "Trust
 * boundaries and bounded waits", measured 2026-12-07). Until its record is stored, a track
 * stays in flight, so a request for it meanwhile joins the answer instead of reading the cache or
 * fetching again, and a page duration it brings is written only after the record.
 */
export function createThemeService(deps: ThemeServiceDeps): ThemeService {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? console;
  const deadlineMs = deps.deadlineMs ?? CLASSIFY_DEADLINE_MS;
  const within = formatDuration(deadlineMs);
  const lateMessage = `audio features did not arrive within ${within} (the providers are slow or unreachable); they are kept if they arrive later`;
  /** Tracks whose features are on their way or being stored. */
  const inFlight = new Map<TrackId, InFlight>();

  /** Stores `records`; a failure (e.g. quota) is logged and costs only the cache. Never rejects. */
  async function store(records: readonly FeatureRecord[]): Promise<void> {
    if (records.length === 0) return;
    try {
      await deps.cache.put(records);
    } catch (error) {
      log.warn(`Playlist Predictor: could not cache ${records.length} tracks' audio features`, error);
    }
  }

  /**
   * Asks the provider for `ids` and registers each ID as in flight (see {@link InFlight}). Each
   * batch of final answers is answered and stored as soon as it arrives (so a stalled later batch,
   * or the background being stopped, loses none of it); its tracks leave the in-flight set once
   * the batch is stored.
   */
  function fetchFeatures(ids: readonly TrackId[], pageDurations: ReadonlyMap<TrackId, number>): void {
    const waiting = new Map<TrackId, { readonly answer: (answer: Fetched) => void; readonly stored: () => void }>();
    for (const id of ids) {
      let answer: (fetched: Fetched) => void = () => {};
      let stored: () => void = () => {};
      const entry: InFlight = { answer: new Promise<Fetched>((resolve) => (answer = resolve)), stored: new Promise<void>((resolve) => (stored = resolve)) };
      waiting.set(id, { answer, stored });
      inFlight.set(id, entry);
      void entry.stored.then(() => {
        if (inFlight.get(id) === entry) inFlight.delete(id);
      });
    }

    /** Answers the tracks of `answer` still waiting, then stores their records. */
    const settle = (answer: SourcedResult, trackIds: readonly TrackId[]): void => {
      const fetchedAt = now();
      const records: FeatureRecord[] = [];
      const toStore: (() => void)[] = [];
      for (const id of trackIds) {
        const resolvers = waiting.get(id);
        if (!resolvers) continue;
        waiting.delete(id);
        const error = answer.errors.get(id);
        const provider = answer.providerOf.get(id);
        if (error !== undefined || provider === undefined) {
          resolvers.answer({ error: error ?? 'no provider answered for this track' });
          resolvers.stored();
        } else {
          const features = answer.features.get(id) ?? null;
          // Spotify's duration wins; the page's fills in when the answer had none.
          const durationMs = normalizeDurationMs(answer.durations?.get(id)) ?? normalizeDurationMs(pageDurations.get(id));
          resolvers.answer({ features, provider, durationMs, fetchedAt });
          records.push({ trackId: id, features, provider, fetchedAt, durationMs });
          toStore.push(resolvers.stored);
        }
      }
      void store(records).then(() => {
        for (const stored of toStore) stored();
      });
    };

    void askSource(deps.provider, ids, (batch: SourcedBatch) => settle(batch, batch.trackIds)).then(
      (answer) => settle(answer, ids),
      (error: unknown) => {
        const message = errorMessage(error);
        for (const resolvers of waiting.values()) {
          resolvers.answer({ error: message });
          resolvers.stored();
        }
        waiting.clear();
      },
    );
  }

  /**
   * {@link ThemeService.classify} with every wait bounded by `deadline`; with `cachedOnly`,
   * {@link ThemeService.classifyCached} (tracks without a cached record are left out).
   */
  async function classifyBefore(trackIds: readonly TrackId[], pageDurations: ReadonlyMap<TrackId, number>, deadline: Deadline, cachedOnly = false): Promise<TrackResult[]> {
    // The model and the settings load while the features are looked up (both are usually kept in
    // memory already). Settled into outcomes at once, so a failure is never an unhandled rejection.
    const model = outcome(Promise.resolve().then(() => deps.classifier()));
    const options = outcome(Promise.resolve().then(() => Promise.all([deps.enabledThemes?.(), deps.uncertainThreshold?.() ?? 0])));
    const features = new Map<TrackId, AudioFeatures | null>();
    const durations = new Map<TrackId, number | null>();
    /** Page durations for cached records that have none (see {@link ThemeService.classify}). */
    const toFill = new Map<TrackId, number>();
    const providerOf = new Map<TrackId, ProviderId>();
    const fetchedAtOf = new Map<TrackId, number>();
    const errors = new Map<TrackId, string>();
    // Tracks already on their way are joined, not looked up or fetched again.
    const unique = [...new Set(trackIds)];
    const joined = new Map(cachedOnly ? [] : unique.flatMap((id) => {
      const pending = inFlight.get(id);
      return pending ? [[id, pending] as const] : [];
    }));
    let cached = new Map<TrackId, FeatureRecord>();
    try {
      const read = await beforeDeadline(deps.cache.get(unique.filter((id) => !joined.has(id)), now()), deadline);
      if (read === LATE) log.warn(`Playlist Predictor: the feature cache did not answer within ${within}`);
      else cached = read;
    } catch (error) {
      log.warn('Playlist Predictor: feature cache unreadable, asking the provider', error);
    }
    /** The duration of a track whose record holds `stored`: that, else the page's (which the record then gets). */
    const durationOf = (id: TrackId, stored: number | null): number | null => {
      if (stored !== null) return stored;
      const shown = normalizeDurationMs(pageDurations.get(id));
      if (shown !== null) toFill.set(id, shown);
      return shown;
    };
    for (const [id, record] of cached) {
      features.set(id, record.features);
      durations.set(id, durationOf(id, record.durationMs));
      providerOf.set(id, record.provider);
      fetchedAtOf.set(id, record.fetchedAt);
    }

    /** The IDs answered: all, or (cached only) those with a cached record. */
    const asked = cachedOnly ? unique.filter((id) => features.has(id)) : trackIds;
    if (asked.length === 0) return [];
    const missing = cachedOnly ? [] : unique.filter((id) => !features.has(id));
    const fresh = missing.filter((id) => !joined.has(id) && !inFlight.has(id));
    if (fresh.length > 0) fetchFeatures(fresh, pageDurations);
    /** When the fetched records that a duration is filled into are stored. */
    const storing: Promise<void>[] = [];
    const fetched = await Promise.all(
      missing.map(async (id) => {
        const pending = joined.get(id) ?? inFlight.get(id);
        return [id, pending, pending && (await beforeDeadline(pending.answer, deadline))] as const;
      }),
    );
    for (const [id, pending, answer] of fetched) {
      if (answer === undefined) errors.set(id, 'no provider answered for this track');
      else if (answer === LATE) errors.set(id, lateMessage);
      else if ('error' in answer) errors.set(id, answer.error);
      else {
        features.set(id, answer.features);
        // A fetch started by another request (no page duration then) may answer before its record
        // is stored: the page's duration is written after it.
        durations.set(id, durationOf(id, answer.durationMs));
        if (pending && toFill.has(id)) storing.push(pending.stored);
        providerOf.set(id, answer.provider);
        fetchedAtOf.set(id, answer.fetchedAt);
      }
    }
    if (toFill.size > 0) {
      // A small update of the stored records; the badges do not wait for it.
      void Promise.all(storing)
        .then(() => deps.cache.fillDurations(toFill))
        .catch((error: unknown) => log.warn(`Playlist Predictor: could not cache ${toFill.size} tracks' durations`, error));
    }

    /** Every asked track fails with `message`; the warm start (cached only) just gives nothing. */
    const failAll = (message: string): TrackResult[] => (cachedOnly ? [] : asked.map((trackId) => ({ trackId, status: 'error', message })));
    // Raced with the deadline after the features: a load that has finished by now wins the race
    // even when the deadline has passed too (it comes first), one still running loses it.
    const loaded = await beforeDeadline(model, deadline);
    if (loaded === LATE) return failAll(`model unavailable: not loaded within ${within}`);
    if (!loaded.ok) return failAll(`model unavailable: ${loaded.error instanceof Error ? loaded.error.message : String(loaded.error)}`);
    const classifier = loaded.value;
    const { labels } = classifier.metadata;
    const read = await beforeDeadline(options, deadline);
    if (read === LATE) return failAll(`settings not read within ${within}`);
    if (!read.ok) throw read.error;
    const [enabledSetting, threshold] = read.value;
    const enabled = enabledSetting ?? defaultEnabledThemes(classifier.metadata);
    // Each distinct track once: the model, its choice and its explanation.
    const known = unique.flatMap((id) => {
      const f = features.get(id);
      return f ? [{ id, input: { features: f, durationMs: durations.get(id) ?? null } }] : [];
    });
    const inputs = known.map((k) => k.input);
    const probabilities = classifier.predict(inputs);
    const choices = probabilities.map((p) => pickTheme(p, labels, enabled));
    const why = explainPredictions(
      (rows) => classifier.predict(rows),
      inputs,
      probabilities,
      choices.map((c) => labels.indexOf(c.theme)),
      classifier.metadata.features.normalization,
      // On the scale the badge shows: the theme's probability among the enabled themes.
      labels.map((l) => enabled.includes(l)),
    );
    const answered = new Map(known.map(({ id }, i) => [id, { p: probabilities[i] ?? [], choice: choices[i], why: why[i] ?? [] }]));

    return asked.map((trackId): TrackResult => {
      const error = errors.get(trackId);
      if (error !== undefined) return { trackId, status: 'error', message: error };
      const answer = answered.get(trackId);
      const provider = providerOf.get(trackId);
      if (!answer?.choice || !provider) return { trackId, status: 'unknown' };
      const { p, choice } = answer;
      return {
        trackId,
        status: 'ok',
        theme: choice.theme,
        probability: choice.probability,
        uncertain: choice.probability < threshold,
        probabilities: Object.fromEntries(labels.map((l, i) => [l, p[i] ?? 0])),
        provider,
        fetchedAt: fetchedAtOf.get(trackId) ?? 0,
        topThemes: rankThemes(p, labels, enabled).slice(0, TOP_THEMES),
        why: answer.why,
      };
    });
  }

  return {
    async classify(trackIds, pageDurations = new Map()) {
      const deadline = startDeadline(deadlineMs);
      try {
        return await classifyBefore(trackIds, pageDurations, deadline);
      } finally {
        deadline.clear();
      }
    },
    async classifyCached(trackIds) {
      const deadline = startDeadline(deadlineMs);
      try {
        return await classifyBefore(trackIds, new Map(), deadline, true);
      } finally {
        deadline.clear();
      }
    },
  };
}
