import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';

/** axe's tags of the WCAG 2.1 level A and AA rules. */
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Runs axe on `page` (or only inside `include` selectors) and returns each violation as one line: rule, impact, help, where. */
export async function axeViolations(page: Page, include: readonly string[] = []): Promise<string[]> {
  let builder = new AxeBuilder({ page }).withTags(WCAG_AA);
  for (const selector of include) builder = builder.include(selector);
  const result = await builder.analyze();
  console.log(`axe on ${new URL(page.url()).pathname}${include.length > 0 ? ` (${include.join(', ')})` : ''}: ${result.passes.length} rules passed, ${result.violations.length} violated, ${result.incomplete.length} undecided`);
  // Each element by its innermost selector (inside its shadow root), the first three of them.
  const where = (nodes: (typeof result.violations)[number]['nodes']) =>
    `${nodes
      .slice(0, 3)
      .map((n) => {
        const last = n.target.at(-1);
        return String(Array.isArray(last) ? last.at(-1) : last);
      })
      .join('; ')}${nodes.length > 3 ? ` and ${nodes.length - 3} more` : ''}`;
  return result.violations.map((v) => `${v.id} (${v.impact ?? 'no impact'}): ${v.help}: ${where(v.nodes)}`);
}
