-- Imports through the API: an import record per uploaded file, run by a background job, and the upload
-- itself kept in the database (chunks in order) until its import finishes, so that a runner in any
-- process can read it.
CREATE TYPE "ImportStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED');

CREATE TABLE "imports" (
    "id" SERIAL NOT NULL,
    "dataset" TEXT NOT NULL,
    "status" "ImportStatus" NOT NULL DEFAULT 'QUEUED',
    "format" "DatasetFormat" NOT NULL,
    "file_name" TEXT NOT NULL,
    "options" JSONB NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "rows_read" INTEGER NOT NULL DEFAULT 0,
    "rows_written" INTEGER NOT NULL DEFAULT 0,
    "engines_created" INTEGER NOT NULL DEFAULT 0,
    "engines_unchanged" INTEGER NOT NULL DEFAULT 0,
    "error" JSONB,
    "claimed_by" TEXT,
    "heartbeat_at" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "imports_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "import_chunks" (
    "import_id" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "import_chunks_pkey" PRIMARY KEY ("import_id","seq")
);

-- Hand-written: uploads are stored as they arrive, without spending the database's CPU on compressing
-- them (a gzip upload would not shrink anyway).
ALTER TABLE "import_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL;

CREATE INDEX "imports_status_created_at_idx" ON "imports"("status", "created_at");

ALTER TABLE "import_chunks" ADD CONSTRAINT "import_chunks_import_id_fkey" FOREIGN KEY ("import_id") REFERENCES "imports"("id") ON DELETE CASCADE ON UPDATE CASCADE;
