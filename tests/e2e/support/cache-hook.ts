import type { BrowserContext, Worker } from '@playwright/test';
import { CACHE_HOOK_NAME, type CacheFillRequest, type CacheFillResult, type CacheHook } from '../../../lib/background/bench-hook';
import { extensionWorkers } from './service-worker-target';

export { fillTrackId, fillTrackInfo } from '../../../lib/background/bench-hook';

/**
 * The cache hook of the test-only build (`npm run build:e2e`; `lib/background/bench-hook.ts`),
 * called in the extension's service worker: fill the feature cache with synthetic tracks, count
 * records, and check which are stored, without using them.
 */
export class CacheHookClient {
  private constructor(
    private readonly context: BrowserContext,
    private worker: Worker,
  ) {}

  /** Waits for a running service worker of the extension that has the hook (the e2e build). */
  static async connect(context: BrowserContext, timeoutMs = 15_000): Promise<CacheHookClient> {
    return new CacheHookClient(context, await liveWorkerWithHook(context, timeoutMs));
  }

  async fill(request: CacheFillRequest): Promise<CacheFillResult> {
    return this.onWorker((worker) => worker.evaluate(([name, request]) => (Reflect.get(globalThis, name) as CacheHook).fill(request), [CACHE_HOOK_NAME, request] as const));
  }

  async count(): Promise<{ features: number; titles: number }> {
    return this.onWorker((worker) => worker.evaluate((name) => (Reflect.get(globalThis, name) as CacheHook).count(), CACHE_HOOK_NAME));
  }

  /** `'1'`/`'0'` per fill index from `from` to `to - 1`: whether that track's feature record is stored. */
  async presentByIndex(from: number, to: number): Promise<string> {
    return this.onWorker((worker) => worker.evaluate(([name, from, to]) => (Reflect.get(globalThis, name) as CacheHook).presentByIndex(from, to), [CACHE_HOOK_NAME, from, to] as const));
  }

  /** For each ID: whether its feature record is stored. */
  async present(trackIds: readonly string[]): Promise<boolean[]> {
    return this.onWorker((worker) => worker.evaluate(([name, ids]) => (Reflect.get(globalThis, name) as CacheHook).present(ids), [CACHE_HOOK_NAME, [...trackIds]] as const));
  }

  /** For each ID: the duration stored with its feature record (ms), `null` when it has none, `undefined` when there is no record. */
  async durations(trackIds: readonly string[]): Promise<(number | null | undefined)[]> {
    // JSON through evaluate turns `undefined` array entries into null: mark them.
    const marked = await this.onWorker((worker) =>
      worker.evaluate(async ([name, ids]) => (await (Reflect.get(globalThis, name) as CacheHook).durations(ids)).map((d) => (d === undefined ? 'none' : d)), [CACHE_HOOK_NAME, [...trackIds]] as const),
    );
    return marked.map((d) => (d === 'none' ? undefined : d));
  }

  /** Runs `call` on the service worker; when that worker was stopped meanwhile, once more on the one running now. */
  private async onWorker<R>(call: (worker: Worker) => Promise<R>): Promise<R> {
    try {
      return await call(this.worker);
    } catch (error) {
      if (!/closed|destroyed/i.test(String(error))) throw error;
      this.worker = await liveWorkerWithHook(this.context, 15_000);
      return call(this.worker);
    }
  }
}

/** The extension's running service worker with {@link CACHE_HOOK_NAME} installed (a stopped worker may still be listed for a moment). */
async function liveWorkerWithHook(context: BrowserContext, timeoutMs: number): Promise<Worker> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const worker of extensionWorkers(context).reverse()) {
      const ready = await worker.evaluate((name) => name in globalThis, CACHE_HOOK_NAME).catch(() => false);
      if (ready) return worker;
    }
    if (Date.now() > deadline) throw new Error(`no running extension service worker with ${CACHE_HOOK_NAME} (is this the e2e build?)`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
