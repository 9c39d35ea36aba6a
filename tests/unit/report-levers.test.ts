import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EARLIER_LEVERS, STUDENTS_MD, TREES } from '@/training/report';
import { REPO_ROOT } from './support/fixtures';

/** The data rows of a committed Markdown table (training/TREES.md, training/STUDENTS.md) as cells. */
function tableRows(file: string): string[][] {
  return readFileSync(join(REPO_ROOT, 'training', file), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| ---'))
    .slice(1)
    .map((line) => line.slice(2, -2).split(' | '));
}

describe('the report\'s table "Tried before this run"', () => {
  it.each([
    [TREES, 'TREES.md'],
    [STUDENTS_MD, 'STUDENTS.md'],
  ])('every figure it quotes from %s is a macro-F1 cell of that file (so the two cannot drift apart)', (source, file) => {
    const rows = tableRows(file);
    const quoted = EARLIER_LEVERS.filter((l) => l.source === source);
    expect(quoted.length).toBeGreaterThan(0);
    // The macro-F1 columns: over all themes, with class biases, over the themes with ≥ 300 tracks.
    const cells = new Set(rows.flatMap((r) => r.slice(1, 4)));
    for (const lever of quoted) {
      // "–": not measured.
      for (const quotedFigure of [...lever.macroF1.split(' / '), ...lever.withBiases.split(' / ')].filter((f) => f !== '–')) {
        // The figure without a note after it ("0.530 (mean 0.534, sd 0.007)"); a row that quotes
        // means only ("0.531 / 0.529") matches the mean of a cell.
        const figure = /^\d\.\d{3}(?: ± \d\.\d{3})?/.exec(quotedFigure)?.[0] ?? quotedFigure;
        const found = [...cells].some((cell) => (figure.includes('±') ? cell === figure : cell.startsWith(`${figure} ±`)));
        expect(found, `${figure} (${lever.lever.slice(0, 60)}…) is not a macro-F1 cell of ${file}`).toBe(true);
      }
    }
  });
});
