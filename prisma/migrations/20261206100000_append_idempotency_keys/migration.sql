-- Idempotency keys of appendCycles: a request retried with the same key for the same engine gets the
-- answer of the first one and writes nothing. The key row is inserted first in the append's
-- transaction (a concurrent duplicate waits on it), and the answer is stored in the same transaction.
-- Keys older than a day are deleted by the engine's next keyed append.
CREATE TABLE "append_requests" (
    "engine_id" INTEGER NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "response" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "append_requests_pkey" PRIMARY KEY ("engine_id","idempotency_key")
);

-- AddForeignKey
ALTER TABLE "append_requests" ADD CONSTRAINT "append_requests_engine_id_fkey" FOREIGN KEY ("engine_id") REFERENCES "engines"("id") ON DELETE CASCADE ON UPDATE CASCADE;
