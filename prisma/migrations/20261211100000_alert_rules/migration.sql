-- Each model version carries its alert rule (k of n, m, severity levels, driving sensors). Existing
-- versions get the rule every alert was raised with until now (DEFAULT_ALERT_RULE), so their alerts
-- do not change. Training and imports always store theirs.
ALTER TABLE "model_versions" ADD COLUMN "alert_rule" JSONB NOT NULL
  DEFAULT '{"k":4,"n":7,"m":5,"serious":{"excess":0.5,"windows":15},"critical":{"excess":1,"windows":30},"drivingSensors":3}';

-- When an operator changes a version's rule, the windows already scored keep the rule they were judged
-- by: per engine scored under the version, the rule in force from a window on (docs/alerts.md).
CREATE TABLE "alert_rule_periods" (
    "model_version_id" INTEGER NOT NULL,
    "engine_id" INTEGER NOT NULL,
    "from_cycle" INTEGER NOT NULL,
    "rule" JSONB NOT NULL,

    CONSTRAINT "alert_rule_periods_pkey" PRIMARY KEY ("model_version_id","engine_id","from_cycle")
);

CREATE INDEX "alert_rule_periods_engine_id_idx" ON "alert_rule_periods"("engine_id");

ALTER TABLE "alert_rule_periods" ADD CONSTRAINT "alert_rule_periods_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_rule_periods" ADD CONSTRAINT "alert_rule_periods_engine_id_fkey" FOREIGN KEY ("engine_id") REFERENCES "engines"("id") ON DELETE CASCADE ON UPDATE CASCADE;
