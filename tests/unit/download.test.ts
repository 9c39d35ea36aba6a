// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { DOWNLOAD_URL_LIFETIME_MS, downloadText } from '@/lib/shared/download';

/** The blobs given to `URL.createObjectURL`, in order; their URLs are `blob:test/<n>`. */
let blobs: Blob[];
let revoke: MockInstance<(url: string) => void>;

beforeEach(() => {
  blobs = [];
  vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => `blob:test/${blobs.push(blob as Blob)}`);
  revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
});

afterEach(() => {
  vi.restoreAllMocks();
  document.body.replaceChildren();
});

/** What a click on a link shows: its address, file name, whether hidden, and whether it sat in `root` then. */
function linkClicks(root: Node): { href: string; download: string; hidden: boolean; attached: boolean }[] {
  const clicks: { href: string; download: string; hidden: boolean; attached: boolean }[] = [];
  root.addEventListener('click', (event) => {
    const a = event.composedPath()[0];
    if (!(a instanceof HTMLAnchorElement)) return;
    clicks.push({ href: a.getAttribute('href') ?? '', download: a.download, hidden: a.hidden, attached: root.contains(a) });
    event.preventDefault();
  });
  return clicks;
}

/** A timer stand-in that keeps each callback with its delay, to be run by hand. */
function heldTimers(): { timers: Pick<typeof globalThis, 'setTimeout'>; pending: [() => void, number | undefined][] } {
  const pending: [() => void, number | undefined][] = [];
  const setTimeout = (callback: () => void, ms?: number) => pending.push([callback, ms]);
  return { timers: { setTimeout: setTimeout as unknown as typeof globalThis.setTimeout }, pending };
}

describe('downloadText', () => {
  it('clicks a hidden download link to a blob of the text, in the document only while clicked, and revokes its URL a minute later', async () => {
    const clicks = linkClicks(document);
    const { timers, pending } = heldTimers();

    downloadText('Evening Run – party.csv', '\uFEFFtrack_id,theme\r\nabc,party\r\n', 'text/csv;charset=utf-8', { timers });

    expect(clicks).toEqual([{ href: 'blob:test/1', download: 'Evening Run – party.csv', hidden: true, attached: true }]);
    expect(document.querySelector('a')).toBeNull();
    const [blob] = blobs;
    if (!blob) throw new Error('no blob was made');
    expect(blob.type).toBe('text/csv;charset=utf-8');
    // The text as UTF-8, byte order mark first.
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(new TextEncoder().encode('\uFEFFtrack_id,theme\r\nabc,party\r\n'));
    // Not revoked at once (Firefox reads the URL after the click), but after the lifetime.
    expect(revoke).not.toHaveBeenCalled();
    expect(pending.map(([, ms]) => ms)).toEqual([DOWNLOAD_URL_LIFETIME_MS]);
    pending[0]?.[0]();
    expect(revoke).toHaveBeenCalledWith('blob:test/1');
  });

  it('puts the link in the given parent (the occasion panel passes a node of its shadow root)', () => {
    // Why: open.spotify.com's router takes over clicks on same-origin links, and a blob URL has
    // the page's origin; from inside a shadow root the page sees the click come from the host.
    // happy-dom does not retarget events out of shadow roots, so that part is the end-to-end CSV
    // export's to show (tests/e2e/occasion-panel.spec.ts, on a page with such a router).
    const host = document.createElement('div');
    document.body.append(host);
    const panel = document.createElement('div');
    host.attachShadow({ mode: 'open' }).append(panel);
    const inShadow = linkClicks(panel);

    downloadText('list.csv', 'a,b\r\n', 'text/csv;charset=utf-8', { parent: panel, timers: heldTimers().timers });

    expect(inShadow).toEqual([{ href: 'blob:test/1', download: 'list.csv', hidden: true, attached: true }]);
    expect(panel.childNodes).toHaveLength(0);
  });
});
