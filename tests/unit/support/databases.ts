import { afterEach } from 'vitest';
import { PredictorDatabase } from '@/lib/background/cache';

/**
 * Fresh extension databases for a test file (fake-indexeddb): registers an `afterEach` that
 * deletes every database made since, and returns the maker. Each database gets a name no other
 * test uses (`<prefix>-<random UUID>`) unless `name` is given (e.g. to open one again).
 */
export function useFreshDatabases(prefix = 'test'): (name?: string) => PredictorDatabase {
  const open: PredictorDatabase[] = [];
  afterEach(async () => {
    for (const db of open.splice(0)) await db.delete();
  });
  return (name = `${prefix}-${crypto.randomUUID()}`) => {
    const db = new PredictorDatabase(name);
    open.push(db);
    return db;
  };
}
