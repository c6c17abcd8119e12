-- cycles -> engines is checked once per statement instead of once per row. The foreign key's row-level
-- trigger ran one lookup and one lock per inserted cycle, about six times the cost of the insert itself
-- (a million-row CSV import spent 84 s of its write step in it, 17 s without; docs/benchmarks.md).
-- The triggers below keep the key's guarantees: inserted or updated cycles must name existing engines
-- (locked FOR KEY SHARE until commit, as the key does, so no concurrent delete can orphan them), deleting
-- engines deletes their cycles (ON DELETE CASCADE), and an engine's id cannot change while cycles name it.
ALTER TABLE "cycles" DROP CONSTRAINT "cycles_engine_id_fkey";

CREATE FUNCTION "cycles_check_engines"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing integer;
BEGIN
  WITH named AS (SELECT DISTINCT engine_id FROM new_cycles),
       locked AS (SELECT e.id FROM engines e WHERE e.id IN (SELECT engine_id FROM named) FOR KEY SHARE)
  SELECT (SELECT count(*) FROM named) - (SELECT count(*) FROM locked) INTO missing;
  IF missing > 0 THEN
    RAISE EXCEPTION 'insert or update on table "cycles" violates the check "cycles_engine_id_check"'
      USING ERRCODE = 'foreign_key_violation', TABLE = 'cycles',
            DETAIL = format('%s engine id(s) are not present in table "engines".', missing);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "cycles_engine_id_check_insert" AFTER INSERT ON "cycles"
  REFERENCING NEW TABLE AS new_cycles FOR EACH STATEMENT EXECUTE FUNCTION "cycles_check_engines"();

CREATE TRIGGER "cycles_engine_id_check_update" AFTER UPDATE ON "cycles"
  REFERENCING NEW TABLE AS new_cycles FOR EACH STATEMENT EXECUTE FUNCTION "cycles_check_engines"();

CREATE FUNCTION "engines_delete_cycles"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM cycles c USING old_engines o WHERE c.engine_id = o.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER "engines_delete_cycles" AFTER DELETE ON "engines"
  REFERENCING OLD TABLE AS old_engines FOR EACH STATEMENT EXECUTE FUNCTION "engines_delete_cycles"();

CREATE FUNCTION "engines_keep_cycled_ids"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id <> OLD.id AND EXISTS (SELECT 1 FROM cycles WHERE engine_id = OLD.id) THEN
    RAISE EXCEPTION 'engine % has cycles: its id cannot change', OLD.id USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "engines_keep_cycled_ids" BEFORE UPDATE OF "id" ON "engines"
  FOR EACH ROW EXECUTE FUNCTION "engines_keep_cycled_ids"();
