import { MIN_ENABLED_THEMES, effectiveThemeSettings, type Settings } from '@/lib/shared/settings';
import type { ModelThemeInfo } from '@/lib/shared/bundled-metadata';
import { getTheme, type ThemeId } from '@/model/themes';

/** Props of {@link ThemeSettings}. */
export interface ThemeSettingsProps {
  readonly settings: Settings;
  readonly model: ModelThemeInfo;
  readonly onChange: (settings: Settings) => void;
}

/**
 * Theme choice: enable or disable each theme (at least {@link MIN_ENABLED_THEMES} stay on), its
 * badge colour, and the threshold below which the badge says "uncertain".
 */
export function ThemeSettings({ settings, model, onChange }: ThemeSettingsProps) {
  const effective = effectiveThemeSettings(settings, model);
  const enabled = new Set(effective.enabled);
  const thresholdPercent = Math.round(effective.uncertainThreshold * 100);

  function toggle(theme: ThemeId, on: boolean): void {
    const next = model.labels.filter((t) => (t === theme ? on : enabled.has(t)));
    if (next.length < MIN_ENABLED_THEMES) return;
    onChange({ ...settings, enabledThemes: next });
  }

  return (
    <section aria-labelledby="themes-heading">
      <h2 id="themes-heading">Themes</h2>
      <p className="muted">
        The badge shows the most probable enabled theme; probabilities are renormalized over the enabled themes. At least {MIN_ENABLED_THEMES} stay
        enabled.
      </p>
      <table className="themes">
        <thead>
          <tr>
            <th scope="col">On</th>
            <th scope="col">Theme</th>
            <th scope="col">Colour</th>
          </tr>
        </thead>
        <tbody>
          {model.labels.map((id) => {
            const theme = getTheme(id);
            const on = enabled.has(id);
            const locked = on && enabled.size <= MIN_ENABLED_THEMES;
            return (
              <tr key={id} data-theme={id}>
                <td>
                  <input
                    type="checkbox"
                    id={`theme-${id}`}
                    checked={on}
                    disabled={locked}
                    title={locked ? `At least ${MIN_ENABLED_THEMES} themes must stay enabled` : undefined}
                    onChange={(event) => toggle(id, event.target.checked)}
                  />
                </td>
                <td>
                  <label htmlFor={`theme-${id}`}>{theme.name}</label>
                  {model.experimental.includes(id) && (
                    <span className="tag" title="Too little training data for a reliable prediction: off by default">
                      experimental
                    </span>
                  )}
                </td>
                <td>
                  <input
                    type="color"
                    aria-label={`${theme.name} colour`}
                    value={effective.colors[id]}
                    onChange={(event) => onChange({ ...settings, themeColors: { ...settings.themeColors, [id]: event.target.value.toLowerCase() } })}
                  />
                  {settings.themeColors[id] !== undefined && (
                    <button
                      type="button"
                      className="link"
                      onClick={() => {
                        const rest = Object.fromEntries(Object.entries(settings.themeColors).filter(([t]) => t !== id));
                        onChange({ ...settings, themeColors: rest });
                      }}
                    >
                      reset
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <label className="threshold" htmlFor="threshold">
        Say “uncertain” below <output htmlFor="threshold">{thresholdPercent} %</output>
      </label>
      <input
        id="threshold"
        type="range"
        min={0}
        max={100}
        step={1}
        value={thresholdPercent}
        onChange={(event) => onChange({ ...settings, uncertainThreshold: Number(event.target.value) / 100 })}
      />
      <p className="muted small">
        Model default: {Math.round(model.uncertainThreshold * 100)} %.{' '}
        {settings.uncertainThreshold !== null && (
          <button type="button" className="link" onClick={() => onChange({ ...settings, uncertainThreshold: null })}>
            Use the model default
          </button>
        )}
      </p>
    </section>
  );
}
