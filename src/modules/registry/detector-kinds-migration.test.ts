// The detector-kinds migration moves every stored autoencoder version into the kind/options/artifact
// layout. A version registered before it must score every window exactly as it did: same raw error,
// same score, same per-sensor errors and residuals, bit for bit.
import { openEmbedded } from '../../platform/db/database';
import { applyMigrations, readMigrations } from '../../platform/db/migrations';
import { initialiseModel, reconstructionErrors, serialiseModel, selectBackend } from '../../detectors/lstm-autoencoder/engine';
import { syntheticWindows } from '../../detectors/lstm-autoencoder/engine/test-helpers';
import { applyScoringMethod, fitScoringMethod } from '../../detectors/lstm-autoencoder/scoring-methods';
import { loadModel } from './model-registry';
import { onEachEmptyDatabase } from '../../../test/support/databases';

const MIGRATION = '20261206050000_detector_kinds';
const ARCHITECTURE = { features: 3, windowLength: 5, hidden: 4, code: 2 };

describe(`migration ${MIGRATION}`, () => {
  beforeAll(() => selectBackend());

  it('keeps a version registered before it scoring bit for bit, and reads its options from its old columns', async () => {
    const migrations = readMigrations();
    const before = migrations.filter((migration) => migration.name < MIGRATION);
    expect(before.length).toBeLessThan(migrations.length);

    const model = initialiseModel(ARCHITECTURE, 'pytorch', 11);
    const serialised = serialiseModel(model);
    const windows = syntheticWindows(ARCHITECTURE, 40, 3);
    const errors = reconstructionErrors(model, windows, 40);
    const method = fitScoringMethod({ kind: 'normalised-error', trim: 0 }, { features: 3, train: errors });
    const expected = applyScoringMethod(method, { ...errors, features: 3, count: 40 });

    await onEachEmptyDatabase(async (database) => {
      await applyMigrations(database.execScript, database.query, before);
      await database.query(
        `INSERT INTO model_versions (version, architecture, hyperparameters, sensors, window_length, normalisation, scoring_method, threshold,
                                     threshold_quantile, topology, weights, weight_specs, backend, training_ms, trained_on)
         VALUES (1, $1::jsonb, $2::jsonb, $3, 5, $4::jsonb, $5::jsonb, 0.5, 0.99, $6::jsonb, $7, $8::jsonb, 'wasm', 10, '{}')`,
        [
          JSON.stringify({ kind: 'lstm-autoencoder', ...ARCHITECTURE }),
          JSON.stringify({
            epochs: 5,
            batchSize: 32,
            learningRate: 0.002,
            weightDecay: 1e-5,
            clipNorm: 1,
            seed: 11,
            earlyStopping: null,
            threads: 2,
            selectedEpoch: 5,
            stopReason: 'completed',
            finalLoss: 0.1,
          }),
          ['sensor2', 'sensor3', 'sensor4'],
          JSON.stringify({ mean: [0, 0, 0], std: [1, 1, 1] }),
          JSON.stringify(method),
          JSON.stringify(serialised.topology),
          serialised.weights,
          JSON.stringify(serialised.weightSpecs),
        ],
      );
      await applyMigrations(database.execScript, database.query);

      const stored = await database.prisma.modelVersion.findFirstOrThrow({ where: { version: 1 } });
      expect(stored).toMatchObject({
        kind: 'lstm-autoencoder',
        options: { hidden: 4, code: 2, epochs: 5, batchSize: 32, seed: 11, earlyStoppingPatience: null, scoringMethod: 'normalised-error' },
        summary: { backend: 'wasm', threads: 2, selectedEpoch: 5, stopReason: 'completed' },
        artifact: { topology: serialised.topology, weightSpecs: serialised.weightSpecs },
      });
      expect(Buffer.from(stored.artifactBinary!).equals(serialised.weights)).toBe(true);

      const loaded = await loadModel(stored, {});
      const scored = await loaded.detector.score({ x: windows, count: 40, windowLength: 5, features: 3 });
      expect(Array.from(scored.scores)).toEqual(Array.from(expected));
      expect(Array.from(scored.raw)).toEqual(Array.from(errors.windowErrors));
      expect(Array.from(scored.contributions)).toEqual(Array.from(errors.sensorErrors));
      expect(Array.from(scored.directions!)).toEqual(Array.from(errors.recentResiduals));
    });
  });

  it('leaves no column of the old layout behind', async () => {
    const database = await openEmbedded(null);
    try {
      await applyMigrations(database.execScript, database.query);
      const columns = await database.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'model_versions' ORDER BY column_name`,
      );
      const names = columns.map((column) => column.column_name);
      expect(names).toEqual(expect.arrayContaining(['kind', 'options', 'summary', 'artifact', 'artifact_binary']));
      for (const old of ['architecture', 'hyperparameters', 'topology', 'weights', 'weight_specs']) expect(names).not.toContain(old);
    } finally {
      await database.close();
    }
  });
});
