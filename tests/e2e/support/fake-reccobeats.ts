import type { BrowserContext, Route } from '@playwright/test';
import type { AudioFeatures } from '../../../model/features';

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
 * Scripted failures are answered first, one per request.
 */
export class FakeReccoBeats {
  /** IDs of every request received, one array per request. */
  readonly requests: string[][] = [];
  private readonly failures: ScriptedFailure[] = [];

  constructor(private readonly features: ReadonlyMap<string, AudioFeatures>) {}

  /** Answers the next request with `failure` (e.g. a 429 with `Retry-After`). */
  failNext(failure: ScriptedFailure): void {
    this.failures.push(failure);
  }

  async install(context: BrowserContext): Promise<void> {
    await context.route('https://api.reccobeats.com/**', (route) => this.handle(route));
  }

  private async handle(route: Route): Promise<void> {
    const url = new URL(route.request().url());
    if (url.pathname !== '/v1/audio-features') return route.fulfill({ status: 404, body: 'not found' });
    const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
    this.requests.push(ids);
    const failure = this.failures.shift();
    if (failure) return route.fulfill({ status: failure.status, headers: failure.headers, body: failure.body ?? '' });
    const content = ids
      .filter((id) => this.features.has(id))
      .map((id, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, href: `https://open.spotify.com/track/${id}`, isrc: 'XX0000000000', ...this.features.get(id) }))
      .reverse();
    return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ content }) });
  }
}
