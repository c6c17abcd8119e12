-- An operator may give one engine its own alert rule under a version (setEngineAlertRule): it judges the
-- engine's windows scored from then on, and a later change of the version's rule passes that engine by.
-- The windows already scored keep their rule through alert_rule_periods, as for a version's change.
CREATE TABLE "engine_alert_rules" (
    "model_version_id" INTEGER NOT NULL,
    "engine_id" INTEGER NOT NULL,
    "rule" JSONB NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "engine_alert_rules_pkey" PRIMARY KEY ("model_version_id","engine_id")
);

CREATE INDEX "engine_alert_rules_engine_id_idx" ON "engine_alert_rules"("engine_id");

ALTER TABLE "engine_alert_rules" ADD CONSTRAINT "engine_alert_rules_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "engine_alert_rules" ADD CONSTRAINT "engine_alert_rules_engine_id_fkey" FOREIGN KEY ("engine_id") REFERENCES "engines"("id") ON DELETE CASCADE ON UPDATE CASCADE;
