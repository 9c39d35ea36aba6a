import '@/lib/shared/zod-config';
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useModelInfo, useSettings, useSettingsItem, useStatus } from '@/components/hooks';
import { Options } from '@/components/Options';
import { sendMessage } from '@/lib/shared/messaging';
import { exportSettings, importSettings, writeSettings, type Settings } from '@/lib/shared/settings';
import '@/components/ui.css';
import { errorMessage } from '@/lib/shared/error-message';

function App() {
  const item = useSettingsItem();
  const { settings, show, reload } = useSettings();
  const { model, error: modelError } = useModelInfo();
  const { status, error: statusError, refresh, set } = useStatus();
  const [saveError, setSaveError] = useState<string>();

  /** Shows `next` at once and stores it; on failure shows why and goes back to what is stored. */
  const save = (next: Settings): Promise<void> => {
    show(next);
    return writeSettings(item, next).then(
      () => setSaveError(undefined),
      (e: unknown) => {
        setSaveError(errorMessage(e));
        reload();
        throw e;
      },
    );
  };

  if (modelError) return <p className="error">The bundled model could not be read: {modelError}</p>;
  if (!settings || !model) return <p className="muted">Loading…</p>;
  return (
    <>
      {statusError && (
        <p className="error" role="alert">
          The extension's background did not answer: {statusError}
        </p>
      )}
      <Options
        settings={settings}
        model={model}
        status={status}
        saveError={saveError}
        onChange={(next) => void save(next).then(refresh, () => undefined)}
        onConnect={async (clientId) => {
          await save({ ...settings, spotifyClientId: clientId });
          set(await sendMessage('connectSpotify', { clientId }));
        }}
        onDisconnect={async () => set(await sendMessage('disconnectSpotify', {}))}
        onClearCache={async () => set(await sendMessage('clearCache', {}))}
        exportText={() => exportSettings(settings)}
        onImport={async (text) => save(importSettings(text))}
      />
    </>
  );
}

const root = document.getElementById('root');
if (!root) throw new Error('options.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
