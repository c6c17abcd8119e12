-- WebSocket connections per API key, shared by every API process on the database: one row per open
-- connection, its lease renewed by its process's heartbeat; rows whose lease has run out (a process that
-- died) are not counted.
CREATE TABLE "subscription_connections" (
    "id" UUID NOT NULL,
    "key_id" INTEGER NOT NULL,
    "process_id" UUID NOT NULL,
    "lease_until" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "subscription_connections_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "subscription_connections_key_id_lease_until_idx" ON "subscription_connections"("key_id", "lease_until");
CREATE INDEX "subscription_connections_process_id_idx" ON "subscription_connections"("process_id");

ALTER TABLE "subscription_connections" ADD CONSTRAINT "subscription_connections_key_id_fkey" FOREIGN KEY ("key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;
