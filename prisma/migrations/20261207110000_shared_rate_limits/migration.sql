-- Rate-limit counters shared by every replica on this database (rate-limiter-flexible's RateLimiterPostgres
-- layout: one row per limit and client, points used in the current period, its end in epoch ms).
-- UNLOGGED: counters need no crash safety (a crash resets them) and skip the WAL on every request.
-- Prisma's schema language cannot say UNLOGGED, hence this hand-written statement.
CREATE UNLOGGED TABLE "rate_limits" (
    "key" VARCHAR(255) NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("key")
);
