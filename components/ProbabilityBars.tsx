import { probabilityAmong } from '@/model/theme-choice';
import { getTheme, type ThemeId } from '@/model/themes';

/** Props of {@link ProbabilityBars}. */
export interface ProbabilityBarsProps {
  /** The model's probability per theme id (all labels), each in [0, 1]. */
  readonly probabilities: Readonly<Record<string, number>>;
  /** Themes to show; their probabilities are renormalized to sum to 1 over this set. */
  readonly enabled: readonly ThemeId[];
  /** Bar colour per theme. */
  readonly colors: Readonly<Partial<Record<ThemeId, string>>>;
}

/**
 * Renormalizes `probabilities` over `enabled` (the same rule the badge uses, `pickTheme`) and
 * sorts them, most probable first. Returns `[]` when the enabled themes carry no probability.
 */
export function renormalized(probabilities: Readonly<Record<string, number>>, enabled: readonly ThemeId[]): { theme: ThemeId; p: number }[] {
  const rows = enabled.map((theme) => ({ theme, p: probabilityAmong(probabilities, theme, enabled) }));
  return rows.some(({ p }) => p > 0) ? rows.sort((a, b) => b.p - a.p) : [];
}

/** One horizontal bar per enabled theme with its renormalized probability in per cent. */
export function ProbabilityBars({ probabilities, enabled, colors }: ProbabilityBarsProps) {
  const rows = renormalized(probabilities, enabled);
  return (
    <ul className="bars" aria-label="Probability per theme">
      {rows.map(({ theme, p }) => {
        const { name, color } = getTheme(theme);
        const percent = Math.round(p * 100);
        return (
          <li key={theme} className="bar" data-theme={theme} aria-label={`${name} ${percent} %`}>
            <span className="bar-name">{name}</span>
            <span className="bar-track" aria-hidden="true">
              {/* A sliver for a probability that rounds to 1 % or more; nothing at all for 0 %. */}
              {percent > 0 && <span className="bar-fill" style={{ width: `${Math.max(p * 100, 1)}%`, backgroundColor: colors[theme] ?? color }} />}
            </span>
            <span className="bar-value">{percent} %</span>
          </li>
        );
      })}
    </ul>
  );
}
