/**
 * fraudstream's offline model library: the feature encoder shared by training and online scoring
 * (stateless features and fixed-size per-card state), the fast Sparkov CSV reader, transformed
 * Parquet data, the histogram Random Forest trainer over shared memory (its trees grown by an
 * injected `TreeGrower`: worker threads in the program, inline in tests), the
 * flattened batch scorer, versioned model folders, evaluation on a time-and-card hold-out, the
 * HTML report, and the import of the seed's Spark models with the seed's encoding.
 *
 * @example Train, then score a partition's transactions
 * ```ts
 * import {
 *   columnEncoderFor,
 *   DEFAULT_FOREST,
 *   inlineTreeGrower,
 *   loadModel,
 *   trainModel,
 * } from "./model/mod.ts";
 *
 * await trainModel({
 *   dataDir: "resources/data/train/raw/v1",
 *   transformedDir: "resources/data/train/transformed/v1",
 *   modelDir: "resources/models/v1",
 *   version: "v1",
 *   params: DEFAULT_FOREST,
 *   workers: 2,
 *   grower: inlineTreeGrower, // the program grows them on workers: the pipeline's grower
 * });
 * const model = await loadModel("resources/models/v1");
 * const encoder = columnEncoderFor(model.manifest.encoder);
 * const features = encoder.encode(columns); // a batch of transactions as columns (columns.ts)
 * const scores = model.score(features, columns.length);
 * ```
 *
 * @module
 */

// Transactions and the CSV format.
export {
  CATEGORIES,
  type Category,
  type Column,
  COLUMNS,
  CSV_SEPARATOR,
  CUSTOMER_COLUMN_COUNT,
  HEADER,
  type Transaction,
} from "./schema.ts";
export {
  type BadRow,
  findCsvFiles,
  INCOMPLETE_FILE,
  NoDataError,
  readColumns,
  type ReadColumnsOptions,
  type TrainingColumns,
} from "./csv_columns.ts";

// Features: one encoder for training replay and online scoring.
export {
  DEFAULT_ENCODER,
  emptyState,
  encodeInto,
  type EncoderSettings,
  FEATURE_COUNT,
  type FeatureInput,
  featureInput,
  type FeatureKind,
  FEATURES,
  type FeatureSpec,
  haversineKm,
  stateLength,
} from "./features.ts";
export { CardStates, decodeState, encodeState, StateFormatError } from "./card_states.ts";
export { cardTimeOrder, replayFeatures } from "./replay.ts";
export {
  type CardStateEncoder,
  cardStateEncoder,
  type ColumnEncoder,
  columnEncoderFor,
} from "./row_encoder.ts";
export {
  type FeatureColumns,
  featureColumnsBuffer,
  packFeatureColumns,
} from "./feature_columns.ts";

// Transformed training data (Parquet).
export {
  type EncodedData,
  hasTransformed,
  readTransformed,
  sameFiles,
  sourceOf,
  type TransformedSource,
  writeTransformed,
} from "./transformed.ts";

// The forest: binning, trainer, scorer.
export { binValues, categoricalBins, type FeatureBins, numericBins } from "./forest/binning.ts";
export {
  type BinnedData,
  growTree,
  MAX_TREE_ROWS,
  type Tree,
  type TreeParams,
  walkTree,
} from "./forest/tree.ts";
export {
  binnedData,
  type GrowData,
  type GrowRequest,
  growRequested,
  inlineTreeGrower,
  type StartTreeGrower,
  type TreeGrower,
} from "./forest/grow.ts";
export {
  type BinnedTrainingSet,
  binTrainingSet,
  DEFAULT_FOREST,
  featureImportance,
  featuresPerNode,
  type ForestParams,
  growForest,
  type GrowForestOptions,
  type TrainedForest,
  trainForest,
  type TrainForestOptions,
  treeSeed,
} from "./forest/train.ts";
export {
  binForest,
  type BinnedForest,
  binRows,
  type FlatForest,
  flattenForest,
  MAX_BINS,
  scoreBinned,
  scoreForest,
} from "./forest/flat.ts";

// Model folders.
export {
  checkModelTarget,
  decodeForest,
  encodeForest,
  type EncoderName,
  type LoadedModel,
  loadModel,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  ModelFormatError,
  type ModelManifest,
  type ModelTarget,
  ModelTargetError,
  saveModel,
  type SaveModelOptions,
} from "./model_file.ts";

// Training, evaluation and the report.
export {
  averagePrecision,
  chooseThreshold,
  type Confusion,
  confusionAt,
  type Curves,
  curves,
  evaluate,
  type Evaluation,
  recallAtPrecision,
  rocAuc,
} from "./metrics.ts";
export {
  cardDraw,
  DEFAULT_HOLDOUT,
  DEFAULT_SPLIT,
  holdoutSplit,
  ROLE,
  rowsWithRole,
  splitRows,
  type SplitSettings,
} from "./split.ts";
export {
  DEFAULT_THRESHOLD,
  encodeData,
  modelDir,
  type SelectedRows,
  selectRows,
  type ThresholdSource,
  toRowMajor,
  trainModel,
  type TrainModelOptions,
  type TrainReport,
} from "./train.ts";
export { TrainingDataError } from "./train_checks.ts";
export { evaluateModel, type EvaluateOptions, type EvaluationReport } from "./evaluate.ts";
export {
  checkScoresPath,
  lineKey,
  SCORE_COLUMNS,
  type ScoredFiles,
  type ScoreRow,
  ScoresFileError,
  writeScoresFile,
} from "./scores_file.ts";
export { modelReportHtml } from "./report_html.ts";

// The seed's Spark models and encoding.
export {
  importSparkModel,
  type ImportSparkOptions,
  parseExactJson,
  readSparkForest,
  SPARK_FOREST_CLASS,
  type SparkForest,
  type SparkMetadata,
  SparkModelError,
  type SparkNode,
} from "./spark_import.ts";
export {
  SEED_ENCODER,
  SEED_FEATURE_COUNT,
  SEED_FEATURES,
  SeedEncoder,
  seedHash,
  type SeedInput,
} from "./seed_encoding.ts";
export {
  parseSeedLine,
  readSeedBatches,
  type SeedBatch,
  type SeedBatchOptions,
} from "./seed_csv.ts";
