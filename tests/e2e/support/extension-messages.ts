import { expect, type CDPSession, type Page } from '@playwright/test';
import { REPORT_INTERVAL_MS } from '../../../lib/content/list-reporter';
import { PROTOCOL, type ListReport, type MessageName, type ResponseOf } from '../../../lib/shared/messaging';

/**
 * Raw runtime messages in the extension's wire format (@webext-core/messaging's: a request
 * `{ id, type, data, timestamp }`, answered with `{ res }` or `{ err: { message, ... } }`), sent
 * from a chosen JavaScript world, for tests that must see exactly what the background answers
 * whom: an extension page, or the content script's isolated world on a Spotify page.
 */

/** What came back for one raw message. */
export interface WireAnswer {
  /** The answer as received (`{ res }`, `{ err }`, or `undefined` when nobody answered). */
  readonly answer: { readonly res?: unknown; readonly err?: { readonly message?: string; readonly name?: string } } | undefined;
  /** `runtime.lastError`'s message when the message could not be delivered or was not answered, else null. */
  readonly lastError: string | null;
}

/** Whether the background refused: an `{ err }` answer, and no `res`. */
export function isRefusal(answer: WireAnswer): boolean {
  return answer.answer !== undefined && 'err' in answer.answer && answer.answer.err !== undefined && !('res' in answer.answer);
}

/**
 * The answer's `res`, checked with the protocol's schema for `name` (`PROTOCOL[name].response`,
 * lib/shared/messaging.ts), so a test reads the background's answer as the extension would.
 * @throws Error with {@link describeAnswer}'s description when there is no `res` (a refusal, no
 *   answer) or the `res` does not match the schema (with zod's issues).
 */
export function responseOf<N extends MessageName>(name: N, answer: WireAnswer): ResponseOf<N> {
  if (!answer.answer || !('res' in answer.answer)) throw new Error(`${name} was not answered with res: ${describeAnswer(answer)}`);
  const parsed = PROTOCOL[name].response.safeParse(answer.answer.res);
  if (!parsed.success) throw new Error(`${name} answered in an unexpected shape (${parsed.error.message}): ${describeAnswer(answer)}`);
  return parsed.data as ResponseOf<N>;
}

/** A short description of an answer for messages and logs: `res`, `err: <message>`, or `no answer (<lastError>)`. */
export function describeAnswer(answer: WireAnswer): string {
  if (answer.answer === undefined) return `no answer (${answer.lastError ?? 'undefined'})`;
  if ('res' in answer.answer) return `res ${JSON.stringify(answer.answer.res).slice(0, 120)}`;
  return `err: ${answer.answer.err?.name ?? ''} ${answer.answer.err?.message ?? JSON.stringify(answer.answer.err)}`;
}

/**
 * The expression that sends one raw message with `chrome.runtime.sendMessage` and resolves with
 * a {@link WireAnswer} (never rejects; without an answer within `timeoutMs`, `lastError` says so).
 * For `Runtime.evaluate` and `page.evaluate` alike.
 */
export function sendExpression(type: string, data: unknown, id = 1, timeoutMs = 10_000): string {
  const message = `{ id: ${JSON.stringify(id)}, type: ${JSON.stringify(type)}, data: ${JSON.stringify(data)}, timestamp: Date.now() }`;
  return `new Promise((resolve) => {
    setTimeout(() => resolve({ answer: undefined, lastError: 'no answer within ${timeoutMs} ms' }), ${timeoutMs});
    try {
      chrome.runtime.sendMessage(${message}, (answer) => resolve({ answer, lastError: chrome.runtime.lastError?.message ?? null }));
    } catch (error) {
      resolve({ answer: undefined, lastError: 'threw: ' + String(error) });
    }
  })`;
}

/** An extension page that evaluates an expression: a Playwright page, or a puppeteer-core one (the Firefox route, support/firefox.ts). */
export interface EvaluatingPage {
  evaluate(expression: string): Promise<unknown>;
}

/** Sends one raw message from an extension page (popup, options) and returns the answer. */
export async function sendFromExtensionPage(page: EvaluatingPage, type: string, data: unknown): Promise<WireAnswer> {
  return (await page.evaluate(sendExpression(type, data))) as WireAnswer;
}

/**
 * The largest list report the background holds for any tab but `page`'s own (`tabList`, asked
 * from extension page `page` for every other tab, each answer checked by {@link responseOf}), or
 * null when it holds none. `reportList` keeps the report for the tab and starts noting it in the
 * list memory, the warm start's source, before anything else, so a position seen here is read by
 * a warm start that asks after it.
 */
export async function largestTabListReport(page: EvaluatingPage): Promise<ListReport | null> {
  const tabIds = await page.evaluate(`new Promise((resolve) => chrome.tabs.getCurrent((self) => chrome.tabs.query({}, (tabs) => resolve(tabs.map((tab) => tab.id).filter((id) => id !== undefined && id !== self?.id)))))`);
  const ids = Array.isArray(tabIds) ? tabIds.filter((id): id is number => typeof id === 'number') : [];
  let best: ListReport | null = null;
  for (const tabId of ids) {
    const { report } = responseOf('tabList', await sendFromExtensionPage(page, 'tabList', { tabId }));
    if (report && report.items.length > (best?.items.length ?? -1)) best = report;
  }
  return best;
}

