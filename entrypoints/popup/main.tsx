import '@/lib/shared/zod-config';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { useEffect, useState } from 'react';
import { useModelInfo, useSettings, useStatus } from '@/components/hooks';
import { Popup } from '@/components/Popup';
import { TabProfile } from '@/components/TabProfile';
import { readActiveTabList } from '@/lib/shared/active-tab-list';
import { downloadText } from '@/lib/shared/download';
import { CSV_MIME_TYPE } from '@/lib/shared/occasions/export';
import { sendMessage, type ListReport } from '@/lib/shared/messaging';
import { effectiveThemeSettings } from '@/lib/shared/settings';
import '@/components/ui.css';

function App() {
  const { settings } = useSettings();
  const { model, error: modelError } = useModelInfo();
  const { status, error: statusError } = useStatus();
  const themes = settings && model ? effectiveThemeSettings(settings, model) : undefined;
  const report = useActiveTabList();
  return (
    <div className="popup-root">
      <Popup
        search={(query) => sendMessage('search', { query })}
        status={status}
        themes={themes}
        onOpenOptions={() => void browser.runtime.openOptionsPage()}
        tabList={
          report && (
            <TabProfile
              report={report}
              enabled={themes?.enabled}
              colors={themes?.colors ?? {}}
              copy={(text) => navigator.clipboard.writeText(text)}
              download={(fileName, text) => downloadText(fileName, text, CSV_MIME_TYPE)}
              save={async (request) => void (await sendMessage('prepareSave', request))}
            />
          )
        }
      />
      {(modelError ?? statusError) && (
        <p className="error small" role="alert" style={{ padding: '0 12px 12px' }}>
          {modelError ? `The bundled model could not be read: ${modelError}` : `The extension's background did not answer: ${statusError}`}
        </p>
      )}
    </div>
  );
}

/** The list the active tab of this window shows, or `null` (see {@link readActiveTabList}). */
function useActiveTabList(): ListReport | null {
  const [report, setReport] = useState<ListReport | null>(null);
  useEffect(() => {
    readActiveTabList({
      activeTabId: async () => (await browser.tabs.query({ active: true, currentWindow: true }))[0]?.id,
      tabList: async (tabId) => (await sendMessage('tabList', { tabId })).report,
      sendToTab: (tabId, message) => browser.tabs.sendMessage(tabId, message),
    }).then(setReport, () => setReport(null));
  }, []);
  return report;
}

const root = document.getElementById('root');
if (!root) throw new Error('popup.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
