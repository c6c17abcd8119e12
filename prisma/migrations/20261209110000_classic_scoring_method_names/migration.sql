-- The classic kinds' scoring-method definitions did not carry the method's name, which
-- modelVersion.scoringMethod.kind and the registry read from it ("undefined" for such versions). Registration
-- now stores it; this names the method of every version stored before, as each kind's fit names it
-- (src/detectors/*/index.ts). Only the name is added: what the kinds read to score is untouched.
UPDATE "model_versions"
SET "scoring_method" = jsonb_build_object('kind', CASE "kind"
    WHEN 'isolation-forest' THEN 'isolation-score'
    WHEN 'local-outlier-factor' THEN 'local-outlier-factor'
    WHEN 'pca-reconstruction' THEN 'pca-reconstruction-error'
    WHEN 'z-score' THEN 'robust-z'
  END) || "scoring_method"
WHERE "kind" IN ('isolation-forest', 'local-outlier-factor', 'pca-reconstruction', 'z-score')
  AND NOT ("scoring_method" ? 'kind');
