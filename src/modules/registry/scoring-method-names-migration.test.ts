// The classic kinds' versions stored before their scoring method's name was stored get the name each
// kind's fit gives it; their definitions are otherwise untouched, and versions that name their method
// keep it.
import { applyMigrations, readMigrations } from '../../platform/db/migrations';
import { detectorKind } from '../../detectors/registry';
import { batchOf, everyNth, fd001, fitContext, fitDataOf } from '../../detectors/common/test-helpers';
import { onEachEmptyDatabase } from '../../../test/support/databases';

const MIGRATION = '20261209110000_classic_scoring_method_names';
const CLASSIC_KINDS = ['isolation-forest', 'local-outlier-factor', 'pca-reconstruction', 'z-score'];

describe(`migration ${MIGRATION}`, () => {
  it("names each classic version's scoring method as its kind's fit does, leaving the rest of the definition", async () => {
    // The names the kinds give today, from real fits on a few FD001 windows.
    const dataset = fd001();
    const data = fitDataOf(dataset, everyNth(batchOf(dataset.train), 20), everyNth(batchOf(dataset.calibration), 4));
    const fitted = new Map<string, { method: string; definition: Record<string, unknown> }>();
    for (const name of CLASSIC_KINDS) {
      const kind = detectorKind(name);
      fitted.set(name, (await kind.fit(data, kind.resolveOptions({}), fitContext())).scoring);
    }

    const migrations = readMigrations();
    const before = migrations.filter((migration) => migration.name < MIGRATION);
    expect(before.length).toBeLessThan(migrations.length);
    const stored = [
      ...CLASSIC_KINDS.map((kind) => ({ kind, definition: fitted.get(kind)!.definition })),
      { kind: 'lstm-autoencoder', definition: { kind: 'degradation-logistic', intercept: 1 } },
      { kind: 'z-score', definition: { kind: 'already-named', recentSteps: 5 } },
    ];

    await onEachEmptyDatabase(async (database) => {
      await applyMigrations(database.execScript, database.query, before);
      for (const [index, { kind, definition }] of stored.entries()) {
        await database.query(
          `INSERT INTO model_versions (version, kind, options, summary, sensors, window_length, normalisation, scoring_method, threshold,
                                       threshold_quantile, artifact, backend, training_ms, trained_on)
           VALUES ($1, $2, '{}', '{}', '{sensor2}', 30, '{}', $3::jsonb, 0.5, 0.99, '{}', 'js', 1, '{}')`,
          [index + 1, kind, JSON.stringify(definition)],
        );
      }
      await applyMigrations(database.execScript, database.query);
      const rows = await database.query<{ version: number; scoring_method: Record<string, unknown> }>(
        'SELECT version, scoring_method FROM model_versions ORDER BY version',
      );
      expect(rows.map((row) => row.scoring_method)).toEqual([
        ...CLASSIC_KINDS.map((kind) => ({ kind: fitted.get(kind)!.method, ...fitted.get(kind)!.definition })),
        { kind: 'degradation-logistic', intercept: 1 },
        { kind: 'already-named', recentSteps: 5 },
      ]);
    });
  }, 120_000);
});
