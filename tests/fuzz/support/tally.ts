/**
 * Counting and reporting for the fuzz suite. Every input of a category ends in exactly one
 * verdict, and may additionally break one of three invariants:
 *
 * | column    | meaning |
 * | --------- | ------- |
 * | inputs    | inputs run |
 * | accepted  | the code took the input and answered normally |
 * | rejected  | the code refused the input with a clear error (an `Error` with a message, an `{err}` reply, ...) |
 * | crashes   | an exception escaped where the code promises none, a rejection that is not an `Error` with a message, or an unhandled rejection |
 * | hangs     | not settled by the deadline |
 * | forbidden | accepted although it must be refused (e.g. a message from a sender its type is not open to) |
 * | wrong     | settled, but the answer breaks an invariant (features failing their schema, an ID not in the row, two badges in one row, ...) |
 * | dataLost  | stored data changed or vanished that this input should not touch |
 *
 * A category passes when crashes, hangs, forbidden, wrong and dataLost are all 0.
 */

export type Verdict = 'accepted' | 'rejected' | 'crash' | 'hang';

/** What one input did. */
export interface Outcome {
  readonly verdict: Verdict;
  /** The error or the reason, for crashes, hangs and rejections. */
  readonly detail?: string;
  readonly forbidden?: string;
  readonly wrong?: string;
  readonly dataLost?: string;
}

export const accepted = (extra: Omit<Outcome, 'verdict'> = {}): Outcome => ({ verdict: 'accepted', ...extra });
export const rejected = (detail: string, extra: Omit<Outcome, 'verdict' | 'detail'> = {}): Outcome => ({ verdict: 'rejected', detail, ...extra });
export const crashed = (detail: string, extra: Omit<Outcome, 'verdict' | 'detail'> = {}): Outcome => ({ verdict: 'crash', detail, ...extra });
export const hung = (detail: string, extra: Omit<Outcome, 'verdict' | 'detail'> = {}): Outcome => ({ verdict: 'hang', detail, ...extra });

/** Whether an outcome fails the suite. */
export const isFailure = (o: Outcome): boolean => o.verdict === 'crash' || o.verdict === 'hang' || !!o.forbidden || !!o.wrong || !!o.dataLost;

/** The reasons an outcome fails, one line each. */
export function failureReasons(o: Outcome): string[] {
  const out: string[] = [];
  if (o.verdict === 'crash') out.push(`crash: ${o.detail ?? ''}`);
  if (o.verdict === 'hang') out.push(`hang: ${o.detail ?? ''}`);
  if (o.forbidden) out.push(`forbidden: ${o.forbidden}`);
  if (o.wrong) out.push(`wrong: ${o.wrong}`);
  if (o.dataLost) out.push(`dataLost: ${o.dataLost}`);
  return out;
}

const COLUMNS = ['inputs', 'accepted', 'rejected', 'crashes', 'hangs', 'forbidden', 'wrong', 'dataLost'] as const;
type Column = (typeof COLUMNS)[number];
type Row = Record<Column, number> & { ms: number };

/** A failing input as reported: the first seen in its category and, when shrinking found one, a minimal one. */
export interface FailureExample {
  readonly category: string;
  readonly reasons: string[];
  readonly input: string;
  readonly minimal?: { readonly reasons: string[]; readonly input: string };
}

const clip = (text: string, max = 1_500): string => (text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`);

/** Counts per category, printed as one table per test file. */
export class Tally {
  private readonly rows = new Map<string, Row>();
  readonly examples: FailureExample[] = [];
  /** Category whose inputs are running now (unhandled rejections are charged to it). */
  current: string | undefined;

  constructor(readonly title: string) {}

  private row(category: string): Row {
    let row = this.rows.get(category);
    if (!row) {
      row = { inputs: 0, accepted: 0, rejected: 0, crashes: 0, hangs: 0, forbidden: 0, wrong: 0, dataLost: 0, ms: 0 };
      this.rows.set(category, row);
    }
    return row;
  }

  /** Counts one input's outcome. */
  add(category: string, outcome: Outcome): void {
    const row = this.row(category);
    row.inputs++;
    if (outcome.verdict === 'accepted') row.accepted++;
    else if (outcome.verdict === 'rejected') row.rejected++;
    else if (outcome.verdict === 'crash') row.crashes++;
    else row.hangs++;
    if (outcome.forbidden) row.forbidden++;
    if (outcome.wrong) row.wrong++;
    if (outcome.dataLost) row.dataLost++;
  }

  /** A crash found outside any input's own check (an unhandled rejection). */
  addStrayCrash(category: string): void {
    this.row(category).crashes++;
  }

  addTime(category: string, ms: number): void {
    this.row(category).ms += ms;
  }

  example(example: FailureExample): void {
    this.examples.push(example);
  }

  /** Totals over every category. */
  totals(): Record<Column, number> {
    const t = Object.fromEntries(COLUMNS.map((c) => [c, 0])) as Record<Column, number>;
    for (const row of this.rows.values()) for (const c of COLUMNS) t[c] += row[c];
    return t;
  }

  /** The table, as printed. */
  table(header: string): string {
    const names = [...this.rows.keys()];
    const width = Math.max(8, ...names.map((n) => n.length), 'total'.length);
    const cells = (name: string, r: Record<Column, number>, ms?: number) =>
      `${name.padEnd(width)} | ${COLUMNS.map((c) => String(r[c]).padStart(c.length)).join(' | ')} | ${ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`}`;
    const lines = [
      `${this.title} (${header})`,
      `${'category'.padEnd(width)} | ${COLUMNS.join(' | ')} | time`,
      `${'-'.repeat(width)}-|-${COLUMNS.map((c) => '-'.repeat(c.length)).join('-|-')}-|------`,
      ...names.map((n) => {
        const r = this.rows.get(n) as Row;
        return cells(n, r, r.ms);
      }),
      cells('total', this.totals(), [...this.rows.values()].reduce((s, r) => s + r.ms, 0)),
    ];
    for (const e of this.examples) {
      lines.push('', `FAILURE in ${e.category}: ${e.reasons.join('; ')}`, `  input: ${clip(e.input)}`);
      if (e.minimal) lines.push(`  minimal: ${e.minimal.reasons.join('; ')}`, `  minimal input: ${clip(e.minimal.input)}`);
    }
    return lines.join('\n');
  }

  /** What fails the suite, one line per category and column (empty when clean). */
  problems(): string[] {
    const out: string[] = [];
    for (const [name, row] of this.rows) {
      for (const c of ['crashes', 'hangs', 'forbidden', 'wrong', 'dataLost'] as const) if (row[c] > 0) out.push(`${name}: ${row[c]} ${c}`);
    }
    return out;
  }
}
