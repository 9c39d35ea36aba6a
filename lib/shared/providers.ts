import * as z from 'zod/mini';

/**
 * The audio-feature providers as every context names them: the background asks them, the
 * settings order them, messages and badges say which one answered. Defined once here.
 */

/** Identifiers of the audio-features providers, in their default order (Spotify first where it answers, then ReccoBeats; shared/notes/platform.md). */
export const PROVIDER_IDS = ['spotify', 'reccobeats'] as const;

/** zod schema of a {@link ProviderId}. */
export const ProviderIdSchema = z.enum(PROVIDER_IDS);

/** Identifier of an audio-features provider, stored with every cached record. */
export type ProviderId = (typeof PROVIDER_IDS)[number];

/**
 * Most track IDs per audio-features request, per provider: Spotify's `GET /v1/audio-features`
 * takes up to 100 IDs (developer.spotify.com/documentation/web-api/reference/get-several-audio-features);
 * ReccoBeats documents no limit, but IDs beyond about 40 are reported to be dropped silently
 * (shared/notes/platform.md), so 40.
 */
export const PROVIDER_BATCH_SIZES: Readonly<Record<ProviderId, number>> = { spotify: 100, reccobeats: 40 };

/** Display names of the providers, for badges, the popup and the options page. */
export const PROVIDER_NAMES: Readonly<Record<ProviderId, string>> = { spotify: 'Spotify', reccobeats: 'ReccoBeats' };

/**
 * The user's provider settings: the order providers are asked in, and which are off (stored with
 * the settings, applied by the background's provider chain).
 */
export const ProviderSettingsSchema = z.object({
  order: z.array(ProviderIdSchema),
  disabled: z.array(ProviderIdSchema),
});
export type ProviderSettings = z.infer<typeof ProviderSettingsSchema>;

/** Default provider settings: every provider, in {@link PROVIDER_IDS} order, none off. */
export const DEFAULT_PROVIDER_SETTINGS: ProviderSettings = { order: [...PROVIDER_IDS], disabled: [] };
