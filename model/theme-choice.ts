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
 * The enabled themes from most to least probable, each with its probability renormalized over
 * `enabled` like {@link pickTheme}'s (so they sum to 1, and the first entry is `pickTheme`'s theme
 * and probability: the number the "uncertain" threshold is compared with). These are the numbers
 * the badge's tooltip shows; `npm run classify`'s `p_<theme>` columns are the model's own, over all
 * labels. Ties keep label order. All 0 when the enabled themes carry no probability.
 *
 * @param probabilities one value per label, in `labels` order.
 * @throws Error when the lengths differ.
 */
export function rankThemes(probabilities: readonly number[], labels: readonly ThemeId[], enabled: readonly ThemeId[]): { theme: ThemeId; probability: number }[] {
  if (probabilities.length !== labels.length) throw new Error(`Expected ${labels.length} probabilities, got ${probabilities.length}`);
  const on = labels.flatMap((theme, i) => (enabled.includes(theme) ? [{ theme, p: probabilities[i] ?? 0 }] : []));
  const total = on.reduce((sum, { p }) => sum + p, 0);
  // Sorted by the model's value: the renormalized order, and pickTheme's choice first.
  return on.sort((a, b) => b.p - a.p).map(({ theme, p }) => ({ theme, probability: total > 0 ? p / total : 0 }));
}

/**
 * The probability of `theme` renormalized over `enabled` (the rule of {@link pickTheme}): the
 * model's probability of `theme` divided by the sum over the enabled themes, in [0, 1]. 0 when
 * `theme` is not enabled or the enabled themes carry no probability.
 *
 * @param probabilities the model's probability per label (an answer's `probabilities`); labels
 *   missing from it count as 0.
 */
export function probabilityAmong(probabilities: Readonly<Partial<Record<string, number>>>, theme: ThemeId, enabled: readonly ThemeId[]): number {
  if (!enabled.includes(theme)) return 0;
  const total = enabled.reduce((sum, t) => sum + (probabilities[t] ?? 0), 0);
  return total > 0 ? (probabilities[theme] ?? 0) / total : 0;
}
