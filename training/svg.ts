/**
 * A confusion-matrix heatmap as a standalone SVG string (no dependency: one small chart).
 * Cell shade is the row-normalized share (recall per true class), the text the count.
 *
 * @param matrix `[true][predicted]` counts; @param labels one per row/column.
 * @throws Error when the matrix is not square with one row per label.
 */
export function confusionMatrixSvg(matrix: readonly (readonly number[])[], labels: readonly string[], title: string): string {
  if (matrix.length !== labels.length || matrix.some((r) => r.length !== labels.length)) throw new Error('confusion matrix must be square with one row per label');
  const cell = 56;
  const left = 96;
  const top = 118;
  const n = labels.length;
  const width = left + n * cell + 20;
  const height = top + n * cell + 50;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="${left + (n * cell) / 2}" y="44" text-anchor="middle">predicted theme</text>`,
    `<text x="16" y="${top + (n * cell) / 2}" text-anchor="middle" transform="rotate(-90 16 ${top + (n * cell) / 2})">true theme</text>`,
  ];
  labels.forEach((l, j) => {
    const x = left + j * cell + cell / 2;
    parts.push(`<text x="${x}" y="${top - 8}" text-anchor="start" transform="rotate(-45 ${x} ${top - 8})">${esc(l)}</text>`);
  });
  matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    parts.push(`<text x="${left - 8}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${esc(labels[i] ?? '')}</text>`);
    row.forEach((count, j) => {
      const share = total > 0 ? count / total : 0;
      // White to dark blue; text turns white on dark cells.
      const shade = Math.round(255 - share * 200);
      const fill = `rgb(${shade},${Math.round(255 - share * 150)},255)`;
      const x = left + j * cell;
      const y = top + i * cell;
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#cccccc"/>`);
      parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" fill="${share > 0.55 ? '#ffffff' : '#000000'}">${count}</text>`);
    });
  });
  parts.push(`<text x="${left}" y="${height - 16}" fill="#555555">Shade: share of the true theme's tracks (row-normalized). Numbers: track counts.</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
