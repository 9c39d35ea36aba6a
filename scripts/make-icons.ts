import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

/**
 * Draws the extension's icon (issue 13) at 16, 32, 48 and 128 px into `public/icon/<size>.png`,
 * where WXT finds it for both manifests and the toolbar (wxt.dev/guide/essentials/assets:
 * `public/icon/<size>.png`). Run with `npm run icons`; the PNGs are committed.
 *
 * The picture: a track list (three white rows) on a rounded square in the Okabe–Ito blue, the
 * middle row ending in an orange theme badge. Shapes are drawn in a 0..1 square and rasterized
 * with 4 × 4 supersampling; PNGs are written by hand (RGBA, one IDAT, zlib) so no image library
 * is needed.
 */

type Rgba = [number, number, number, number];
const BLUE: Rgba = [0x00, 0x72, 0xb2, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const ORANGE: Rgba = [0xe6, 0x9f, 0x00, 255];

/** Whether (x, y) lies in a rounded rectangle. */
function inRoundRect(x: number, y: number, left: number, top: number, right: number, bottom: number, radius: number): boolean {
  if (x < left || x > right || y < top || y > bottom) return false;
  const cx = Math.min(Math.max(x, left + radius), right - radius);
  const cy = Math.min(Math.max(y, top + radius), bottom - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

/** The colour at (x, y) of the 0..1 square, or `undefined` for transparent. */
function colorAt(x: number, y: number, size: number): Rgba | undefined {
  if (!inRoundRect(x, y, 0.02, 0.02, 0.98, 0.98, 0.2)) return undefined;
  // Rows are thicker at small sizes so they stay visible.
  const half = size <= 16 ? 0.07 : 0.05;
  const rows = [0.3, 0.5, 0.7];
  for (const [i, cy] of rows.entries()) {
    const right = i === 1 ? 0.5 : 0.8;
    if (inRoundRect(x, y, 0.18, cy - half, right, cy + half, half)) return WHITE;
  }
  if (inRoundRect(x, y, 0.56, 0.5 - half * 1.6, 0.84, 0.5 + half * 1.6, half * 1.6)) return ORANGE;
  return BLUE;
}

/** RGBA pixels of the icon at `size` px (4 × 4 samples per pixel, straight alpha). */
function draw(size: number): Buffer {
  const out = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let [r, g, b, a] = [0, 0, 0, 0];
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = colorAt((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size, size);
          if (!c) continue;
          r += c[0];
          g += c[1];
          b += c[2];
          a += 1;
        }
      }
      const i = (py * size + px) * 4;
      out[i] = a ? Math.round(r / a) : 0;
      out[i + 1] = a ? Math.round(g / a) : 0;
      out[i + 2] = a ? Math.round(b / a) : 0;
      out[i + 3] = Math.round((255 * a) / (n * n));
    }
  }
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG (PNG specification, ISO/IEC 15948: 8-bit RGBA, no interlace, filter 0 per row) of `rgba`. */
export function encodePng(size: number, rgba: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** The sizes the stores and browsers ask for. */
export const ICON_SIZES = [16, 32, 48, 128] as const;

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = join('public', 'icon');
  mkdirSync(dir, { recursive: true });
  for (const size of ICON_SIZES) {
    writeFileSync(join(dir, `${size}.png`), encodePng(size, draw(size)));
    console.log(`wrote ${join(dir, `${size}.png`)}`);
  }
}
