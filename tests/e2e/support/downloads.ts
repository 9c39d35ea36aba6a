import type { Locator } from '@playwright/test';

/** A file the page offered for download: the name it suggested and its text (UTF-8). */
export interface DownloadedFile {
  readonly fileName: string;
  readonly text: string;
}

/**
 * Clicks `button` and returns the file its page then offers for download.
 * @throws Playwright's TimeoutError when no download starts within the test's action timeout.
 */
export async function downloadFrom(button: Locator): Promise<DownloadedFile> {
  const [download] = await Promise.all([button.page().waitForEvent('download'), button.click()]);
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(Buffer.from(chunk as Uint8Array));
  return { fileName: download.suggestedFilename(), text: Buffer.concat(chunks).toString('utf8') };
}
