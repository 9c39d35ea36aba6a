import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import axe from 'axe-core';
import type { Page as PuppeteerPage } from 'puppeteer-core';

/** axe's tags of the WCAG 2.1 level A and AA rules. */
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Runs axe on `page` (or only inside `include` selectors) and returns each violation as one line: rule, impact, help, where. */
export async function axeViolations(page: Page, include: readonly string[] = []): Promise<string[]> {
  let builder = new AxeBuilder({ page }).withTags(WCAG_AA);
  for (const selector of include) builder = builder.include(selector);
  const result = await builder.analyze();
  console.log(`axe on ${new URL(page.url()).pathname}${include.length > 0 ? ` (${include.join(', ')})` : ''}: ${result.passes.length} rules passed, ${result.violations.length} violated, ${result.incomplete.length} undecided`);
  return result.violations.map(describeViolation);
}

/** One violation as a line: rule, impact, help, and its first three elements by their innermost selector (inside their shadow root). */
function describeViolation(v: axe.Result): string {
  const where = v.nodes.slice(0, 3).map((n) => {
    const last = n.target.at(-1);
    return String(Array.isArray(last) ? last.at(-1) : last);
  });
  return `${v.id} (${v.impact ?? 'no impact'}): ${v.help}: ${where.join('; ')}${v.nodes.length > 3 ? ` and ${v.nodes.length - 3} more` : ''}`;
}

/**
 * {@link axeViolations} for a Firefox page driven by puppeteer-core (tests/e2e/support/firefox.ts):
 * axe-core's source is evaluated in the page from outside (WebDriver BiDi `script.evaluate`,
 * which an extension page's CSP does not refuse), then `axe.run` on the document, or only inside
 * the `include` selectors.
 */
export async function axeViolationsInFirefox(page: PuppeteerPage, include: readonly string[] = []): Promise<string[]> {
  await page.evaluate(axe.source);
  const result = await page.evaluate(
    (tags, selectors) => {
      const { axe: engine } = globalThis as unknown as { axe: typeof axe };
      return engine.run(selectors.length > 0 ? { include: selectors.map((s) => [s]) } : document, { runOnly: { type: 'tag', values: tags } });
    },
    WCAG_AA,
    [...include],
  );
  // From the document: puppeteer may still report an extension page as about:blank.
  const path = await page.evaluate(() => location.pathname);
  console.log(`axe in Firefox on ${path}${include.length > 0 ? ` (${include.join(', ')})` : ''}: ${result.passes.length} rules passed, ${result.violations.length} violated, ${result.incomplete.length} undecided`);
  return result.violations.map(describeViolation);
}
