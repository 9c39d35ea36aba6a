import { Url } from '../Url';
import { useState } from 'react';
import type { Status } from '@/lib/shared/messaging';
import { SpotifyClientIdSchema } from '@/lib/shared/client-id';
import { useAction } from '../useAction';

/** Props of {@link SpotifyConnection}. */
export interface SpotifyConnectionProps {
  readonly status: Status | undefined;
  /** The client ID saved in the settings, if any. */
  readonly savedClientId: string | null;
  /** Saves the client ID and runs the authorization flow; rejects with a readable message. */
  readonly onConnect: (clientId: string) => Promise<void>;
  readonly onDisconnect: () => Promise<void>;
}

/** Text of the audio-features state of the connected app. */
export function describeAudioFeatures(access: Status['spotify']['audioFeatures']): string {
  switch (access.state) {
    case 'unknown':
      return 'Audio features: not asked yet (checked at the next lookup).';
    case 'available':
      return 'Audio features: available to your app, used first.';
    case 'unavailable':
      return `Audio features are not available to this app: ${access.reason} ReccoBeats is used instead.`;
  }
}

/**
 * Connecting the user's own Spotify app (OAuth Authorization Code with PKCE): the redirect URI
 * to register, step-by-step setup, the client ID field and Connect / Disconnect, and
 * `status.spotify.problem` (e.g. "connect again") as an alert.
 */
export function SpotifyConnection({ status, savedClientId, onConnect, onDisconnect }: SpotifyConnectionProps) {
  const [clientId, setClientId] = useState(savedClientId ?? '');
  const { busy, error, run: act } = useAction();
  const [copied, setCopied] = useState(false);
  const spotify = status?.spotify;
  const valid = SpotifyClientIdSchema.safeParse(clientId.trim()).success;

  return (
    <section aria-labelledby="spotify-heading">
      <h2 id="spotify-heading">Spotify connection (optional)</h2>
      <p className="muted">
        Without a connection, audio features come from ReccoBeats and the popup searches tracks you have seen. With your own Spotify app, the popup
        searches Spotify, and audio features come from Spotify if your app still has access to them.
      </p>
      {spotify?.problem && (
        // What the background found wrong with the connection (e.g. Spotify refused the saved
        // sign-in, or a new token could not be saved): shown whether connected or not.
        <p className="error" role="alert" data-testid="spotify-problem">
          {spotify.problem}
        </p>
      )}
      {spotify?.connected ? (
        <div className="card" data-testid="spotify-connected">
          <p>
            <strong>Connected</strong> with client ID <code>{spotify.clientId}</code>.
          </p>
          <p data-testid="audio-features-state">{describeAudioFeatures(spotify.audioFeatures)}</p>
          <button type="button" disabled={busy} onClick={() => act(onDisconnect)}>
            Disconnect
          </button>
        </div>
      ) : (
        <ol className="steps">
          <li>
            Open the{' '}
            <a href="https://developer.spotify.com/dashboard" target="_blank" rel="noreferrer">
              Spotify developer dashboard
            </a>{' '}
            and create an app (Spotify allows 5 users per app, so each user brings their own).
          </li>
          <li>
            Add this redirect URI to the app:{' '}
            <Url text={spotify?.redirectUri ?? '…'} testId="redirect-uri" />{' '}
            <button
              type="button"
              className="link"
              disabled={!spotify}
              onClick={() => {
                if (!spotify) return;
                void navigator.clipboard.writeText(spotify.redirectUri).then(() => setCopied(true));
              }}
            >
              {copied ? 'copied' : 'copy'}
            </button>
          </li>
          <li>Tick “Web API” as the API used, save, and copy the app’s client ID.</li>
          <li>
            <label htmlFor="client-id">Client ID </label>
            <input
              id="client-id"
              value={clientId}
              spellCheck={false}
              autoComplete="off"
              placeholder="32 hexadecimal characters"
              aria-invalid={clientId !== '' && !valid}
              onChange={(event) => setClientId(event.target.value)}
            />{' '}
            <button type="button" disabled={busy || !valid} onClick={() => act(() => onConnect(clientId.trim()))}>
              {busy ? 'Connecting…' : 'Connect'}
            </button>
            {clientId !== '' && !valid && <span className="error small"> A client ID is 32 hexadecimal characters.</span>}
          </li>
        </ol>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
