-- Alerts of the k-of-n rule: one row per (engine, model version, opening window), so that scoring the
-- same windows again updates an alert instead of adding one. Severities are declared in rising order:
-- GREATEST(old, new) keeps the higher one, so a severity never falls.
-- CreateEnum
CREATE TYPE "AlertSeverity" AS ENUM ('WARNING', 'SERIOUS', 'CRITICAL');

-- CreateEnum
CREATE TYPE "AlertState" AS ENUM ('OPEN', 'ACKNOWLEDGED', 'RESOLVED', 'CLOSED');

-- CreateTable
CREATE TABLE "alerts" (
    "id" SERIAL NOT NULL,
    "engine_id" INTEGER NOT NULL,
    "model_version_id" INTEGER NOT NULL,
    "opened_cycle" INTEGER NOT NULL,
    "closed_cycle" INTEGER,
    "last_cycle" INTEGER NOT NULL,
    "severity" "AlertSeverity" NOT NULL,
    "state" "AlertState" NOT NULL DEFAULT 'OPEN',
    "driving_sensors" JSONB NOT NULL,
    "peak_score" DOUBLE PRECISION NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "acknowledged_at" TIMESTAMP(3),
    "resolved_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alerts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "alerts_state_id_idx" ON "alerts"("state", "id");

-- CreateIndex
CREATE INDEX "alerts_severity_id_idx" ON "alerts"("severity", "id");

-- CreateIndex
CREATE INDEX "alerts_model_version_id_idx" ON "alerts"("model_version_id");

-- CreateIndex
CREATE UNIQUE INDEX "alerts_engine_id_model_version_id_opened_cycle_key" ON "alerts"("engine_id", "model_version_id", "opened_cycle");

-- AddForeignKey
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_engine_id_fkey" FOREIGN KEY ("engine_id") REFERENCES "engines"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
