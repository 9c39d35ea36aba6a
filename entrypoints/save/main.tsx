import '@/lib/shared/zod-config';
import { StrictMode, useCallback } from 'react';
import { createRoot } from 'react-dom/client';
import { SavePage } from '@/components/SavePage';
import { sendMessage } from '@/lib/shared/messaging';
import '@/components/ui.css';

/** The job this window confirms: `save.html?job=<id>`, opened by the background (issue 12). */
const jobId = new URLSearchParams(location.search).get('job') ?? '';

function App() {
  const load = useCallback(() => sendMessage('saveJob', { jobId }), []);
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

const root = document.getElementById('root');
if (!root) throw new Error('save.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
