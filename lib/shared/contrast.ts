/**
 * Colour contrast as WCAG 2.2 defines it (www.w3.org/TR/WCAG22/#dfn-contrast-ratio and
 * #dfn-relative-luminance), for the badges' text (issue 13): the badge's 11 px bold text is
 * "small" text, which needs a contrast ratio of at least 4.5:1 (success criterion 1.4.3, AA).
 * No zod: the content script draws badges too.
 */

/** The AA minimum for normal-size text (WCAG 2.2, 1.4.3). */
export const WCAG_AA_TEXT = 4.5;

/** The two text colours a badge may use. */
export const DARK_TEXT = '#000000';
export const LIGHT_TEXT = '#ffffff';

/**
 * Relative luminance (0..1) of a `#rrggbb` colour, from its sRGB components linearized as WCAG
 * 2.2 says (c ≤ 0.04045 ? c/12.92 : ((c+0.055)/1.055)^2.4).
 * @throws Error when `hex` is not `#rrggbb`.
 */
export function relativeLuminance(hex: string): number {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new Error(`not a #rrggbb colour: ${hex}`);
  const [r, g, b] = [match[1], match[2], match[3]].map((part) => {
    const c = parseInt(part ?? '0', 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

/** The contrast ratio (1..21) of two `#rrggbb` colours: (L1 + 0.05) / (L2 + 0.05), lighter over darker. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05);
}

/**
 * The text colour for a pill of background `background`: black or white, whichever contrasts
 * more. The better of the two is always at least about 4.58:1, so every background, the user's
 * own colours included, meets {@link WCAG_AA_TEXT}.
 */
export function readableTextColor(background: string): string {
  return contrastRatio(background, DARK_TEXT) >= contrastRatio(background, LIGHT_TEXT) ? DARK_TEXT : LIGHT_TEXT;
}
