import '@/lib/shared/zod-config';
import { StrictMode, useCallback } from 'react';
import { createRoot } from 'react-dom/client';
import { ReadPage } from '@/components/ReadPage';
import { SavePage } from '@/components/SavePage';
import { sendMessage } from '@/lib/shared/messaging';
import '@/components/ui.css';

/**
 * The confirmation window of the account actions (issue 12), opened by the background:
 * `save.html?job=<id>` saves a selection as a playlist, `save.html?read=<id>` reads a whole list
 * through the Web API.
 */
const params = new URLSearchParams(location.search);
const saveId = params.get('job');
const readId = params.get('read') ?? '';

function Save({ jobId }: { jobId: string }) {
  const load = useCallback(() => sendMessage('saveJob', { jobId }), [jobId]);
  return (
    <SavePage
      load={load}
      start={(name) => sendMessage('startSave', { jobId, name })}
      openPlaylist={(url) => void browser.tabs.create({ url })}
      openOptions={() => void browser.runtime.openOptionsPage()}
      close={() => window.close()}
    />
  );
}

function Read({ jobId }: { jobId: string }) {
  const load = useCallback(() => sendMessage('readJob', { jobId }), [jobId]);
  return <ReadPage load={load} start={() => sendMessage('startRead', { jobId })} openOptions={() => void browser.runtime.openOptionsPage()} close={() => window.close()} />;
}

const root = document.getElementById('root');
if (!root) throw new Error('save.html has no #root');
createRoot(root).render(<StrictMode>{saveId ? <Save jobId={saveId} /> : <Read jobId={readId} />}</StrictMode>);
