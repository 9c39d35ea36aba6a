import { useEffect, useState } from 'react';
import type { SaveJobView } from '@/lib/shared/messaging';
import { errorMessage } from '@/lib/shared/error-message';
import { MAX_PLAYLIST_NAME_LENGTH } from '@/lib/shared/save-limits';
import { useAction } from './useAction';

/** Props of {@link SavePage}; every effect is a callback, so the view runs anywhere. */
export interface SavePageProps {
  /** The job's current state (polled while saving). */
  readonly load: () => Promise<SaveJobView>;
  /** Starts (or resumes) the save under `name`; resolves with the final state. */
  readonly start: (name: string) => Promise<SaveJobView>;
  /** Opens the new playlist in a tab. */
  readonly openPlaylist: (url: string) => void;
  readonly openOptions: () => void;
  /** Closes the window (cancel). */
  readonly close: () => void;
  /** How often progress is read while saving, ms (default 400). */
  readonly pollMs?: number;
}

/**
 * The confirmation window of "Save as new playlist" (issue 12): an extension page, so the page's
 * scripts on open.spotify.com cannot press its button. It shows what will be saved (name, count,
 * the first tracks), that the playlist will be private, and, the first time, that Spotify will ask
 * for permission to create private playlists; then progress, and the result with its link, or
 * exactly what was saved when it stopped, with *Try again* (which resumes, never duplicates).
 */
export function SavePage({ load, start, openPlaylist, openOptions, close, pollMs = 400 }: SavePageProps) {
  const [job, setJob] = useState<SaveJobView>();
  const [name, setName] = useState('');
  const [loadProblem, setLoadProblem] = useState<string>();
  const saveAction = useAction();
  const saving = saveAction.busy;
  // The save button only shows once the job loaded, so a save's error never hides a load error.
  const problem = saveAction.error ?? loadProblem;

  useEffect(() => {
    load().then(
      (j) => {
        setJob(j);
        setName(j.name);
      },
      (e: unknown) => setLoadProblem(errorMessage(e)),
    );
  }, [load]);

  useEffect(() => {
    if (!saving) return;
    const timer = setInterval(() => {
      load().then(setJob, () => undefined);
    }, pollMs);
    return () => clearInterval(timer);
  }, [saving, load, pollMs]);

  function save(): void {
    saveAction.run(async () => {
      try {
        setJob(await start(name.trim() === '' ? (job?.name ?? '') : name.trim()));
      } catch (error) {
        // Show what was saved before it stopped.
        load().then(setJob, () => undefined);
        throw error;
      }
    });
  }

  if (!job) {
    return (
      <main className="save">
        <h1>Save as a Spotify playlist</h1>
        {problem ? <p className="error" role="alert">{problem}</p> : <p className="muted">Loading…</p>}
      </main>
    );
  }
  const done = job.state === 'done';
  const failed = job.state === 'failed';
  const progress = `${job.added} of ${job.count} tracks`;
  return (
    <main className="save">
      <h1>{done ? 'Saved to Spotify' : 'Save as a new private playlist'}</h1>
      {!done && (
        <label className="field">
          Name
          <input value={name} maxLength={MAX_PLAYLIST_NAME_LENGTH} disabled={saving || job.added > 0} onChange={(e) => setName(e.target.value)} aria-label="Playlist name" />
        </label>
      )}
      <p data-testid="save-summary">
        {done ? (
          <>
            Saved {job.count} tracks to <strong>{job.name}</strong> (private).
          </>
        ) : (
          <>
            {job.count} tracks, in list order, into a new <strong>private</strong> playlist in your Spotify account.
          </>
        )}
      </p>
      {job.preview.length > 0 && !done && (
        <ol className="preview small">
          {job.preview.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
          {job.count > job.preview.length && <li className="muted">… and {job.count - job.preview.length} more</li>}
        </ol>
      )}
      <p className="muted small">{job.description}</p>
      {!job.connected && (
        <p className="error" role="alert">
          Connect your Spotify app first: <button className="link" onClick={openOptions}>open the options</button>.
        </p>
      )}
      {job.connected && job.needsScope && !done && (
        <p className="note small" data-testid="scope-note">
          The first time, Spotify asks you to let Playlist Predictor create private playlists (the <code>playlist-modify-private</code> permission). Nothing else is asked for.
        </p>
      )}
      {(saving || job.state === 'saving') && (
        <p role="status" className="small">
          Saving… {progress}
          <progress max={job.count} value={job.added} style={{ width: '100%' }} />
        </p>
      )}
      {failed && (
        <p className="error" role="alert" data-testid="save-error">
          {job.error} Saved so far: {progress}. <em>Try again</em> continues from there; no track is added twice.
        </p>
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <div className="actions">
        {done && job.playlistUrl ? (
          <>
            <button onClick={() => job.playlistUrl && openPlaylist(job.playlistUrl)}>Open the playlist</button>
            <a href={job.playlistUrl} target="_blank" rel="noreferrer" data-testid="playlist-link">
              {job.playlistUrl}
            </a>
            <button onClick={close}>Close</button>
          </>
        ) : (
          <>
            <button onClick={save} disabled={saving || !job.connected}>
              {failed ? 'Try again' : 'Save to Spotify'}
            </button>
            <button onClick={close} disabled={saving}>
              Cancel
            </button>
          </>
        )}
      </div>
    </main>
  );
}
