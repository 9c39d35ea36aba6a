import type { ThemeId } from './themes';

/**
 * The badge's choice among a model's probabilities, free of TF.js so the background and the
 * extension pages can use it without the model's runtime.
 */

/** The chosen theme for one track and its probability among the enabled themes. */
export interface ThemeChoice {
  readonly theme: ThemeId;
  /** Probability of `theme` renormalized over the enabled themes, in [0, 1]. */
  readonly probability: number;
}

/**
 * Picks the most probable enabled theme. Probabilities are renormalized over `enabled`
 * (disabled themes' mass is dropped), so the result is the model's best guess given that the
 * track is one of the enabled themes. Ties go to the earlier label.
 *
 * @param probabilities one value per label, in `labels` order.
 * @throws Error when no label is enabled or the lengths differ.
 */
export function pickTheme(
  probabilities: readonly number[],
  labels: readonly ThemeId[],
  enabled: readonly ThemeId[],
): ThemeChoice {
  if (probabilities.length !== labels.length) {
    throw new Error(`Expected ${labels.length} probabilities, got ${probabilities.length}`);
  }
  let best = -1;
  let total = 0;
  labels.forEach((label, i) => {
    if (!enabled.includes(label)) return;
    const p = probabilities[i] ?? 0;
    total += p;
    if (best < 0 || p > (probabilities[best] ?? 0)) best = i;
  });
  const theme = labels[best];
  if (theme === undefined) throw new Error('pickTheme needs at least one enabled theme');
  return { theme, probability: total > 0 ? (probabilities[best] ?? 0) / total : 0 };
}

/**
 * The enabled themes from most to least probable, each with the model's own probability (not
 * renormalized: the numbers `npm run classify` prints). Ties keep label order, so the first entry
 * is always {@link pickTheme}'s theme.
 *
 * @param probabilities one value per label, in `labels` order.
 * @throws Error when the lengths differ.
 */
export function rankThemes(probabilities: readonly number[], labels: readonly ThemeId[], enabled: readonly ThemeId[]): { theme: ThemeId; probability: number }[] {
  if (probabilities.length !== labels.length) throw new Error(`Expected ${labels.length} probabilities, got ${probabilities.length}`);
  return labels
    .map((theme, i) => ({ theme, probability: probabilities[i] ?? 0 }))
    .filter(({ theme }) => enabled.includes(theme))
    .sort((a, b) => b.probability - a.probability);
}
