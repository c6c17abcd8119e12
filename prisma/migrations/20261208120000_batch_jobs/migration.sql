-- Batch jobs: evaluation and scoring of a model version over many engines, run in the background and
-- queued like training jobs. active_key is set while a job is QUEUED or RUNNING, so that an identical
-- request joins the job under way instead of queuing a second one.
-- CreateEnum
CREATE TYPE "BatchJobKind" AS ENUM ('EVALUATION', 'SCORING');

-- CreateTable
CREATE TABLE "batch_jobs" (
    "id" SERIAL NOT NULL,
    "kind" "BatchJobKind" NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'QUEUED',
    "model_version_id" INTEGER NOT NULL,
    "request" JSONB NOT NULL,
    "engine_ids" INTEGER[],
    "total_windows" INTEGER NOT NULL,
    "active_key" TEXT,
    "error" TEXT,
    "claimed_by" TEXT,
    "heartbeat_at" TIMESTAMP(3),
    "cancel_requested" BOOLEAN NOT NULL DEFAULT false,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "retry_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "evaluation_id" INTEGER,

    CONSTRAINT "batch_jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "batch_job_engines" (
    "job_id" INTEGER NOT NULL,
    "engine_id" INTEGER NOT NULL,
    "windows" INTEGER NOT NULL,
    "flagged" INTEGER NOT NULL,
    "first_flagged_cycle" INTEGER,

    CONSTRAINT "batch_job_engines_pkey" PRIMARY KEY ("job_id","engine_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "batch_jobs_active_key_key" ON "batch_jobs"("active_key");

-- CreateIndex
CREATE UNIQUE INDEX "batch_jobs_evaluation_id_key" ON "batch_jobs"("evaluation_id");

-- CreateIndex
CREATE INDEX "batch_jobs_status_created_at_idx" ON "batch_jobs"("status", "created_at");

-- AddForeignKey
ALTER TABLE "batch_jobs" ADD CONSTRAINT "batch_jobs_evaluation_id_fkey" FOREIGN KEY ("evaluation_id") REFERENCES "evaluations"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_jobs" ADD CONSTRAINT "batch_jobs_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_job_engines" ADD CONSTRAINT "batch_job_engines_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "batch_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_job_engines" ADD CONSTRAINT "batch_job_engines_engine_id_fkey" FOREIGN KEY ("engine_id") REFERENCES "engines"("id") ON DELETE CASCADE ON UPDATE CASCADE;
