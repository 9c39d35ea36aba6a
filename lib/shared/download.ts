/**
 * How long a downloaded file's object URL lives, in ms: one minute. Firefox reads a blob URL
 * after the click that starts its download, so revoking it at once can lose the file (Mozilla bug
 * 1282407, "revokeObjectURL breaks blob download with download attribute"); a minute is ample,
 * and the URL is freed even when the page stays open.
 */
export const DOWNLOAD_URL_LIFETIME_MS = 60_000;

/** Where {@link downloadText} puts its link, and its timer. */
export interface DownloadOptions {
  /**
   * Where the link sits while it is clicked (default: the document's body). On a page whose own
   * script routes same-origin link clicks, as open.spotify.com's does (a blob URL has the page's
   * origin), pass a node inside a shadow root: the page then sees the click come from the shadow
   * host, not from a link, and leaves it alone.
   */
  readonly parent?: ParentNode & Node;
  /** Runs the revocation (default: the global `setTimeout`). */
  readonly timers?: Pick<typeof globalThis, 'setTimeout'>;
}

/**
 * Offers `text` as a file named `fileName` (MIME `type`, e.g. `text/csv;charset=utf-8`) through a
 * hidden `<a download>` clicked in `parent`: the browser saves or asks as it does for any
 * download, and no `downloads` permission is needed. The object URL is revoked after
 * {@link DOWNLOAD_URL_LIFETIME_MS}. Used by the options page's settings export and by the occasion
 * panel's and the popup's CSV.
 */
export function downloadText(fileName: string, text: string, type: string, { parent = document.body, timers = globalThis }: DownloadOptions = {}): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = (parent.ownerDocument ?? document).createElement('a');
  a.href = url;
  a.download = fileName;
  a.hidden = true;
  // In the document while clicked, as browsers have long expected of a download link.
  parent.append(a);
  a.click();
  a.remove();
  timers.setTimeout(() => URL.revokeObjectURL(url), DOWNLOAD_URL_LIFETIME_MS);
}
