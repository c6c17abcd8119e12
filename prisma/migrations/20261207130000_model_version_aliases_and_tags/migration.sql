-- MLflow-style aliases (a name pointing at one version, unique per deployment) and key/value tags of
-- model versions. An alias keeps its version from being deleted (RESTRICT); tags go with their version.
CREATE TABLE "model_version_aliases" (
    "name" TEXT NOT NULL,
    "model_version_id" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_version_aliases_pkey" PRIMARY KEY ("name")
);

CREATE TABLE "model_version_tags" (
    "model_version_id" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "model_version_tags_pkey" PRIMARY KEY ("model_version_id","key")
);

CREATE INDEX "model_version_aliases_model_version_id_idx" ON "model_version_aliases"("model_version_id");

ALTER TABLE "model_version_aliases" ADD CONSTRAINT "model_version_aliases_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

ALTER TABLE "model_version_tags" ADD CONSTRAINT "model_version_tags_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
