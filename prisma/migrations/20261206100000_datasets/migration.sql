-- Data sets as first-class data: a data set has a sensor catalogue and its engines, and a cycle stores its
-- settings and sensor readings as arrays in catalogue order instead of 24 C-MAPSS columns.
--
-- Existing databases keep everything: one data set per distinct engines.dataset value (the C-MAPSS
-- subsets) and one named LIVE for the live engines, all with the C-MAPSS catalogue (setting1..setting3,
-- sensor1..sensor21, so that stored versions' sensor lists still resolve), and the cycle values copied
-- float8 to float8.
-- Hand-written parts (beyond what Prisma generates): the data migration, and datasets_name_lower_key.
CREATE TYPE "EngineLabelling" AS ENUM ('RUN_TO_FAILURE', 'RUL_AFTER_LAST_CYCLE', 'NONE');

CREATE TYPE "DatasetFormat" AS ENUM ('CMAPSS', 'CSV');

CREATE TABLE "datasets" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "settings" JSONB NOT NULL,
    "sensors" JSONB NOT NULL,
    "format" "DatasetFormat" NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "datasets_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "datasets_name_key" ON "datasets"("name");

-- Names are compared without regard to case (engines(filter: { dataset: "fd001" }) finds FD001).
CREATE UNIQUE INDEX "datasets_name_lower_key" ON "datasets"(lower("name"));

INSERT INTO "datasets" ("name", "description", "settings", "sensors", "format")
SELECT "dataset",
       CASE "dataset"
         WHEN 'FD001' THEN 'NASA C-MAPSS FD001: one operating condition (sea level), one fault mode (HPC degradation)'
         WHEN 'FD002' THEN 'NASA C-MAPSS FD002: six operating conditions, one fault mode (HPC degradation)'
         WHEN 'FD003' THEN 'NASA C-MAPSS FD003: one operating condition (sea level), two fault modes (HPC and fan degradation)'
         WHEN 'FD004' THEN 'NASA C-MAPSS FD004: six operating conditions, two fault modes (HPC and fan degradation)'
       END,
       '[{"name":"setting1","unit":null,"description":"operational setting 1"},{"name":"setting2","unit":null,"description":"operational setting 2"},{"name":"setting3","unit":null,"description":"operational setting 3"}]'::jsonb, '[{"name":"sensor1","unit":null,"description":"sensor measurement 1"},{"name":"sensor2","unit":null,"description":"sensor measurement 2"},{"name":"sensor3","unit":null,"description":"sensor measurement 3"},{"name":"sensor4","unit":null,"description":"sensor measurement 4"},{"name":"sensor5","unit":null,"description":"sensor measurement 5"},{"name":"sensor6","unit":null,"description":"sensor measurement 6"},{"name":"sensor7","unit":null,"description":"sensor measurement 7"},{"name":"sensor8","unit":null,"description":"sensor measurement 8"},{"name":"sensor9","unit":null,"description":"sensor measurement 9"},{"name":"sensor10","unit":null,"description":"sensor measurement 10"},{"name":"sensor11","unit":null,"description":"sensor measurement 11"},{"name":"sensor12","unit":null,"description":"sensor measurement 12"},{"name":"sensor13","unit":null,"description":"sensor measurement 13"},{"name":"sensor14","unit":null,"description":"sensor measurement 14"},{"name":"sensor15","unit":null,"description":"sensor measurement 15"},{"name":"sensor16","unit":null,"description":"sensor measurement 16"},{"name":"sensor17","unit":null,"description":"sensor measurement 17"},{"name":"sensor18","unit":null,"description":"sensor measurement 18"},{"name":"sensor19","unit":null,"description":"sensor measurement 19"},{"name":"sensor20","unit":null,"description":"sensor measurement 20"},{"name":"sensor21","unit":null,"description":"sensor measurement 21"}]'::jsonb, 'CMAPSS'
  FROM (SELECT DISTINCT "dataset" FROM "engines" WHERE "dataset" IS NOT NULL) AS subsets
 ORDER BY "dataset";

INSERT INTO "datasets" ("name", "description", "settings", "sensors", "format")
SELECT 'LIVE', 'Live engines reporting C-MAPSS readings', '[{"name":"setting1","unit":null,"description":"operational setting 1"},{"name":"setting2","unit":null,"description":"operational setting 2"},{"name":"setting3","unit":null,"description":"operational setting 3"}]'::jsonb, '[{"name":"sensor1","unit":null,"description":"sensor measurement 1"},{"name":"sensor2","unit":null,"description":"sensor measurement 2"},{"name":"sensor3","unit":null,"description":"sensor measurement 3"},{"name":"sensor4","unit":null,"description":"sensor measurement 4"},{"name":"sensor5","unit":null,"description":"sensor measurement 5"},{"name":"sensor6","unit":null,"description":"sensor measurement 6"},{"name":"sensor7","unit":null,"description":"sensor measurement 7"},{"name":"sensor8","unit":null,"description":"sensor measurement 8"},{"name":"sensor9","unit":null,"description":"sensor measurement 9"},{"name":"sensor10","unit":null,"description":"sensor measurement 10"},{"name":"sensor11","unit":null,"description":"sensor measurement 11"},{"name":"sensor12","unit":null,"description":"sensor measurement 12"},{"name":"sensor13","unit":null,"description":"sensor measurement 13"},{"name":"sensor14","unit":null,"description":"sensor measurement 14"},{"name":"sensor15","unit":null,"description":"sensor measurement 15"},{"name":"sensor16","unit":null,"description":"sensor measurement 16"},{"name":"sensor17","unit":null,"description":"sensor measurement 17"},{"name":"sensor18","unit":null,"description":"sensor measurement 18"},{"name":"sensor19","unit":null,"description":"sensor measurement 19"},{"name":"sensor20","unit":null,"description":"sensor measurement 20"},{"name":"sensor21","unit":null,"description":"sensor measurement 21"}]'::jsonb, 'CMAPSS'
 WHERE EXISTS (SELECT 1 FROM "engines" WHERE "dataset" IS NULL);

ALTER TABLE "engines" ADD COLUMN "dataset_id" INTEGER,
ADD COLUMN "labelling" "EngineLabelling";

UPDATE "engines" SET
  "dataset_id" = (SELECT "id" FROM "datasets" WHERE "name" = coalesce("engines"."dataset", 'LIVE')),
  "labelling" = CASE
    WHEN "role" = 'TRAIN' THEN 'RUN_TO_FAILURE'::"EngineLabelling"
    WHEN "role" = 'TEST' AND "rul_after_last_cycle" IS NOT NULL THEN 'RUL_AFTER_LAST_CYCLE'::"EngineLabelling"
    ELSE 'NONE'::"EngineLabelling"
  END,
  "external_id" = coalesce("external_id", lower("role"::text) || '-' || "unit");

DROP INDEX "engines_dataset_role_unit_key";

DROP INDEX "engines_external_id_key";

DROP INDEX "engines_role_dataset_idx";

ALTER TABLE "engines" DROP COLUMN "dataset",
ALTER COLUMN "dataset_id" SET NOT NULL,
ALTER COLUMN "labelling" SET NOT NULL,
ALTER COLUMN "external_id" SET NOT NULL;

CREATE UNIQUE INDEX "engines_dataset_id_external_id_key" ON "engines"("dataset_id", "external_id");

CREATE UNIQUE INDEX "engines_dataset_id_role_unit_key" ON "engines"("dataset_id", "role", "unit");

ALTER TABLE "engines" ADD CONSTRAINT "engines_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- A new table filled in one pass (and indexed after) rather than 24 columns dropped from a rewritten one.
CREATE TABLE "cycles_next" (
    "engine_id" INTEGER NOT NULL,
    "cycle" INTEGER NOT NULL,
    "recorded_at" TIMESTAMPTZ(3),
    "settings" DOUBLE PRECISION[],
    "sensors" DOUBLE PRECISION[]
);

INSERT INTO "cycles_next" ("engine_id", "cycle", "settings", "sensors")
SELECT "engine_id", "cycle", ARRAY["setting_1", "setting_2", "setting_3"], ARRAY["sensor_1", "sensor_2", "sensor_3", "sensor_4", "sensor_5", "sensor_6", "sensor_7", "sensor_8", "sensor_9", "sensor_10", "sensor_11", "sensor_12", "sensor_13", "sensor_14", "sensor_15", "sensor_16", "sensor_17", "sensor_18", "sensor_19", "sensor_20", "sensor_21"]
  FROM "cycles";

DROP TABLE "cycles";

ALTER TABLE "cycles_next" RENAME TO "cycles";

ALTER TABLE "cycles" ADD CONSTRAINT "cycles_pkey" PRIMARY KEY ("engine_id", "cycle");

ALTER TABLE "cycles" ADD CONSTRAINT "cycles_engine_id_fkey" FOREIGN KEY ("engine_id") REFERENCES "engines"("id") ON DELETE CASCADE ON UPDATE CASCADE;
