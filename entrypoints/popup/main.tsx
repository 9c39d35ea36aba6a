import '@/lib/shared/zod-config';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { useModelInfo, useSettings, useStatus } from '@/components/hooks';
import { Popup } from '@/components/Popup';
import { sendMessage } from '@/lib/shared/messaging';
import { effectiveThemeSettings } from '@/lib/shared/settings';
import '@/components/ui.css';

function App() {
  const { settings } = useSettings();
  const { model, error: modelError } = useModelInfo();
  const { status, error: statusError } = useStatus();
  const themes = settings && model ? effectiveThemeSettings(settings, model) : undefined;
  return (
    <>
      <Popup
        search={(query) => sendMessage('search', { query })}
        status={status}
        themes={themes}
        onOpenOptions={() => void browser.runtime.openOptionsPage()}
      />
      {(modelError ?? statusError) && (
        <p className="error small" role="alert" style={{ padding: '0 12px 12px' }}>
          {modelError ? `The bundled model could not be read: ${modelError}` : `The extension's background did not answer: ${statusError}`}
        </p>
      )}
    </>
  );
}

const root = document.getElementById('root');
if (!root) throw new Error('popup.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
