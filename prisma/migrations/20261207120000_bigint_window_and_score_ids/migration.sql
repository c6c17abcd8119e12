-- The high-volume tables get 64-bit ids: a fleet scoring 1,000 windows a second passes 2^31 windows and
-- scores in 25 days. windows.id, scores.id and the one key that refers to them (scores.window_id) become
-- BIGINT, and so do their sequences (a SERIAL's sequence is AS integer and would stop at 2^31 - 1).
-- cycles has a composite key of int4 engine and cycle numbers, engines stay few. Rewrites both tables
-- under an exclusive lock: on a large database, run it in a maintenance window.
ALTER TABLE "scores" DROP CONSTRAINT "scores_window_id_fkey";
ALTER TABLE "windows" ALTER COLUMN "id" SET DATA TYPE BIGINT;
ALTER SEQUENCE "windows_id_seq" AS BIGINT;
ALTER TABLE "scores" ALTER COLUMN "id" SET DATA TYPE BIGINT, ALTER COLUMN "window_id" SET DATA TYPE BIGINT;
ALTER SEQUENCE "scores_id_seq" AS BIGINT;
ALTER TABLE "scores" ADD CONSTRAINT "scores_window_id_fkey" FOREIGN KEY ("window_id") REFERENCES "windows"("id") ON DELETE CASCADE ON UPDATE CASCADE;
