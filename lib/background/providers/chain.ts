import { z } from 'zod';
import type { AudioFeatures } from '@/model/features';
import type { TrackId } from '@/lib/shared/track-id';
import type { AudioFeatureProvider, ProviderResult, ProviderSkip } from '@/lib/background/providers/types';
import { DEFAULT_PROVIDER_SETTINGS, PROVIDER_IDS, ProviderSettingsSchema, type ProviderId, type ProviderSettings } from '@/lib/shared/providers';
import { errorMessage } from '@/lib/shared/error-message';

/** One provider's state in the chain, for the UI ("why was Spotify skipped?"). */
export type ProviderState =
  | { readonly id: ProviderId; readonly active: true }
  | ({ readonly id: ProviderId; readonly active: false } & ProviderSkip);

/** What a chain answers: a {@link ProviderResult} plus, per track, the provider it came from. */
export interface SourcedResult extends ProviderResult {
  /**
   * For a track with features, the provider that gave them; for an unknown track (absent from
   * `features` and `errors`), the last provider that answered "unknown".
   */
  readonly providerOf: Map<TrackId, ProviderId>;
}

/**
 * Tracks whose answer became final during {@link ProviderChain.getAudioFeatures}, as soon as it
 * did: `trackIds` lists them; each is in `features` (with its provider in `providerOf`), in
 * `errors`, or unknown (in neither, with the last provider asked in `providerOf`).
 */
export interface SourcedBatch extends SourcedResult {
  readonly trackIds: readonly TrackId[];
}

/** Receives {@link SourcedBatch}es; must not throw. */
export type SourcedBatchListener = (batch: SourcedBatch) => void;

/** Audio features from several providers in the user's order (what the theme service uses). */
export interface ProviderChain {
  /** Distinguishes a chain from a single {@link AudioFeatureProvider} (whose `id` is a provider ID). */
  readonly id: 'chain';
  /**
   * Features for `trackIds`. Active providers are asked in order; each is asked only for the
   * tracks no earlier provider had features for. Per track: the first provider with features
   * wins; a track unknown to or failed at one provider goes on to the next. At the end a track
   * with no features is in `errors` if any provider failed for it (the message names each
   * provider and why: not cached), else unknown. With no active provider at all every track is
   * in `errors`, saying why each provider was skipped. A track's `durations` entry, if any, comes
   * from the provider that gave its features. Never rejects for a provider's failure.
   *
   * `onSettled` hears of each track once, as soon as its answer is final, batch by batch: a
   * track with features when its provider's batch arrives, an unknown or failed track when the
   * last provider's batch arrives. Tracks it did not hear of (e.g. providers that report no
   * batches, or no provider to ask) are final only in the resolved result, which has every track.
   */
  getAudioFeatures(trackIds: readonly TrackId[], onSettled?: SourcedBatchListener): Promise<SourcedResult>;
  /** Every known provider in the effective order, with whether it is asked now and, if not, why. */
  states(): Promise<ProviderState[]>;
}

/** Dependencies of {@link createProviderChain}. */
export interface ProviderChainDeps {
  /** The available providers (at most one per ID; later duplicates are ignored). */
  readonly providers: readonly AudioFeatureProvider[];
  /** The user's order and disabled providers; defaults to {@link DEFAULT_PROVIDER_SETTINGS}. */
  readonly settings?: () => Promise<ProviderSettings>;
  readonly log?: Pick<Console, 'warn'>;
}

/**
 * The effective order: the settings' order without duplicates, then any provider ID the
 * settings left out, in {@link PROVIDER_IDS} order (so a new provider is not silently lost).
 */
export function effectiveOrder(settings: ProviderSettings): ProviderId[] {
  return [...new Set([...settings.order, ...PROVIDER_IDS])];
}

