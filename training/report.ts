import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Evaluation } from '../model/metadata';
import { THEMES, THEME_IDS, MIN_TRACKS_PER_THEME } from '../model/themes';
import { type BenchResult } from '../model/benchmark';
import { chromiumBench, formatBench, nodeBench, GOAL_MS_PER_100 } from './bench';
import { KNN_K, RANDOM_FOREST } from './baselines';
import { ECE_BINS, UNCERTAIN_ACCURACY_LEVEL } from './calibration';
import { confusionMatrixSvg } from './svg';
import { FOLDS, TEST_FRACTION, type Summary, type TrainingReport } from './train';
import { DEFAULT_TRAIN_OPTIONS } from './model';

/** Where and how the report is written. */
export interface ReportOptions {
  /** Folder of REPORT.md and confusion-matrix.svg (the CLI's default: `training`). */
  readonly reportDir: string;
  /** The model folder just written, benchmarked in Node. */
  readonly modelDir: string;
  readonly dataDir: string;
  /** Also build the e2e extension and benchmark it in headless Chromium. */
  readonly chromium: boolean;
  readonly log: (line: string) => void;
}

/** File name of the confusion-matrix image written next to REPORT.md. */
export const CONFUSION_SVG = 'confusion-matrix.svg';

const f3 = (x: number) => x.toFixed(3);
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const ms = (x: number) => x.toFixed(3);
const spread = (s: Summary) => `${f3(s.mean)} ± ${f3(s.std)} (${f3(s.min)}–${f3(s.max)})`;
const table = (header: readonly string[], rows: readonly (readonly (string | number)[])[]) =>
  [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

function perThemeTable(e: Evaluation): string {
  return table(
    ['theme', 'precision', 'recall', 'F1', 'support'],
    THEME_IDS.map((t) => {
      const m = e.perTheme[t];
      return [t, f3(m?.precision ?? 0), f3(m?.recall ?? 0), f3(m?.f1 ?? 0), m?.support ?? 0];
    }),
  );
}

function benchTable(r: BenchResult): string {
  return [`Model load: ${r.loadMs.toFixed(1)} ms.`, '', table(['batch (tracks)', 'median ms per call', 'timed calls', 'ms per 100 tracks'], r.predict.map((p) => [p.batch, ms(p.medianMs), p.runs, ms(p.msPer100Tracks)]))].join('\n');
}

function goalLine(where: string, r: BenchResult): string {
  const p100 = r.predict.find((p) => p.batch === 100);
  if (!p100) return '';
  return p100.msPer100Tracks <= GOAL_MS_PER_100
    ? `${where}: ${ms(p100.msPer100Tracks)} ms per 100 tracks, within the ${GOAL_MS_PER_100} ms goal.`
    : `${where}: ${ms(p100.msPer100Tracks)} ms per 100 tracks, missing the ${GOAL_MS_PER_100} ms goal by ${ms(p100.msPer100Tracks - GOAL_MS_PER_100)} ms.`;
}

/**
 * Writes `REPORT.md` and `confusion-matrix.svg` into `options.reportDir` from the numbers of
 * the training run that just finished, after running the Node benchmark (and the Chromium one
 * when asked) on the model it wrote. Every number in the report comes from `report` or from
 * those benchmark runs; the benchmark figures are also printed.
 */
export async function writeReport(report: TrainingReport, options: ReportOptions): Promise<void> {
  const { log } = options;
  const { stats, metadata, selected, bestBaseline, calibration: cal, test, sizes } = report;
  log('\nBenchmarks:');
  const node = await nodeBench(options.modelDir);
  log(formatBench(`Node ${process.version}`, node));
  let chromium: BenchResult | string = 'not run (--no-chromium-bench)';
  if (options.chromium) {
    try {
      chromium = chromiumBench(log);
      log(formatBench('Chromium background', chromium));
    } catch (error) {
      chromium = `failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      log(`Chromium benchmark ${chromium}`);
    }
  }

  mkdirSync(options.reportDir, { recursive: true });
  const svgTitle = `Test split (${report.testRows} tracks), shipped uint8 model`;
  writeFileSync(join(options.reportDir, CONFUSION_SVG), confusionMatrixSvg(test.uint8.confusionMatrix, THEME_IDS, svgTitle));

  const baselines = report.candidates.filter((c) => c.kind === 'baseline');
  const mlps = report.candidates.filter((c) => c.kind === 'mlp');
  const beats = baselines.every((b) => selected.macroF1.mean >= b.macroF1.mean);
  const uint8Loss = 100 * (test.float32.macroF1 - test.uint8.macroF1);
  const rows = (cs: typeof report.candidates) => cs.map((c) => [c.name, spread(c.macroF1), spread(c.enabledMacroF1), spread(c.accuracy), c.seconds.toFixed(1)]);
  const hard = mlps.find((c) => c.config && !c.config.softLabels && c.config.epochs === selected.config?.epochs);
  const soft = mlps.find((c) => c.config && c.config.softLabels && hard?.config && c.config.hidden.join() === hard.config.hidden.join() && c.config.dropout === hard.config.dropout && c.config.classWeighting === hard.config.classWeighting && c.config.epochs === hard.config.epochs);
  const unweighted = mlps.find((c) => c.config?.classWeighting === 'none' && c.config.epochs === selected.config?.epochs);

  const md = `# Training report

Written by \`npm run train -- --data ${options.dataDir}\` (seed ${report.seed}) together with
\`public/model/\` (model \`${metadata.modelVersion}\`). Every number below comes from that run;
the command prints the same figures. No part of the data set is in this repository.

## Data

| source | file | rows | licence |
| --- | --- | ---: | --- |
${stats.sources.map((s) => `| ${s.name} | \`${s.file}\` | ${s.rows} | ${s.license} |`).join('\n')}

### Label rules

Defined once, in \`model/themes.ts\`. A playlist (TidyTuesday, MPD sample) votes for a theme when its
name contains one of the theme's keywords as whole words, unless one of the theme's exclusion phrases
is present; a name that matches several themes casts no vote (playlists affected: ${stats.ambiguousPlaylists}). A
spotify-tracks occasion genre votes for its theme. Genres not listed are not used.

| theme | keywords | excluded when | genres |
| --- | --- | --- | --- |
${THEMES.map((t) => `| ${t.id} | ${t.keywords.join(', ')} | ${t.excludes.join(', ') || '–'} | ${t.genres.join(', ') || '–'} |`).join('\n')}

Tracks per theme: how many tracks got at least one vote from each source, and how many carry the
theme as their label after deduplication and the majority rule. Themes under ${MIN_TRACKS_PER_THEME}
labelled tracks are *experimental*: a model output, but off by default in the badge.

| theme | TidyTuesday | MPD sample | genres | labelled | status |
| --- | ---: | ---: | ---: | ---: | --- |
${THEME_IDS.map((t) => `| ${t} | ${stats.votesBySource.tidytuesday[t]} | ${stats.votesBySource.mpd[t]} | ${stats.votesBySource.genres[t]} | ${stats.trackCounts[t]} | ${stats.trackCounts[t] < MIN_TRACKS_PER_THEME ? 'experimental' : 'on by default'} |`).join('\n')}

- **Deduplication.** One row per track ID; then IDs with the same title and primary artist, or an
  identical 11-value feature vector, are merged into one recording (union-find, so chains merge too),
  keeping the smallest ID and summing the votes: ${stats.duplicateIds} IDs merged. A merged recording
  is one row, so it can only be in one split.
- **Rows skipped** for a missing or out-of-range feature: ${Object.values(stats.invalidRows).reduce((a, b) => a + b, 0)}.
- **Several themes per track.** ${stats.multiThemeTracks} of ${report.devRows + report.testRows} labelled
  tracks (${pct(stats.multiThemeTracks / (report.devRows + report.testRows))}) have votes for more than one
  theme; on average the label theme holds ${pct(stats.meanTopShare)} of a track's votes. The network is
  trained on **soft labels**, each theme's share of the track's votes; evaluation uses the majority
  theme. ${stats.tiedTracks} tracks whose top themes tie have no majority and are left out.
  ${hard && soft ? `Same configuration with hard one-hot labels: cross-validated macro-F1 ${spread(hard.macroF1)} against ${spread(soft.macroF1)} with soft labels, a difference of ${(100 * (soft.macroF1.mean - hard.macroF1.mean)).toFixed(2)} points, well inside the fold spread: with ${pct(stats.meanTopShare)} of the votes on the label theme, soft labels change little on this data; they are kept because they are the faithful target for the tracks that are in playlists of several themes.` : ''}
- **Small themes.** Cross-entropy weighted per class, n / (k · n_c) capped at ${DEFAULT_TRAIN_OPTIONS.maxClassWeight} (scikit-learn's "balanced").
  ${unweighted ? `Without class weights: macro-F1 ${spread(unweighted.macroF1)}.` : ''}

## Splits

Artists are never split: all tracks of a primary artist are in one place. ${pct(TEST_FRACTION)} of the tracks
(whole artists, seeded shuffle) are held out as the **test split** (${report.testRows} tracks), used once, for
the shipped model. The other ${report.devRows} tracks are divided into ${FOLDS} **folds** by stratified group
k-fold (artists as groups, each fold holding about a fifth of every theme): ${report.foldSizes.join(', ')}
tracks. Model selection, the baseline comparison and calibration use these folds only;
standardization constants are computed on each fold's training part.

## Models compared (${FOLDS}-fold cross-validation)

Mean ± standard deviation over the ${FOLDS} held-out folds (min–max in brackets). Macro-F1 is the
unweighted mean of the per-theme F1 over all ${THEME_IDS.length} themes; the second column averages over the
themes on by default only. Time: fitting and predicting all folds, seconds (the two epoch checkpoints of one
MLP run share its time).

| model | macro-F1 | macro-F1, on-by-default themes | accuracy | s |
| --- | ---: | ---: | ---: | ---: |
${rows(baselines).map((r) => `| ${r.join(' | ')} |`).join('\n')}
${rows(mlps).map((r) => `| ${r.join(' | ')} |`).join('\n')}

- Majority class: the most frequent theme of the training folds.
- Logistic regression: multinomial (softmax) regression written with TF.js, the MLP code without hidden
  layer, same soft labels, class weights and optimizer. \`ml-logistic-regression\` fits one-vs-rest by
  plain gradient descent with no class weights, so it would optimise another objective.
- k-nearest neighbours: \`ml-knn\` 3.0.0, k = ${KNN_K}, Euclidean distance on the standardized encoding.
- Random forest: \`ml-random-forest\` 2.1.0, ${RANDOM_FOREST.trees} trees of depth ≤ ${RANDOM_FOREST.maxDepth}, ${RANDOM_FOREST.maxFeatures * 100} % of the features per tree, each tree on
  its own class-balanced sample of ≤ ${RANDOM_FOREST.sampleRows} training rows. The library is slow on continuous features (measured
  here: one tree on 1,000 rows about 1.5 s; 20 trees on 6,000 rows did not finish in 10 minutes), so a
  larger forest would not fit the 10-minute training budget; this forest is a weaker baseline than a
  full-size one would be.
- MLPs: Adam (learning rate ${DEFAULT_TRAIN_OPTIONS.learningRate}, batch ${DEFAULT_TRAIN_OPTIONS.batchSize}), ReLU, seeded Glorot initialisation and shuffles; each configuration
  is scored at two epoch checkpoints of the same run.

**Selected:** ${selected.name}, macro-F1 ${spread(selected.macroF1)}. Best baseline: ${bestBaseline.name},
${spread(bestBaseline.macroF1)}. The shipped MLP ${beats ? 'is at least as good as every baseline' : '**does not beat** every baseline'} on cross-validated macro-F1
(difference to the best baseline ${(100 * (selected.macroF1.mean - bestBaseline.macroF1.mean)).toFixed(1)} points).

Per theme, selected configuration, out-of-fold predictions over all ${report.devRows} cross-validation tracks:

${perThemeTable(report.oofEvaluation)}

## The shipped model on the test split

The selected configuration refitted on all ${report.devRows} cross-validation tracks, stored as uint8, evaluated on the
${report.testRows} held-out test tracks (artists never seen in training).

| model | accuracy | macro-F1 |
| --- | ---: | ---: |
| majority class (always ${test.majorityLabel}) | ${f3(test.majority.accuracy)} | ${f3(test.majority.macroF1)} |
| MLP float32 | ${f3(test.float32.accuracy)} | ${f3(test.float32.macroF1)} |
| MLP float16 | ${f3(test.float16.accuracy)} | ${f3(test.float16.macroF1)} |
| MLP uint8 (shipped) | ${f3(test.uint8.accuracy)} | ${f3(test.uint8.macroF1)} |

Per theme (uint8):

${perThemeTable(test.uint8)}

![Confusion matrix of the shipped model on the test split](${CONFUSION_SVG})

Rows are true themes, columns predicted themes (all ${THEME_IDS.length} outputs, before the badge drops the experimental ones).

## Calibration

Temperature scaling: the logits are divided by T before the softmax. T = ${cal.temperature.toFixed(4)} minimises the
negative log-likelihood of the selected configuration's out-of-fold predictions (the ${FOLDS} validation folds).
Expected calibration error (${ECE_BINS} equal-width bins of the top probability):

| | before (T = 1) | after (T = ${cal.temperature.toFixed(3)}) |
| --- | ---: | ---: |
| out-of-fold, cross-validation tracks | ${f3(cal.oofEceBefore)} | ${f3(cal.oofEceAfter)} |
| test split, shipped uint8 model | ${f3(cal.testEceBefore)} | ${f3(cal.testEceAfter)} |

Reliability on the test split: per bin of the top probability, the number of tracks, their mean top probability
(confidence) and the share whose arg-max theme is right (accuracy), before and after scaling (the bins hold
different tracks once the probabilities change). Empty bins left out.

| top probability | tracks before | confidence before | accuracy before | tracks after | confidence after | accuracy after |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${cal.testBinsBefore
  .map((b, i) => ({ b, a: cal.testBinsAfter[i] }))
  .filter(({ b, a }) => b.count > 0 || (a?.count ?? 0) > 0)
  .map(({ b, a }) => `| ${f3(b.lower)}–${f3(b.upper)} | ${b.count} | ${f3(b.confidence)} | ${f3(b.accuracy)} | ${a?.count ?? 0} | ${f3(a?.confidence ?? 0)} | ${f3(a?.accuracy ?? 0)} |`)
  .join('\n')}

**Uncertain threshold: ${cal.uncertainThreshold.toFixed(2)}.** The badge says "uncertain" when the top calibrated
probability renormalized over the enabled themes is below it. Chosen on the out-of-fold predictions as the
largest cut-off c for which the tracks in [c − 0.10, c) get the right badge at most ${pct(UNCERTAIN_ACCURACY_LEVEL)} of the
time. On the test split it flags ${pct(cal.testUncertainShare)} of the tracks; their badge is right
${pct(cal.testAccuracyUncertain)} of the time, against ${pct(cal.testAccuracyConfident)} for the others.

## Quantization

Affine per-tensor uint8: each tensor stores q = round((w − min) / scale), scale = (max − min) / 255, decoded
by TF.js's own loader as q · scale + min. float16 is measured by loading the same weights stored as binary16.

| weights | bytes | test accuracy | test macro-F1 |
| --- | ---: | ---: | ---: |
| float32 | ${sizes.float32} | ${f3(test.float32.accuracy)} | ${f3(test.float32.macroF1)} |
| float16 | ${sizes.float16} | ${f3(test.float16.accuracy)} | ${f3(test.float16.macroF1)} |
| uint8 (shipped) | ${sizes.uint8} | ${f3(test.uint8.accuracy)} | ${f3(test.uint8.macroF1)} |

${sizes.parameters} parameters. Against float32, uint8 changes the test macro-F1 by ${(-uint8Loss).toFixed(2)} points (a loss of more
than 0.5 points would have shipped float16); the weights file is ${sizes.uint8} bytes (limit 16,384).

## Training time

2 cores, wasm backend: cross-validation of all models ${report.seconds.crossValidation.toFixed(1)} s, final fit ${report.seconds.finalFit.toFixed(1)} s,
whole run up to the written model ${report.seconds.total.toFixed(1)} s (benchmarks not included).

## Runtime speed

\`loadClassifier\` computes the forward pass in plain JavaScript over the weights that \`tf.loadLayersModel\` decoded
(model/forward.ts; tests/unit/forward.test.ts checks it against \`model.predict\` to 1e-5). Medians after 5 warm-up
calls; \`npm run bench:model\` prints the same measurements.

**Node ${process.version}** (\`loadClassifier\` from files):

${benchTable(node)}

**Chromium background** (test-only build \`.output/chrome-mv3-e2e\`, the bundled model loaded by extension URL as
the background does):

${typeof chromium === 'string' ? `Not measured: ${chromium}.` : benchTable(chromium)}

Chromium coarsens \`performance.now()\` to 0.1 ms in an extension service worker, so a 1-track call reads as
0 or 0.1 ms; the 100- and 1,000-track medians are the meaningful figures there.

${goalLine('Node', node)}
${typeof chromium === 'string' ? '' : goalLine('Chromium', chromium)}
`;
  writeFileSync(join(options.reportDir, 'REPORT.md'), md);
  log(`Wrote ${join(options.reportDir, 'REPORT.md')} and ${join(options.reportDir, CONFUSION_SVG)}`);
}
