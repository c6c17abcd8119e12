-- Client windows' values (float64 readings, ~3.4 KB a window) are compressed when stored. PostgreSQL's
-- default pglz took ~40% of the database's CPU in a 256-window scoring batch (bench:score: 29 ms against
-- 18 ms of PostgreSQL CPU per batch with lz4), and lz4 stores them at 63% of their size against 54%.
-- Rows already stored keep pglz. Column compression is outside Prisma's schema language, hence this
-- hand-written step.
--
-- A server built without lz4 (the embedded PGlite) refuses SET COMPRESSION lz4, so the statement runs
-- only where pg_settings offers lz4. It is wrapped in a one-statement SQL function because DDL cannot
-- be conditional in plain SQL and Prisma's migration runner cuts scripts at every semicolon (even in
-- comments or dollar quotes), which rules out a DO block and semicolons in these comments.
CREATE FUNCTION "window_values_lz4"() RETURNS void LANGUAGE sql AS 'ALTER TABLE "windows" ALTER COLUMN "values" SET COMPRESSION lz4';
SELECT "window_values_lz4"() FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals);
DROP FUNCTION "window_values_lz4"();
