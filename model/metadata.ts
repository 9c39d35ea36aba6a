import { z } from 'zod';
import { CONTINUOUS_FEATURE_NAMES, DURATION_ENCODING, DURATION_RANGE_MS, ENCODED_FEATURE_NAMES, AUDIO_FEATURE_NAMES } from './features';
import { ThemeIdSchema, type ThemeId } from './themes';

/** Version of the `metadata.json` layout described by {@link ModelMetadataSchema}. */
export const METADATA_FORMAT_VERSION = 3;

const ClassMetricsSchema = z.object({
  precision: z.number().min(0).max(1),
  recall: z.number().min(0).max(1),
  f1: z.number().min(0).max(1),
  support: z.number().int().min(0),
});

/** Test-split metrics of one model variant (float32, float16, uint8, baseline). */
export const EvaluationSchema = z.object({
  accuracy: z.number().min(0).max(1),
  macroF1: z.number().min(0).max(1),
  perTheme: z.record(z.string(), ClassMetricsSchema),
  /** Rows are true themes, columns predicted themes, both in `labels` order. */
  confusionMatrix: z.array(z.array(z.number().int().min(0))),
});

/** Test-split evaluation of one model variant. */
export type Evaluation = z.infer<typeof EvaluationSchema>;

/** Mean and spread of one metric over the cross-validation folds. */
export const FoldSummarySchema = z.object({
  mean: z.number(),
  /** Population standard deviation over the folds. */
  std: z.number().min(0),
  min: z.number(),
  max: z.number(),
});

/**
 * Calibration of the network's probabilities (temperature scaling, Guo et al. 2017) and the
 * badge's "uncertain" cut-off.
 *
 * - `temperature` T > 0: `predict` returns `softmax(logits / T)`. Fitted by minimising the
 *   negative log-likelihood of the out-of-fold predictions (each track predicted by the
 *   model of the cross-validation fold that held it out) of the shipped configuration
 *   (training/train.ts, training/calibration.ts).
 * - `uncertainThreshold` in [0, 1] is compared with `pickTheme(...).probability`, the top
 *   calibrated probability renormalized over the enabled themes: below it the badge says
 *   "uncertain". Chosen on the same out-of-fold predictions as the largest cut-off c (on a
 *   0.01 grid) such that the tracks with renormalized probability in [c − 0.10, c) (at least
 *   30 of them) get the correct theme at most half of the time (`chooseUncertainThreshold`,
 *   level 0.5, in training/calibration.ts): just below the cut-off a badge is more often wrong
 *   than right. 0 when no band qualifies.
 * - `eceBefore` / `eceAfter`: expected calibration error (15 equal-width confidence bins, top
 *   probability over all labels) of the held-out test split before and after temperature
 *   scaling, in [0, 1].
 */
export const CalibrationSchema = z.object({
  temperature: z.number().positive().finite(),
  uncertainThreshold: z.number().min(0).max(1),
  eceBefore: z.number().min(0).max(1),
  eceAfter: z.number().min(0).max(1),
});

/** See {@link CalibrationSchema}. */
export type Calibration = z.infer<typeof CalibrationSchema>;

/**
 * zod schema of `public/model/metadata.json`, the file that travels next to `model.json`.
 * Beyond field types it checks that the model and this build agree: every label is a known
 * theme id and appears once, the encoded feature names are exactly this build's
 * {@link ENCODED_FEATURE_NAMES}, and the normalization has one constant per continuous feature.
 * The output size of the network itself is checked against `labels` when the model loads
 * (`model/classifier.ts`).
 */
