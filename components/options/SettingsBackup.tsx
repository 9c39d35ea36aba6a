import { useState } from 'react';
import { errorMessage } from '@/lib/shared/error-message';
import { downloadText } from '@/lib/shared/download';
import { readSettingsFile } from '@/lib/shared/settings';

/** The name *Export…* gives the settings file. */
const SETTINGS_FILE_NAME = 'playlist-predictor-settings.json';

/** Props of {@link SettingsBackup}. */
export interface SettingsBackupProps {
  /** The current settings as export JSON text. */
  readonly exportText: () => string;
  /** Validates and applies an imported file's text; rejects with what is wrong with it. */
  readonly onImport: (text: string) => Promise<void>;
}

/** Export the settings as a JSON file, or import one (validated before anything changes). */
export function SettingsBackup({ exportText, onImport }: SettingsBackupProps) {
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  return (
    <section aria-labelledby="backup-heading">
      <h2 id="backup-heading">Back up settings</h2>
      <div className="row">
        <button
          type="button"
          onClick={() => downloadText(SETTINGS_FILE_NAME, exportText(), 'application/json')}
        >
          Export…
        </button>
        <label className="button">
          Import…
          <input
            type="file"
            accept="application/json,.json"
            className="visually-hidden"
            data-testid="import-settings"
            onChange={(event) => {
              const file = event.target.files?.[0];
              event.target.value = '';
              if (!file) return;
              readSettingsFile(file)
                .then(onImport)
                .then(
                  () => setMessage({ kind: 'ok', text: `Imported ${file.name}.` }),
                  (e: unknown) => setMessage({ kind: 'error', text: `Nothing was changed. ${errorMessage(e)}` }),
                );
            }}
          />
        </label>
      </div>
      {message && (
        <p className={message.kind === 'error' ? 'error' : 'ok'} role={message.kind === 'error' ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </section>
  );
}
