import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { describeBadge, ERROR_COLOR } from '@/lib/shared/badge-look';
import { contrastRatio, readableTextColor, relativeLuminance, WCAG_AA_TEXT } from '@/lib/shared/contrast';
import type { TrackResult } from '@/lib/shared/messaging';
import { THEMES, type ThemeId } from '@/model/themes';

const ok = (theme: ThemeId): TrackResult => ({ trackId: '4uLU6hMCjMI75M1A2tKUQC', status: 'ok', theme, probability: 0.9, uncertain: false, probabilities: { [theme]: 0.9 }, provider: 'reccobeats', fetchedAt: 0, topThemes: [{ theme, probability: 0.9 }], why: [] });

describe('badge colours people can read (issue 13)', () => {
  it('computes WCAG 2.2 luminance and contrast (black on white is 21:1, a colour on itself 1:1)', () => {
    expect(relativeLuminance('#ffffff')).toBeCloseTo(1, 12);
    expect(relativeLuminance('#000000')).toBe(0);
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 12);
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 12);
    expect(contrastRatio('#777777', '#777777')).toBe(1);
    // WebAIM's checker gives 4.48:1 for white on #777777, and 4.69:1 for black on it.
    expect(contrastRatio('#ffffff', '#777777')).toBeCloseTo(4.48, 2);
    expect(contrastRatio('#000000', '#777777')).toBeCloseTo(4.69, 2);
    expect(() => relativeLuminance('orange')).toThrow(/#rrggbb/);
  });

  it('every default theme badge, and the error badge, meets AA with its text colour', () => {
    for (const theme of THEMES) {
      const look = describeBadge(ok(theme.id));
      expect(look.color, theme.id).toBe(theme.color);
      const ratio = contrastRatio(look.color ?? '', look.textColor ?? '');
      expect(ratio, `${theme.id}: ${look.textColor} on ${theme.color}`).toBeGreaterThanOrEqual(WCAG_AA_TEXT);
    }
    expect(contrastRatio(ERROR_COLOR, describeBadge({ trackId: 'x', status: 'error', message: 'm' }).textColor ?? '')).toBeGreaterThanOrEqual(WCAG_AA_TEXT);
  });

  it('the user\'s own colours too: the orange that gave white-on-orange, the hardest greys, and 500 seeded random colours', () => {
    const rng = seedrandom('issue-13-contrast');
    const random = Array.from({ length: 500 }, () => `#${Math.floor(rng() * 0xffffff).toString(16).padStart(6, '0')}`);
    const custom = ['#ff9900', '#ffa500', '#777777', '#757575', '#808080', '#00ff00', '#0000ff', '#ff0000', '#ffff00', ...random];
    let worst = Infinity;
    for (const color of custom) {
      const look = describeBadge(ok('party'), { party: color });
      const ratio = contrastRatio(color, look.textColor ?? '');
      worst = Math.min(worst, ratio);
      expect(ratio, `${look.textColor} on ${color}`).toBeGreaterThanOrEqual(WCAG_AA_TEXT);
    }
    // Orange takes black text now.
    expect(readableTextColor('#ff9900')).toBe('#000000');
    expect(worst).toBeGreaterThan(4.5);
  });

  it('the default palette keeps every pair of themes apart in normal vision and under simulated protanopia, deuteranopia and tritanopia', () => {
    // Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of color
    // vision deficiency", severity 1.0 matrices, applied to linear sRGB; distance is CIE76 ΔE in
    // CIELAB (D65). The palette before issue 13 had party and chill at ΔE 1.9 under deuteranopia.
    const visions: Record<string, number[][]> = {
      normal: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
      protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
      deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
      tritanopia: [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.3039]],
    };
    const linear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    const lab = (hex: string, m: number[][]): [number, number, number] => {
      const rgb = [1, 3, 5].map((i) => linear(parseInt(hex.slice(i, i + 2), 16) / 255));
      const [r, g, b] = m.map((row) => Math.min(1, Math.max(0, row.reduce((sum, k, i) => sum + k * (rgb[i] ?? 0), 0)))) as [number, number, number];
      const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
      const [x, y, z] = [(0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b, (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883];
      return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
    };
    const closest = (palette: readonly { id: string; color: string }[]) => {
      let worst = { distance: Infinity, pair: '' };
      for (const [vision, m] of Object.entries(visions)) {
        for (let i = 0; i < palette.length; i++) {
          for (let j = i + 1; j < palette.length; j++) {
            const [a, b] = [lab(palette[i]?.color ?? '', m), lab(palette[j]?.color ?? '', m)];
            const distance = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
            if (distance < worst.distance) worst = { distance, pair: `${palette[i]?.id}/${palette[j]?.id} (${vision})` };
          }
        }
      }
      return worst;
    };
    const now = closest(THEMES);
    expect(now.distance, `closest pair: ${now.pair}`).toBeGreaterThan(12);
    const before = closest([
      { id: 'party', color: '#9c1e8c' },
      { id: 'chill', color: '#1f6f8b' },
    ]);
    expect(before.distance).toBeLessThan(3);
  });
});