export const ModelMetadataSchema = z
  .object({
    formatVersion: z.literal(METADATA_FORMAT_VERSION),
    /** Content hash of the weights, so caches of predictions can be keyed by model. */
    modelVersion: z.string().min(1),
    /** Theme ids in the model's output order. */
    labels: z.array(ThemeIdSchema).min(2),
    /**
     * Themes off by default: fewer than `minTracksPerTheme` training tracks, or an out-of-fold
     * badge precision below `minPrecision` (model/themes.ts `MIN_BADGE_PRECISION`).
     */
    experimental: z.array(ThemeIdSchema),
    minTracksPerTheme: z.number().int().min(0),
    minPrecision: z.number().min(0).max(1),
    features: z.object({
      input: z.array(z.string()),
      encoded: z.array(z.string()),
      normalization: z.object({
        mean: z.array(z.number()),
        std: z.array(z.number().positive()),
        /** Mean and std of ln(duration in seconds) over the training tracks with a duration. */
        logDuration: z.object({ mean: z.number().finite(), std: z.number().positive().finite() }),
      }),
      /**
       * How the duration is read (format 3, issue 10): `durationMs` of each `ModelInput`, rounded
       * to the second and clamped to `rangeMs` (`normalizeDurationMs`), encoded as
       * `log_duration` = standardized ln(seconds) and `duration_missing` = 1 when unknown (then
       * `log_duration` = 0). Must equal this build's encoding (`model/features.ts`).
       */
      duration: z.object({
        input: z.literal('durationMs'),
        roundedTo: z.literal('second'),
        rangeMs: z.tuple([z.number(), z.number()]),
        encoding: z.literal(DURATION_ENCODING),
        missing: z.object({ value: z.literal(0), indicator: z.literal('duration_missing') }),
        /** Share of training rows whose duration was masked as missing (seeded). */
        maskedShare: z.number().min(0).max(1),
      }),
    }),
    calibration: CalibrationSchema,
    quantization: z.object({
      dtype: z.literal('uint8'),
      /** Affine per tensor: value = q * scale + min, q in 0..255. */
      scheme: z.literal('affine-per-tensor'),
      weightBytes: z.number().int().positive(),
    }),
    training: z.object({
      seed: z.number().int(),
      /** Labelled tracks per theme over all splits, after deduplication and conflict rules. */
      trackCounts: z.record(z.string(), z.number().int().min(0)),
      splits: z.object({ train: z.number().int(), validation: z.number().int(), test: z.number().int() }),
      sources: z.array(z.object({ name: z.string(), file: z.string(), rows: z.number().int(), license: z.string() })),
      /** The shipped network's configuration, selected by cross-validated macro-F1. */
      model: z.object({
        hidden: z.array(z.number().int().positive()),
        dropout: z.number().min(0).max(1),
        epochs: z.number().int().positive(),
        classWeighting: z.enum(['balanced', 'none']),
        softLabels: z.boolean(),
        /** The teacher whose probabilities the network was distilled from; null when trained on the labels alone. */
        teacher: z.string().nullable(),
        /**
         * Per-theme offsets (labels order) added to the output logits to maximise out-of-fold
         * macro-F1, already folded into the output layer's bias; null when none were added.
         */
        classBiases: z.array(z.number()).nullable(),
      }),
      /** Cross-validated macro-F1 and accuracy of the shipped configuration and of the best baseline. */
      crossValidation: z.object({
        folds: z.number().int().min(2),
        selected: z.object({ name: z.string(), macroF1: FoldSummarySchema, accuracy: FoldSummarySchema }),
        bestBaseline: z.object({ name: z.string(), macroF1: FoldSummarySchema, accuracy: FoldSummarySchema }),
        /** The selected model's out-of-fold precision per theme (arg-max over all labels), the input of the `minPrecision` rule. */
        precision: z.record(z.string(), z.number().min(0).max(1)),
      }),
    }),
    metrics: z.object({
      float32: EvaluationSchema,
      float16: EvaluationSchema,
      uint8: EvaluationSchema,
      majorityBaseline: EvaluationSchema,
    }),
  })
  .superRefine((m, ctx) => {
    if (new Set(m.labels).size !== m.labels.length) {
      ctx.addIssue({ code: 'custom', path: ['labels'], message: 'labels must not repeat' });
    }
    for (const t of m.experimental) {
      if (!m.labels.includes(t)) {
        ctx.addIssue({ code: 'custom', path: ['experimental'], message: `experimental theme "${t}" is not a label` });
      }
    }
    if (m.features.input.join(',') !== AUDIO_FEATURE_NAMES.join(',')) {
      ctx.addIssue({ code: 'custom', path: ['features', 'input'], message: `expected input features ${AUDIO_FEATURE_NAMES.join(',')}` });
    }
    if (m.features.encoded.join(',') !== ENCODED_FEATURE_NAMES.join(',')) {
      ctx.addIssue({ code: 'custom', path: ['features', 'encoded'], message: `expected encoded features ${ENCODED_FEATURE_NAMES.join(',')}` });
    }
    const range = m.features.duration.rangeMs;
    if (range[0] !== DURATION_RANGE_MS.min || range[1] !== DURATION_RANGE_MS.max) {
      ctx.addIssue({ code: 'custom', path: ['features', 'duration', 'rangeMs'], message: `expected [${DURATION_RANGE_MS.min}, ${DURATION_RANGE_MS.max}]` });
    }
    const n = CONTINUOUS_FEATURE_NAMES.length;
    if (m.features.normalization.mean.length !== n || m.features.normalization.std.length !== n) {
      ctx.addIssue({ code: 'custom', path: ['features', 'normalization'], message: `expected ${n} mean and std values` });
    }
  });

/** Parsed, validated model metadata. */
export type ModelMetadata = z.infer<typeof ModelMetadataSchema>;

/**
 * Parses `metadata.json` content. Throws `Error` whose message lists every problem
 * (zod's issues, prefixed with their paths) when the value does not match this build.
 */
export function parseModelMetadata(value: unknown): ModelMetadata {
  const result = ModelMetadataSchema.safeParse(value);
  if (!result.success) {
    throw new Error(`Invalid model metadata: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/** The themes on by default: every label not marked experimental, in output order. */
export function defaultEnabledThemes(metadata: ModelMetadata): ThemeId[] {
  return metadata.labels.filter((t) => !metadata.experimental.includes(t));
}
