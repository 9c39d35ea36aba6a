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

/**
 * Creates the {@link ThemeService}. Fetched answers are cached with the provider they came
 * from: features with the provider that gave them, "unknown" with the last provider asked.
 */
export function createThemeService(deps: ThemeServiceDeps): ThemeService {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? console;
  return {
    async classify(trackIds) {
      const features = new Map<TrackId, AudioFeatures | null>();
      const providerOf = new Map<TrackId, ProviderId>();
      const errors = new Map<TrackId, string>();
      let cached = new Map<TrackId, FeatureRecord>();
      try {
        cached = await deps.cache.get(trackIds, now());
      } catch (error) {
        log.warn('Playlist Predictor: feature cache unreadable, asking the provider', error);
      }
      for (const [id, record] of cached) {
        features.set(id, record.features);
        providerOf.set(id, record.provider);
      }

      const missing = [...new Set(trackIds)].filter((id) => !features.has(id));
      if (missing.length > 0) {
        const answer = await askSource(deps.provider, missing);
        const fetchedAt = now();
        const records: FeatureRecord[] = [];
        for (const id of missing) {
          const error = answer.errors.get(id);
          if (error !== undefined) {
            errors.set(id, error);
            continue;
          }
          const f = answer.features.get(id) ?? null;
          const provider = answer.providerOf.get(id);
          if (provider === undefined) {
            errors.set(id, 'no provider answered for this track');
            continue;
          }
          features.set(id, f);
          providerOf.set(id, provider);
          records.push({ trackId: id, features: f, provider, fetchedAt });
        }
        try {
          await deps.cache.put(records);
        } catch (error) {
          log.warn(`Playlist Predictor: could not cache ${records.length} tracks' audio features`, error);
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
      const enabled = deps.enabledThemes ? await deps.enabledThemes() : defaultEnabledThemes(classifier.metadata);
      const threshold = deps.uncertainThreshold ? await deps.uncertainThreshold() : 0;
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