/** Creates the {@link ProviderChain}. */
export function createProviderChain(deps: ProviderChainDeps): ProviderChain {
  const byId = new Map<ProviderId, AudioFeatureProvider>();
  for (const p of deps.providers) if (!byId.has(p.id)) byId.set(p.id, p);
  const log = deps.log ?? console;

  async function readSettings(): Promise<ProviderSettings> {
    if (!deps.settings) return DEFAULT_PROVIDER_SETTINGS;
    try {
      const parsed = ProviderSettingsSchema.safeParse(await deps.settings());
      if (parsed.success) return parsed.data;
      log.warn('Playlist Predictor: invalid provider settings, using the defaults', z.prettifyError(parsed.error));
    } catch (error) {
      log.warn('Playlist Predictor: provider settings unreadable, using the defaults', error);
    }
    return DEFAULT_PROVIDER_SETTINGS;
  }

  async function stateOf(id: ProviderId, disabled: ReadonlySet<ProviderId>): Promise<ProviderState | undefined> {
    const provider = byId.get(id);
    if (!provider) return undefined;
    if (disabled.has(id)) return { id, active: false, reason: 'disabled', message: `${id} is turned off in the options` };
    let skip: ProviderSkip | undefined;
    try {
      skip = await provider.skipReason?.();
    } catch (error) {
      log.warn(`Playlist Predictor: could not tell whether ${id} is usable; asking it anyway`, error);
    }
    return skip ? { id, active: false, ...skip } : { id, active: true };
  }

  async function states(): Promise<ProviderState[]> {
    const settings = await readSettings();
    const disabled = new Set(settings.disabled);
    const out: ProviderState[] = [];
    for (const id of effectiveOrder(settings)) {
      const state = await stateOf(id, disabled);
      if (state) out.push(state);
    }
    return out;
  }

  return {
    id: 'chain',
    states,
    async getAudioFeatures(trackIds, onSettled) {
      const unique = [...new Set(trackIds)];
      const features = new Map<TrackId, AudioFeatures>();
      const durations = new Map<TrackId, number>();
      const providerOf = new Map<TrackId, ProviderId>();
      const failures = new Map<TrackId, string[]>();
      const all = await states();
      const active = all.filter((s) => s.active);

      if (active.length === 0) {
        const why = all.map((s) => (s.active ? s.id : `${s.id}: ${s.message}`)).join('; ');
        const message = `no audio-features provider can be asked (${why || 'none configured'})`;
        return { features, durations, providerOf, errors: new Map(unique.map((id) => [id, message])) };
      }

      let pending = unique;
      for (const [index, { id }] of active.entries()) {
        if (pending.length === 0) break;
        const provider = byId.get(id);
        if (!provider) continue;
        const last = index === active.length - 1;
        const asked = new Set(pending);
        const handled = new Set<TrackId>();
        const next: TrackId[] = [];

        /** Takes `ids` of `answer` (each once per provider) and tells `onSettled` what became final. */
        const take = (ids: readonly TrackId[], answer: ProviderResult): void => {
          const finals: TrackId[] = [];
          const settled = { trackIds: finals, features: new Map<TrackId, AudioFeatures>(), durations: new Map<TrackId, number>(), errors: new Map<TrackId, string>(), providerOf: new Map<TrackId, ProviderId>() } satisfies SourcedBatch;
          const final = (trackId: TrackId): void => void finals.push(trackId);
          for (const trackId of ids) {
            if (!asked.has(trackId) || handled.has(trackId)) continue;
            handled.add(trackId);
            const f = answer.features.get(trackId);
            if (f) {
              features.set(trackId, f);
              providerOf.set(trackId, id);
              settled.features.set(trackId, f);
              // The duration comes with the features, from the same provider's answer.
              const duration = answer.durations?.get(trackId);
              if (duration !== undefined) {
                durations.set(trackId, duration);
                settled.durations.set(trackId, duration);
              }
              settled.providerOf.set(trackId, id);
              final(trackId);
              continue;
            }
            const error = answer.errors.get(trackId);
            if (error !== undefined) failures.set(trackId, [...(failures.get(trackId) ?? []), error]);
            else providerOf.set(trackId, id);
            next.push(trackId);
            if (!last) continue;
            // No provider is left to ask: unknown, or an error if any provider failed for it.
            const messages = failures.get(trackId);
            if (messages) settled.errors.set(trackId, messages.join('; '));
            else settled.providerOf.set(trackId, id);
            final(trackId);
          }
          if (finals.length > 0) onSettled?.(settled);
        };

        let answer: ProviderResult;
        try {
          answer = await provider.getAudioFeatures(pending, (batch) => take(batch.trackIds, batch));
        } catch (error) {
          answer = { features: new Map(), errors: new Map(pending.map((t) => [t, `${id}: ${errorMessage(error)}`])) };
        }
        // Whatever no batch reported: the resolved result is complete.
        take(pending, answer);
        pending = next;
      }

      const errors = new Map<TrackId, string>();
      for (const trackId of pending) {
        const messages = failures.get(trackId);
        if (messages) {
          errors.set(trackId, messages.join('; '));
          providerOf.delete(trackId);
        }
      }
      return { features, durations, providerOf, errors };
    },
  };
}
