import { pickTheme, type Classifier } from '@/model/classifier';
import type { AudioFeatures } from '@/model/features';
import { defaultEnabledThemes } from '@/model/metadata';
import type { ThemeId } from '@/model/themes';
import type { FeatureCache, FeatureRecord } from '@/lib/background/cache';
import type { TrackResult } from '@/lib/shared/messaging';
import type { ProviderChain, SourcedResult } from '@/lib/background/providers/chain';
import type { AudioFeatureProvider } from '@/lib/background/providers/types';
import type { ProviderId } from '@/lib/shared/providers';
import type { TrackId } from '@/lib/shared/track-id';

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
}

/** The background's classification service. */
export interface ThemeService {
  /**
   * Classifies tracks by ID: audio features from the cache, else from the provider (fetched
   * features are stored before answering), then the model. One result per ID, in order.
   * Never rejects for a per-track problem: such tracks get `status: "error"` with a message.
   */
  classify(trackIds: readonly TrackId[]): Promise<TrackResult[]>;
}

/** A single provider's answer in the chain's shape: every track attributed to that provider. */
async function askSource(source: ProviderChain | AudioFeatureProvider, trackIds: readonly TrackId[]): Promise<SourcedResult> {
  if (source.id === 'chain') return source.getAudioFeatures(trackIds);
  const answer = await source.getAudioFeatures(trackIds);
  return { ...answer, providerOf: new Map(trackIds.map((id) => [id, source.id])) };
}

/** A provider's answer for one track: its features (or `null`, unknown) and who gave them, or why there are none. */
type Fetched = { readonly features: AudioFeatures | null; readonly provider: ProviderId } | { readonly error: string };

/**
 * Creates the {@link ThemeService}. Fetched answers are cached with the provider they came
 * from: features with the provider that gave them, "unknown" with the last provider asked.
 *
 * A track ID whose features are being fetched is never fetched again meanwhile: a second request
 * for it (another tab, a reloaded page, a row scrolled back) waits for the first one's answer.
 */
export function createThemeService(deps: ThemeServiceDeps): ThemeService {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? console;
  /** Tracks whose features are on their way, with the answer to wait for. */
  const inFlight = new Map<TrackId, Promise<Fetched>>();

  /** Asks the provider for `ids`, caches what it answers, and registers each ID as in flight until then. */
  function fetchFeatures(ids: readonly TrackId[]): void {
    const request = (async (): Promise<Map<TrackId, Fetched>> => {
      const answer = await askSource(deps.provider, ids);
      const fetchedAt = now();
      const out = new Map<TrackId, Fetched>();
      const records: FeatureRecord[] = [];
      for (const id of ids) {
        const error = answer.errors.get(id);
        const provider = answer.providerOf.get(id);
        if (error !== undefined) out.set(id, { error });
        else if (provider === undefined) out.set(id, { error: 'no provider answered for this track' });
        else {
          const features = answer.features.get(id) ?? null;
          out.set(id, { features, provider });
          records.push({ trackId: id, features, provider, fetchedAt });
        }
      }
      try {
        await deps.cache.put(records);
      } catch (error) {
        log.warn(`Playlist Predictor: could not cache ${records.length} tracks' audio features`, error);
      }
      return out;
    })();
    for (const id of ids) {
      const one = request.then(
        (answers): Fetched => answers.get(id) ?? { error: 'no provider answered for this track' },
        (error: unknown): Fetched => ({ error: error instanceof Error ? error.message : String(error) }),
      );
      inFlight.set(id, one);
      void one.finally(() => {
        if (inFlight.get(id) === one) inFlight.delete(id);
      });
    }
  }

  return {
    async classify(trackIds) {
      const features = new Map<TrackId, AudioFeatures | null>();
      const providerOf = new Map<TrackId, ProviderId>();
      const errors = new Map<TrackId, string>();
      // Tracks already on their way are joined, not looked up or fetched again.
      const unique = [...new Set(trackIds)];
      const joined = new Map(unique.flatMap((id) => {
        const pending = inFlight.get(id);
        return pending ? [[id, pending] as const] : [];
      }));
      let cached = new Map<TrackId, FeatureRecord>();
      try {
        cached = await deps.cache.get(unique.filter((id) => !joined.has(id)), now());
      } catch (error) {
        log.warn('Playlist Predictor: feature cache unreadable, asking the provider', error);
      }
      for (const [id, record] of cached) {
        features.set(id, record.features);
        providerOf.set(id, record.provider);
      }

      const missing = unique.filter((id) => !features.has(id));
      const fresh = missing.filter((id) => !joined.has(id) && !inFlight.has(id));
      if (fresh.length > 0) fetchFeatures(fresh);
      const fetched = await Promise.all(missing.map(async (id) => [id, await (joined.get(id) ?? inFlight.get(id))] as const));
      for (const [id, answer] of fetched) {
        if (answer === undefined) errors.set(id, 'no provider answered for this track');
        else if ('error' in answer) errors.set(id, answer.error);
        else {
          features.set(id, answer.features);
          providerOf.set(id, answer.provider);
        }
      }

      let classifier: Classifier;
      try {
        classifier = await deps.classifier();
      } catch (error) {
        const message = `model unavailable: ${error instanceof Error ? error.message : String(error)}`;
        return trackIds.map((trackId) => ({ trackId, status: 'error', message }));
      }
      const { labels } = classifier.metadata;
      const [enabled, threshold] = await Promise.all([deps.enabledThemes?.() ?? defaultEnabledThemes(classifier.metadata), deps.uncertainThreshold?.() ?? 0]);
      const known = trackIds.filter((id) => features.get(id));
      const probabilities = classifier.predict(known.map((id) => features.get(id)).filter((f): f is AudioFeatures => f != null));
      const byId = new Map(known.map((id, i) => [id, probabilities[i] ?? []]));

      return trackIds.map((trackId): TrackResult => {
        const error = errors.get(trackId);
        if (error !== undefined) return { trackId, status: 'error', message: error };
        const p = byId.get(trackId);
        const provider = providerOf.get(trackId);
        if (!p || !provider) return { trackId, status: 'unknown' };
        const choice = pickTheme(p, labels, enabled);
        return {
          trackId,
          status: 'ok',
          theme: choice.theme,
          probability: choice.probability,
          uncertain: choice.probability < threshold,
          probabilities: Object.fromEntries(labels.map((l, i) => [l, p[i] ?? 0])),
          provider,
        };
      });
    },
  };
}
