-- Processes that run training jobs register here and refresh heartbeat_at while they live, so that any
-- replica can tell a job whose runner is dead (stale or missing row) from one that is training.
CREATE TABLE "job_runners" (
    "id" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeat_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_runners_pkey" PRIMARY KEY ("id")
);

-- A re-queued orphan waits until retry_at before it is claimed again (exponential backoff per attempt).
ALTER TABLE "training_jobs" ADD COLUMN "retry_at" TIMESTAMP(3);
