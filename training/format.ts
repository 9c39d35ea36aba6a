import type { Evaluation } from '../model/metadata';

/** Renders rows as a plain-text table with right-aligned numbers and a header rule. */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows].map((r) => r.map((c) => (typeof c === 'number' ? (Number.isInteger(c) ? String(c) : c.toFixed(3)) : c)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const [head, ...body] = cells;
  return [line(head ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Accuracy, macro-F1, per-theme precision / recall / F1 / support, and the confusion matrix. */
export function formatEvaluation(e: Evaluation, labels: readonly string[]): string {
  const perTheme = formatTable(
    ['theme', 'precision', 'recall', 'F1', 'support'],
    labels.map((l) => {
      const m = e.perTheme[l];
      return [l, m?.precision ?? 0, m?.recall ?? 0, m?.f1 ?? 0, m?.support ?? 0];
    }),
  );
  const confusion = formatTable(
    ['true \\ predicted', ...labels],
    labels.map((l, i) => [l, ...(e.confusionMatrix[i] ?? [])]),
  );
  return `accuracy ${e.accuracy.toFixed(4)}, macro-F1 ${e.macroF1.toFixed(4)}\n${perTheme}\nconfusion matrix (rows: true theme, columns: predicted)\n${confusion}`;
}
