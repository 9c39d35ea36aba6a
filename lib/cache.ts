import Dexie, { type EntityTable } from 'dexie';
import { z } from 'zod';
import { AudioFeaturesSchema, type AudioFeatures } from '@/model/features';
import { TrackIdSchema, type TrackId } from './track-id';
import { ProviderIdSchema, type ProviderId } from './providers/types';

/**
 * How long a "provider does not know this track" answer is trusted before asking again, in ms.
 * A day: ReccoBeats adds tracks over time, but a page of unknown tracks should not refetch on
 * every scroll.
 */
export const UNKNOWN_TTL_MS = 24 * 60 * 60 * 1000;

/** A cached provider answer for one track. `features: null` records "unknown to the provider". */
export interface FeatureRecord {
  trackId: TrackId;
  features: AudioFeatures | null;
  provider: ProviderId;
  /** When the provider answered, in ms since the Unix epoch. */
  fetchedAt: number;
}

const FeatureRecordSchema = z.object({
  trackId: TrackIdSchema,
  features: AudioFeaturesSchema.nullable(),
  provider: ProviderIdSchema,
  fetchedAt: z.number(),
});

/** The extension's IndexedDB database (Dexie). Version 1: `features` keyed by track ID. */
export class PredictorDatabase extends Dexie {
  features!: EntityTable<FeatureRecord, 'trackId'>;

  constructor(name = 'playlist-predictor') {
    super(name);
    this.version(1).stores({ features: 'trackId, fetchedAt' });
  }
}

/** Cache of audio features in IndexedDB. */
export interface FeatureCache {
  /**
   * Fresh records for the IDs that have one: known features of any age, "unknown" answers younger
   * than {@link UNKNOWN_TTL_MS}. Records that fail validation (older schema, corruption) are
   * treated as missing.
   */
  get(trackIds: readonly TrackId[], now?: number): Promise<Map<TrackId, FeatureRecord>>;
  /**
   * Stores records. Rejects with Dexie's error (e.g. `QuotaExceededError` when storage is full);
   * callers still have the records in hand, so nothing is lost for the current answer.
   */
  put(records: readonly FeatureRecord[]): Promise<void>;
}

/** A {@link FeatureCache} over a {@link PredictorDatabase}. */
export function createFeatureCache(db: PredictorDatabase = new PredictorDatabase()): FeatureCache {
  return {
    async get(trackIds, now = Date.now()) {
      const rows = await db.features.bulkGet([...trackIds]);
      const out = new Map<TrackId, FeatureRecord>();
      for (const row of rows) {
        const parsed = FeatureRecordSchema.safeParse(row);
        if (!parsed.success) continue;
        const record = parsed.data;
        if (record.features === null && now - record.fetchedAt > UNKNOWN_TTL_MS) continue;
        out.set(record.trackId, record);
      }
      return out;
    },
    async put(records) {
      await db.features.bulkPut([...records]);
    },
  };
}
