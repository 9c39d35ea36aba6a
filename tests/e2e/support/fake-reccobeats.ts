import type { BrowserContext, CDPSession, Route } from '@playwright/test';
import type { AudioFeatures } from '../../../model/features';
import { acceptSelfSignedCertificates, StallingServer } from './stalling-server';

/** A scripted failure answered instead of the real lookup. */
export interface ScriptedFailure {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/**
 * ReccoBeats answered at the network level: `GET https://api.reccobeats.com/v1/audio-features?ids=`
 * gets the features of the known IDs, each with a `href` naming the Spotify track, in reversed
 * order (so mapping by position would be wrong) and without the unknown IDs, as the real API does.
 * Scripted failures are answered first, one per request. {@link FakeReccoBeats.stallBody} makes
 * answers stall mid-body instead.
 */
export class FakeReccoBeats {
  /** IDs of every request received, one array per request. */
  readonly requests: string[][] = [];
  /** Requests received and not yet answered (or abandoned), now. */
  inFlight = 0;
  /** The most requests that were ever in flight at once. */
  maxInFlight = 0;
  private readonly failures: ScriptedFailure[] = [];
  private failure: ScriptedFailure | undefined;
  private context: BrowserContext | undefined;
  private stallServer: StallingServer | undefined;
  /** Keeps the browser accepting the stalling server's certificate while attached. */
  private certificateOverride: CDPSession | undefined;
  private stalling = false;
  /** While set, answers wait for it to resolve (see {@link FakeReccoBeats.hold}). */
  private held: { readonly gate: Promise<void>; readonly open: () => void } | undefined;

  /**
   * @param features what the fake knows: track ID → audio features.
   * @param options.delayMs how long each answer takes, in ms (the benchmarks use 150).
   */
  constructor(
    private readonly features: ReadonlyMap<string, AudioFeatures>,
    private readonly options: { readonly delayMs?: number } = {},
  ) {}

  /** A promise that resolves when the next request arrives (for tests that act mid-request). */
  nextRequest(): Promise<string[]> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private readonly waiting: ((ids: string[]) => void)[] = [];

  /** Answers the next request with `failure` (e.g. a 429 with `Retry-After`). */
  failNext(failure: ScriptedFailure): void {
    this.failures.push(failure);
  }

  /** Answers every request with `failure` (after the scripted ones) until {@link FakeReccoBeats.recover} is called. */
  failAll(failure: ScriptedFailure): void {
    this.failure = failure;
  }

  /**
   * From now on, answers every request with status 200, JSON headers and the first bytes of the
   * body, and never finishes the body (until {@link FakeReccoBeats.recover}): the request is
   * continued to a local {@link StallingServer}. Call after {@link FakeReccoBeats.install};
   * {@link FakeReccoBeats.close} stops that server.
   */
  async stallBody(): Promise<void> {
    if (!this.context) throw new Error('install the fake before stalling it');
    if (!this.stallServer) {
      this.certificateOverride = await acceptSelfSignedCertificates(this.context);
      this.stallServer = await StallingServer.start();
    }
    this.stalling = true;
  }

  /** Requests whose body stalled so far (see {@link FakeReccoBeats.stallBody}). */
  get stalledRequests(): number {
    return this.stallServer?.requests.length ?? 0;
  }

  /**
   * From now on, every answer waits (after `delayMs`) until {@link FakeReccoBeats.release}: a test
   * that acts while a request is in flight then depends on no timing. Keep the hold shorter than
   * the provider's 15 s per-attempt timeout (`lib/background/providers/reccobeats.ts`), or the
   * background asks again.
   */
  hold(): void {
    if (this.held) return;
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    this.held = { gate, open };
  }

  /** Ends {@link FakeReccoBeats.hold}: the requests that wait are answered now, and later ones are not held. */
  release(): void {
    this.held?.open();
    this.held = undefined;
  }

  /** Ends {@link FakeReccoBeats.failAll} and {@link FakeReccoBeats.stallBody}: requests get their features again. */
  recover(): void {
    this.failure = undefined;
    this.stalling = false;
  }

  /** Stops the stalling server, if one was started (its open connections are reset). */
  async close(): Promise<void> {
    await this.stallServer?.close();
    this.stallServer = undefined;
    await this.certificateOverride?.detach().catch(() => undefined);
    this.certificateOverride = undefined;
  }

  async install(context: BrowserContext): Promise<void> {
    this.context = context;
    // A request whose worker was stopped meanwhile can no longer be answered: nothing to do then.
    await context.route('https://api.reccobeats.com/**', (route) => this.handle(route).catch(() => undefined));
  }

  private async handle(route: Route): Promise<void> {
    const url = new URL(route.request().url());
    if (url.pathname !== '/v1/audio-features') return route.fulfill({ status: 404, body: 'not found' });
    const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
    this.requests.push(ids);
    if (this.stalling && this.stallServer) {
      for (const resolve of this.waiting.splice(0)) resolve(ids);
      return route.continue({ url: `${this.stallServer.origin}${url.pathname}${url.search}` });
    }
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      for (const resolve of this.waiting.splice(0)) resolve(ids);
      if (this.options.delayMs) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
      if (this.held) await this.held.gate;
      await this.answer(route, ids);
    } finally {
      this.inFlight--;
    }
  }

  private async answer(route: Route, ids: readonly string[]): Promise<void> {
    const failure = this.failures.shift() ?? this.failure;
    if (failure) return route.fulfill({ status: failure.status, headers: failure.headers, body: failure.body ?? '' });
    const content = ids
      .filter((id) => this.features.has(id))
      .map((id, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, href: `https://open.spotify.com/track/${id}`, isrc: 'XX0000000000', ...this.features.get(id) }))
      .reverse();
    return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ content }) });
  }
}
