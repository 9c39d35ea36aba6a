import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCliArgs } from './cli-args';
import { z } from 'zod';
import { benchTracks } from './bench-tracks';
import { benchmarkClassifier, type BenchResult } from '../model/benchmark';
import { loadClassifierFromDir } from './classify';
import { errorMessage } from '../lib/shared/error-message';

const BenchResultSchema = z.object({
  loadMs: z.number(),
  predict: z.array(z.object({ batch: z.number(), medianMs: z.number(), runs: z.number(), msPer100Tracks: z.number() })),
  explain: z.object({ batch: z.number(), medianMs: z.number(), runs: z.number() }),
});

/** The runtime speed goal (issue 10): at most 2 ms per 100 tracks after warm-up. */
export const GOAL_MS_PER_100 = 2;

/**
 * Node benchmark: loads the model in `modelDir` with the extension's `loadClassifier` (CPU
 * backend, the plain-JS forward pass) and times it (model/benchmark.ts).
 */
export function nodeBench(modelDir: string): Promise<BenchResult> {
  return benchmarkClassifier(() => loadClassifierFromDir(modelDir), benchTracks(200));
}

/**
 * Chromium benchmark: builds the test-only extension (`npm run build:e2e`, which bundles the
 * current `public/model`) and runs tests/bench in headless Chromium, which calls the
 * background's bench hook. Returns the timings, or throws `Error` with the failing step's output.
 */
export function chromiumBench(log: (line: string) => void = () => {}): BenchResult {
  const build = spawnSync('npm', ['run', 'build:e2e'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build:e2e failed:\n${build.stdout}\n${build.stderr}`);
  log('  built .output/chrome-mv3-e2e');
  const dir = mkdtempSync(join(tmpdir(), 'pp-bench-'));
  try {
    const out = join(dir, 'chromium.json');
    const run = spawnSync('npx', ['playwright', 'test', '-c', 'tests/bench/playwright.config.ts', 'model.bench.ts'], { encoding: 'utf8', env: { ...process.env, BENCH_OUT: out } });
    if (run.status !== 0) throw new Error(`Chromium benchmark failed:\n${run.stdout}\n${run.stderr}`);
    return BenchResultSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Plain-text table of a benchmark result. */
export function formatBench(title: string, r: BenchResult): string {
  const lines = [`${title}: model load ${r.loadMs.toFixed(1)} ms`];
  for (const p of r.predict) {
    lines.push(`  predict ${String(p.batch).padStart(4)} tracks: ${p.medianMs.toFixed(3)} ms median of ${p.runs} (${p.msPer100Tracks.toFixed(3)} ms per 100 tracks)`);
  }
  lines.push(`  predict + why (issue 11) ${r.explain.batch} tracks: ${r.explain.medianMs.toFixed(3)} ms median of ${r.explain.runs}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const values = parseCliArgs(process.argv.slice(2), { model: { type: 'string', default: 'public/model' }, 'no-chromium': { type: 'boolean', default: false } }, '--model');
  console.log(formatBench(`Node ${process.version} (loadDenseClassifier, ${values.model})`, await nodeBench(values.model)));
  if (!values['no-chromium']) console.log(formatBench('Chromium background (.output/chrome-mv3-e2e, bundled public/model)', chromiumBench((l) => console.log(l))));
  console.log(`Goal: at most ${GOAL_MS_PER_100} ms per 100 tracks after warm-up.`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(errorMessage(error));
    process.exit(1);
  });
}