/**
 * Waits until `count` of the {@link largestTabListReport} asked from extension page `page` is
 * `want`: the list reporter sends at most REPORT_INTERVAL_MS after a change, so a test waits for
 * the report it needs instead of a fixed time. Fails after 4 report intervals and 10 s more,
 * with `what` it counted and the last count.
 */
export async function expectTabListReport(page: EvaluatingPage, count: (report: ListReport) => number, want: number, what: string): Promise<void> {
  await expect
    .poll(async () => {
      const report = await largestTabListReport(page);
      return report ? count(report) : 0;
    }, { message: what, timeout: 4 * REPORT_INTERVAL_MS + 10_000 })
    .toBe(want);
}

/**
 * Times `runs` round trips of one raw message from an extension page, after `warmUp` untimed
 * ones, each measured in the page with `performance.now()`; every answer must be a `res`.
 * Returns the times in ms, in order.
 */
export async function timeFromExtensionPage(page: Page, type: string, data: unknown, runs = 5, warmUp = 1): Promise<number[]> {
  return page.evaluate(
    async ({ type, data, runs, warmUp }) => {
      interface Runtime {
        sendMessage(message: unknown, callback: (answer: unknown) => void): void;
        readonly lastError?: { readonly message?: string };
      }
      const runtime = (globalThis as unknown as { chrome: { runtime: Runtime } }).chrome.runtime;
      const send = (id: number) =>
        new Promise<unknown>((resolve, reject) =>
          runtime.sendMessage({ id, type, data, timestamp: Date.now() }, (answer: unknown) => {
            const lastError = runtime.lastError?.message;
            if (lastError !== undefined) reject(new Error(lastError));
            else if (typeof answer !== 'object' || answer === null || !('res' in answer)) reject(new Error(`${type}: ${JSON.stringify(answer)}`));
            else resolve(answer);
          }),
        );
      for (let i = 0; i < warmUp; i++) await send(i);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await send(warmUp + i);
        times.push(performance.now() - t0);
      }
      return times;
    },
    { type, data, runs, warmUp },
  );
}

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** One JavaScript execution context as the DevTools protocol describes it (`Runtime.ExecutionContextDescription`). */
interface ExecutionContext {
  readonly id: number;
  readonly origin: string;
  readonly name: string;
  readonly auxData?: { readonly type?: string; readonly isDefault?: boolean; readonly frameId?: string };
}

/**
 * The extension content script's isolated world in a tab, reached through the DevTools protocol
 * (`Runtime.enable` reports every execution context; the content script's is `isolated` and has
 * the extension's origin `chrome-extension://<id>`). Code evaluated there runs with the content
 * script's privileges, as a compromised renderer or a forged page event could make it run.
 */
export class ContentScriptWorld {
  private readonly contexts = new Map<number, ExecutionContext>();

  private constructor(
    private readonly session: CDPSession,
    private readonly extensionId: string,
  ) {
    session.on('Runtime.executionContextCreated', ({ context }) => this.contexts.set(context.id, context));
    session.on('Runtime.executionContextDestroyed', ({ executionContextId }) => this.contexts.delete(executionContextId));
    session.on('Runtime.executionContextsCleared', () => this.contexts.clear());
  }

  /** Attaches to `page` (after or before its content script started) and waits for the content script's world. */
  static async attach(page: Page, extensionId: string, timeoutMs = 10_000): Promise<ContentScriptWorld> {
    const session = await page.context().newCDPSession(page);
    const world = new ContentScriptWorld(session, extensionId);
    await session.send('Runtime.enable');
    const deadline = Date.now() + timeoutMs;
    while (world.contextId() === undefined) {
      if (Date.now() > deadline) throw new Error(`no isolated world of chrome-extension://${extensionId} in the page: ${JSON.stringify([...world.contexts.values()])}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return world;
  }

  /** ID of the newest live isolated context with the extension's origin. */
  private contextId(): number | undefined {
    const ours = [...this.contexts.values()].filter((c) => c.auxData?.type === 'isolated' && c.origin === `chrome-extension://${this.extensionId}`);
    return ours.at(-1)?.id;
  }

  /** Evaluates `expression` in the content script's world (promises awaited) and returns its value. */
  async evaluate<T>(expression: string): Promise<T> {
    const contextId = this.contextId();
    if (contextId === undefined) throw new Error('the content script world is gone');
    const { result, exceptionDetails } = await this.session.send('Runtime.evaluate', { contextId, expression, awaitPromise: true, returnByValue: true });
    if (exceptionDetails) throw new Error(`in the content script world: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value as T;
  }

  /** Sends one raw message from the content script's world with `chrome.runtime.sendMessage`. */
  send(type: string, data: unknown, id = 1): Promise<WireAnswer> {
    return this.evaluate<WireAnswer>(sendExpression(type, data, id));
  }

  async detach(): Promise<void> {
    await this.session.detach().catch(() => undefined);
  }
}
