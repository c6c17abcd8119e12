-- Detector kinds. Every version stores its kind, its resolved options, facts about its fit (summary) and an
-- opaque artifact the kind alone reads: JSON parameters and an optional binary part.
--
-- Every version stored before is an LSTM autoencoder. Its tf.layers topology and weight specs move into the
-- artifact's JSON and its float32 weights into the binary part, byte for byte. Its options are read from
-- its architecture and hyperparameters and its summary keeps them whole. Normalisation, scoring method and
-- threshold are untouched, so such a version scores exactly as before.
ALTER TABLE "model_versions" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'lstm-autoencoder';
ALTER TABLE "model_versions" ADD COLUMN "options" JSONB;
ALTER TABLE "model_versions" ADD COLUMN "summary" JSONB;
ALTER TABLE "model_versions" ADD COLUMN "artifact" JSONB;
ALTER TABLE "model_versions" ADD COLUMN "artifact_binary" BYTEA;
UPDATE "model_versions" SET
  "options" = jsonb_build_object(
    'hidden', "architecture"->'hidden',
    'code', "architecture"->'code',
    'epochs', "hyperparameters"->'epochs',
    'batchSize', "hyperparameters"->'batchSize',
    'learningRate', "hyperparameters"->'learningRate',
    'weightDecay', "hyperparameters"->'weightDecay',
    'clipNorm', "hyperparameters"->'clipNorm',
    'seed', "hyperparameters"->'seed',
    'earlyStoppingPatience', "hyperparameters"->'earlyStopping'->'patience',
    'scoringMethod', "scoring_method"->'kind'),
  "summary" = jsonb_build_object(
    'backend', "backend",
    'threads', "hyperparameters"->'threads',
    'selectedEpoch', "hyperparameters"->'selectedEpoch',
    'stopReason', "hyperparameters"->'stopReason',
    'finalLoss', "hyperparameters"->'finalLoss',
    'training', "hyperparameters",
    'network', "architecture"),
  "artifact" = jsonb_build_object('topology', "topology", 'weightSpecs', "weight_specs"),
  "artifact_binary" = "weights";
ALTER TABLE "model_versions" ALTER COLUMN "kind" DROP DEFAULT;
ALTER TABLE "model_versions" ALTER COLUMN "options" SET NOT NULL;
ALTER TABLE "model_versions" ALTER COLUMN "summary" SET NOT NULL;
ALTER TABLE "model_versions" ALTER COLUMN "artifact" SET NOT NULL;
ALTER TABLE "model_versions" DROP COLUMN "architecture";
ALTER TABLE "model_versions" DROP COLUMN "hyperparameters";
ALTER TABLE "model_versions" DROP COLUMN "topology";
ALTER TABLE "model_versions" DROP COLUMN "weights";
ALTER TABLE "model_versions" DROP COLUMN "weight_specs";
CREATE INDEX "model_versions_kind_idx" ON "model_versions"("kind");
-- A kind fitted in one go reports one step without a loss or a learning rate.
ALTER TABLE "training_epochs" ALTER COLUMN "loss" DROP NOT NULL;
ALTER TABLE "training_epochs" ALTER COLUMN "learning_rate" DROP NOT NULL;
