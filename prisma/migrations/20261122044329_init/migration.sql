-- CreateEnum
CREATE TYPE "EngineRole" AS ENUM ('TRAIN', 'TEST', 'LIVE');

-- CreateEnum
CREATE TYPE "WindowSource" AS ENUM ('ENGINE', 'CLIENT');

-- CreateEnum
CREATE TYPE "ModelStatus" AS ENUM ('READY', 'ARCHIVED');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateTable
CREATE TABLE "engines" (
    "id" SERIAL NOT NULL,
    "dataset" TEXT,
    "role" "EngineRole" NOT NULL,
    "unit" INTEGER,
    "external_id" TEXT,
    "rul_after_last_cycle" INTEGER,
    "last_cycle" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "engines_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cycles" (
    "engine_id" INTEGER NOT NULL,
    "cycle" INTEGER NOT NULL,
    "setting_1" DOUBLE PRECISION NOT NULL,
    "setting_2" DOUBLE PRECISION NOT NULL,
    "setting_3" DOUBLE PRECISION NOT NULL,
    "sensor_1" DOUBLE PRECISION NOT NULL,
    "sensor_2" DOUBLE PRECISION NOT NULL,
    "sensor_3" DOUBLE PRECISION NOT NULL,
    "sensor_4" DOUBLE PRECISION NOT NULL,
    "sensor_5" DOUBLE PRECISION NOT NULL,
    "sensor_6" DOUBLE PRECISION NOT NULL,
    "sensor_7" DOUBLE PRECISION NOT NULL,
    "sensor_8" DOUBLE PRECISION NOT NULL,
    "sensor_9" DOUBLE PRECISION NOT NULL,
    "sensor_10" DOUBLE PRECISION NOT NULL,
    "sensor_11" DOUBLE PRECISION NOT NULL,
    "sensor_12" DOUBLE PRECISION NOT NULL,
    "sensor_13" DOUBLE PRECISION NOT NULL,
    "sensor_14" DOUBLE PRECISION NOT NULL,
    "sensor_15" DOUBLE PRECISION NOT NULL,
    "sensor_16" DOUBLE PRECISION NOT NULL,
    "sensor_17" DOUBLE PRECISION NOT NULL,
    "sensor_18" DOUBLE PRECISION NOT NULL,
    "sensor_19" DOUBLE PRECISION NOT NULL,
    "sensor_20" DOUBLE PRECISION NOT NULL,
    "sensor_21" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "cycles_pkey" PRIMARY KEY ("engine_id","cycle")
);

-- CreateTable
CREATE TABLE "windows" (
    "id" SERIAL NOT NULL,
    "content_hash" TEXT NOT NULL,
    "source" "WindowSource" NOT NULL,
    "engine_id" INTEGER,
    "end_cycle" INTEGER,
    "length" INTEGER NOT NULL,
    "sensors" TEXT[],
    "values" BYTEA,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "windows_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "scores" (
    "id" SERIAL NOT NULL,
    "window_id" INTEGER NOT NULL,
    "model_version_id" INTEGER NOT NULL,
    "engine_id" INTEGER,
    "end_cycle" INTEGER,
    "reconstruction_error" DOUBLE PRECISION NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "is_anomaly" BOOLEAN NOT NULL,
    "sensor_errors" DOUBLE PRECISION[],
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "scores_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_versions" (
    "id" SERIAL NOT NULL,
    "version" INTEGER NOT NULL,
    "name" TEXT,
    "status" "ModelStatus" NOT NULL DEFAULT 'READY',
    "is_active" BOOLEAN NOT NULL DEFAULT false,
    "architecture" JSONB NOT NULL,
    "hyperparameters" JSONB NOT NULL,
    "sensors" TEXT[],
    "window_length" INTEGER NOT NULL,
    "normalisation" JSONB NOT NULL,
    "scoring_method" JSONB NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "threshold_quantile" DOUBLE PRECISION NOT NULL,
    "topology" JSONB NOT NULL,
    "weights" BYTEA NOT NULL,
    "weight_specs" JSONB NOT NULL,
    "backend" TEXT NOT NULL,
    "training_ms" INTEGER NOT NULL,
    "trained_on" JSONB NOT NULL,
    "metrics" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activated_at" TIMESTAMP(3),

    CONSTRAINT "model_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "evaluations" (
    "id" SERIAL NOT NULL,
    "model_version_id" INTEGER NOT NULL,
    "dataset" TEXT NOT NULL,
    "split" JSONB NOT NULL,
    "metrics" JSONB NOT NULL,
    "curves" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "evaluations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "training_jobs" (
    "id" SERIAL NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'QUEUED',
    "config" JSONB NOT NULL,
    "total_epochs" INTEGER NOT NULL,
    "error" TEXT,
    "claimed_by" TEXT,
    "heartbeat_at" TIMESTAMP(3),
    "cancel_requested" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "model_version_id" INTEGER,

    CONSTRAINT "training_jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "training_epochs" (
    "job_id" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL,
    "loss" DOUBLE PRECISION NOT NULL,
    "validation_loss" DOUBLE PRECISION,
    "learning_rate" DOUBLE PRECISION NOT NULL,
    "elapsed_ms" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "training_epochs_pkey" PRIMARY KEY ("job_id","epoch")
);

-- CreateIndex
CREATE UNIQUE INDEX "engines_external_id_key" ON "engines"("external_id");

-- CreateIndex
CREATE INDEX "engines_role_dataset_idx" ON "engines"("role", "dataset");

-- CreateIndex
CREATE UNIQUE INDEX "engines_dataset_role_unit_key" ON "engines"("dataset", "role", "unit");

-- CreateIndex
CREATE UNIQUE INDEX "windows_content_hash_key" ON "windows"("content_hash");

-- CreateIndex
CREATE INDEX "windows_engine_id_end_cycle_idx" ON "windows"("engine_id", "end_cycle");

-- CreateIndex
CREATE INDEX "scores_model_version_id_engine_id_end_cycle_idx" ON "scores"("model_version_id", "engine_id", "end_cycle");

-- CreateIndex
CREATE UNIQUE INDEX "scores_window_id_model_version_id_key" ON "scores"("window_id", "model_version_id");

-- CreateIndex
CREATE UNIQUE INDEX "model_versions_version_key" ON "model_versions"("version");

-- CreateIndex
CREATE INDEX "evaluations_model_version_id_created_at_idx" ON "evaluations"("model_version_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "training_jobs_model_version_id_key" ON "training_jobs"("model_version_id");

-- CreateIndex
CREATE INDEX "training_jobs_status_created_at_idx" ON "training_jobs"("status", "created_at");

-- AddForeignKey
ALTER TABLE "cycles" ADD CONSTRAINT "cycles_engine_id_fkey" FOREIGN KEY ("engine_id") REFERENCES "engines"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "windows" ADD CONSTRAINT "windows_engine_id_fkey" FOREIGN KEY ("engine_id") REFERENCES "engines"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scores" ADD CONSTRAINT "scores_window_id_fkey" FOREIGN KEY ("window_id") REFERENCES "windows"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scores" ADD CONSTRAINT "scores_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scores" ADD CONSTRAINT "scores_engine_id_fkey" FOREIGN KEY ("engine_id") REFERENCES "engines"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "training_epochs" ADD CONSTRAINT "training_epochs_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "training_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written: at most one active model version (Prisma's schema language has no partial indexes).
CREATE UNIQUE INDEX "model_versions_one_active" ON "model_versions" ("is_active") WHERE "is_active";
