/**
 * Where a badge goes in a track's title block, so that Spotify's layout stays as it is.
 *
 * Spotify lays out the title and the artists of a row (and of the now-playing widget) as a CSS
 * grid with the areas `"title title" "badges subtitle"` (shared/notes/platform.md, "Title cell
 * layout"; from public Spotify clones and Spicetify add-ons, to re-check against real captures).
 * The `badges` area, left of the artists, holds Spotify's own labels such as the explicit "E".
 * The badge joins them there: like the "E", it may push the artist line to the right, but the
 * row's height, the title's box and the artist line's vertical position do not change. An element
 * appended after the title link without a grid area would open a third grid row instead.
 *
 * Placement is split into a read ({@link planPlacement}, which looks at computed styles and sizes)
 * and a write ({@link applyPlacement}), so a caller placing many badges reads everything first
 * and writes once, without forcing a layout per row.
 */

/** Name of the grid area of Spotify's title block that holds labels such as the explicit "E". */
export const BADGES_AREA = 'badges';
/** Gap between the badge and a Spotify label beside it, and the badge's start margin when it falls back to sitting after the title link, in px. */
export const LABEL_GAP_PX = 4;
const FALLBACK_MARGIN_PX = 8;

/** Where one badge goes. */
export type Placement =
  | {
      readonly kind: 'grid';
      /** The title block (the grid container). */
      readonly grid: HTMLElement;
      /** The grid's child to insert the badge after: the title link or the element wrapping it. */
      readonly after: Element;
      /** Start margin that clears Spotify's own labels in the `badges` area, in px (0 without labels). */
      readonly marginPx: number;
    }
  | {
      /** No title grid recognised: right after the title link, as an inline element. */
      readonly kind: 'after-link';
      readonly link: HTMLAnchorElement;
    };

const namesBadgesArea = (areas: string): boolean => /(^|["\s])badges(["\s]|$)/.test(areas);

/**
 * What computed styles said, per element: Spotify reuses its row elements while scrolling, so a
 * reused row is placed again without asking for styles (which would force the browser to
 * recompute them on every frame of a fling).
 */
const titleGridOf = new WeakMap<Element, HTMLElement>();
const inBadgesAreaOf = new WeakMap<Element, boolean>();

/**
 * Finds the title block: the closest ancestor of `link`, up to `container`, laid out as a grid
 * whose template names a {@link BADGES_AREA} area. Reads computed styles only (once per link
 * element while its title block stays in the DOM).
 */
export function findTitleGrid(link: Element, container: Element): HTMLElement | undefined {
  const known = titleGridOf.get(link);
  if (known?.isConnected && known.contains(link) && container.contains(known)) return known;
  // Not remembered when absent: Spotify's stylesheet for the page may still be on its way.
  for (let el = link.parentElement; el; el = el.parentElement) {
    const style = getComputedStyle(el);
    if (style.display.endsWith('grid') && namesBadgesArea(style.gridTemplateAreas)) {
      titleGridOf.set(link, el);
      return el;
    }
    if (el === container) return undefined;
  }
  return undefined;
}

/** Whether a grid child is placed in the `badges` area (Spotify's own labels). */
function inBadgesArea(el: Element): boolean {
  let known = inBadgesAreaOf.get(el);
  if (known === undefined) {
    const style = getComputedStyle(el);
    known = style.gridRowStart === BADGES_AREA || style.gridColumnStart === BADGES_AREA || style.gridArea.split(' / ')[0] === BADGES_AREA;
    inBadgesAreaOf.set(el, known);
  }
  return known;
}

/**
 * The width a label takes by its content, in px: its content plus its own padding and border, and
 * at least its `min-width` (the "E" is a 16 px square around a narrower letter). Not its box: a
 * grid item stretches to its column, which the badge itself widens, so measuring the box would
 * feed the badge's own width back into its margin. 0 for an empty element.
 */
function labelWidth(label: Element): number {
  const range = label.ownerDocument.createRange();
  range.selectNodeContents(label);
  const content = range.getBoundingClientRect().width;
  if (content === 0) return 0;
  const style = getComputedStyle(label);
  const px = (value: string): number => Number.parseFloat(value) || 0;
  const byContent = content + px(style.paddingLeft) + px(style.paddingRight) + px(style.borderLeftWidth) + px(style.borderRightWidth);
  // box-sizing: border-box (as Spotify's label): min-width includes padding and border; otherwise it is the content's.
  const minWidth = style.boxSizing === 'border-box' ? px(style.minWidth) : px(style.minWidth) + byContent - content;
  return Math.max(byContent, minWidth);
}

/**
 * Decides where `host` goes for the title `link` inside `container` (a row or the now-playing
 * widget). Reads only: computed styles, and the widths of Spotify's labels in the `badges` area.
 */
export function planPlacement(host: Element, link: HTMLAnchorElement, container: Element): Placement {
  const grid = findTitleGrid(link, container);
  if (!grid) return { kind: 'after-link', link };
  let after: Element = link;
  while (after.parentElement && after.parentElement !== grid) after = after.parentElement;
  let marginPx = 0;
  for (const child of grid.children) {
    if (child === host || child === after || !inBadgesArea(child)) continue;
    const width = labelWidth(child);
    if (width > 0) marginPx += width + LABEL_GAP_PX;
  }
  return { kind: 'grid', grid, after, marginPx: Math.round(marginPx) };
}

/** Puts `host` where `placement` says (writes only; moves it if it is elsewhere). */
export function applyPlacement(host: HTMLElement, placement: Placement): void {
  if (placement.kind === 'after-link') {
    if (placement.link.nextElementSibling !== host) placement.link.after(host);
    host.style.cssText = `margin-inline-start: ${FALLBACK_MARGIN_PX}px;`;
    return;
  }
  if (placement.after.nextElementSibling !== host) placement.after.after(host);
  host.style.cssText = `grid-area: ${BADGES_AREA}; justify-self: start; align-self: center; margin-inline-start: ${placement.marginPx}px;`;
}
