-- Operating regimes: a version trained on data flown at several operating conditions normalises each sensor
-- within the regime of its row's settings. The regime model (settings standardisation, centroids, per-regime
-- mean and std of each sensor) is stored with the version. Null for a single operating condition, which is
-- every version stored before.
ALTER TABLE "model_versions" ADD COLUMN "regimes" JSONB;
