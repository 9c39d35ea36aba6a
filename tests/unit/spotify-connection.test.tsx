// @vitest-environment happy-dom
/** The options page's Spotify section shows the connection's problem (hardening issue 9). */
import { render, useReactRoot } from './support/render';
import { describe, expect, it, vi } from 'vitest';
import { SpotifyConnection } from '@/components/options/SpotifyConnection';
import type { Status } from '@/lib/shared/messaging';

useReactRoot();

const status = (spotify: Partial<Status['spotify']>): Status => ({
  spotify: { redirectUri: 'https://x.chromiumapp.org/', clientId: null, connected: false, audioFeatures: { state: 'unknown' }, problem: null, ...spotify },
  cache: { tracks: 0, bytes: 0, limit: 100_000, lists: 0, problem: null },
});

const alerts = (view: HTMLElement) => [...view.querySelectorAll('[role="alert"]')].map((a) => a.textContent);
const noop = vi.fn(async () => undefined);

describe('Spotify connection section', () => {
  it('shows a refused connection as an alert next to the connect form', () => {
    const problem = 'Spotify no longer accepts the saved connection: connect again in the options.';
    const view = render(<SpotifyConnection status={status({ problem })} savedClientId={null} onConnect={noop} onDisconnect={noop} />);
    expect(alerts(view)).toEqual([problem]);
    expect(view.querySelector('section')?.contains(view.querySelector('[role="alert"]'))).toBe(true);
    expect(view.querySelector('#client-id')).not.toBeNull();
  });

  it('shows a problem of a working connection too', () => {
    const problem = 'A new Spotify token could not be saved (storage full); the connection works until the extension’s background restarts.';
    const view = render(
      <SpotifyConnection status={status({ connected: true, clientId: 'c'.repeat(32), problem })} savedClientId={null} onConnect={noop} onDisconnect={noop} />,
    );
    expect(view.querySelector('[data-testid="spotify-connected"]')).not.toBeNull();
    expect(alerts(view)).toEqual([problem]);
  });

  it('shows no alert without a problem', () => {
    const view = render(<SpotifyConnection status={status({ connected: true, clientId: 'c'.repeat(32) })} savedClientId={null} onConnect={noop} onDisconnect={noop} />);
    expect(alerts(view)).toEqual([]);
  });
});
