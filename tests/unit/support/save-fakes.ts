import type { SaveJob, SaveJobStore } from '@/lib/background/playlist-saver';

/** A {@link SaveJobStore} in memory that also keeps every job it was given, in order (`saved`). */
export function memoryJobStore(): SaveJobStore & { saved: SaveJob[] } {
  const saved: SaveJob[] = [];
  const byId = new Map<string, SaveJob>();
  return {
    saved,
    load: async (id) => byId.get(id),
    save: async (job) => {
      saved.push(job);
      byId.set(job.id, job);
    },
  };
}
