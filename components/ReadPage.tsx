import { useEffect, useState } from 'react';
import type { ReadJobView } from '@/lib/shared/messaging';
import { apiReadSummary } from '@/lib/shared/occasions/profile';
import { errorMessage } from '@/lib/shared/error-message';
import { useAction } from './useAction';

/** Props of {@link ReadPage}; every effect is a callback. */
export interface ReadPageProps {
  readonly load: () => Promise<ReadJobView>;
  readonly start: () => Promise<ReadJobView>;
  readonly openOptions: () => void;
  readonly close: () => void;
}

const KIND: Record<ReadJobView['list']['kind'], string> = { playlist: 'playlist', album: 'album', liked: 'Liked Songs' };

/**
 * The confirmation window of a whole-list read through the Web API (issue 12): reading the user's
 * library acts on their account, so it is confirmed here, in an extension page, not on
 * open.spotify.com. It says which scope Spotify will ask for the first time, then the outcome:
 * the tracks went to the page's panel, or Spotify refused (403) and the panel reads the list by
 * scrolling instead, with the reason.
 */
export function ReadPage({ load, start, openOptions, close }: ReadPageProps) {
  const [job, setJob] = useState<ReadJobView>();
  const [loadProblem, setLoadProblem] = useState<string>();
  const reading = useAction();
  const busy = reading.busy;
  // The read button only shows once the job loaded, so a read's error never hides a load error.
  const problem = reading.error ?? loadProblem;
  useEffect(() => {
    load().then(setJob, (e: unknown) => setLoadProblem(errorMessage(e)));
  }, [load]);

  function read(): void {
    reading.run(async () => setJob(await start()));
  }

  return (
    <main className="save">
      <h1>Read the whole list with Spotify</h1>
      {job && (
        <>
          <p data-testid="read-summary">
            Read every track of the {KIND[job.list.kind]} <strong>{job.listName}</strong> through your Spotify account, so the panel can analyse all of it
            without scrolling.
          </p>
          {!job.connected && (
            <p className="error" role="alert">
              Connect your Spotify app first: <button className="link" onClick={openOptions}>open the options</button>.
            </p>
          )}
          {job.connected && job.needsScope && job.state === 'ready' && (
            <p className="note small" data-testid="scope-note">
              The first time, Spotify asks you to let Playlist Predictor read {job.list.kind === 'liked' ? 'your Liked Songs' : 'your private playlists'} (the <code>{job.scope}</code> permission).
            </p>
          )}
          {job.state === 'done' && (
            <p role="status" data-testid="read-result">
              {apiReadSummary(job.count ?? 0, job.total ?? job.count ?? 0)} The panel on the page shows them.
            </p>
          )}
          {(job.state === 'fallback' || job.state === 'failed') && (
            <p className="error" role="alert" data-testid="read-result">
              {job.reason}
            </p>
          )}
        </>
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <div className="actions">
        {job && job.state === 'ready' && (
          <button onClick={read} disabled={busy || !job.connected}>
            {busy ? 'Reading…' : 'Read with Spotify'}
          </button>
        )}
        <button onClick={close} disabled={busy}>
          {job && job.state !== 'ready' ? 'Close' : 'Cancel'}
        </button>
      </div>
    </main>
  );
}
