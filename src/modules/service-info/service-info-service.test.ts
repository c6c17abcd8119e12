// ServiceInfoService on a real database: its counts are what the database itself counts, empty or not,
// the active version is the registry's, and the rest describes the running service.
import { version as tfjsVersion } from '@tensorflow/tfjs';
import { selectBackend } from '../../detectors/lstm-autoencoder/engine';
import { createServices } from '../../main/services';
import { createLogger } from '../../platform/observability/logger';
import { CODE_VERSION } from '../../platform/repository';
import { describeEachDatabase } from '../../../test/support/databases';
import { SMALL_SPLIT, zScoreVersionScenario } from '../../../test/support/scenarios';
import { SERVICE_INFO_ID } from './service-info-service';

describeEachDatabase('ServiceInfoService', (db, kind) => {
  // The server selects the tfjs backend before it serves (src/main/server.ts); before that tfjs has none.
  beforeAll(async () => {
    await selectBackend();
  });

  /** The counts as the database gives them, table by table. */
  async function databaseCounts() {
    const count = async (table: string) => (await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;
    return {
      id: SERVICE_INFO_ID,
      engines: await count('engines'),
      cycles: await count('cycles'),
      windows: await count('windows'),
      scores: await count('scores'),
      modelVersions: await count('model_versions'),
      trainingJobs: await count('training_jobs'),
    };
  }

  it('describes the running service on an empty database: nothing counted, no active version, no job running', async () => {
    const info = await createServices(db(), createLogger('silent')).info.info();
    expect(info).toEqual({
      id: SERVICE_INFO_ID,
      serviceVersion: CODE_VERSION,
      nodeVersion: process.version,
      tfjsVersion: tfjsVersion.tfjs,
      tfjsBackend: expect.stringMatching(/^(tensorflow|wasm|cpu)$/),
      databaseKind: kind,
      activeModelVersion: null,
      runningTrainingJobId: null,
      startedAt: expect.any(Date),
      counts: { id: SERVICE_INFO_ID, engines: 0, cycles: 0, windows: 0, scores: 0, modelVersions: 0, trainingJobs: 0 },
    });
    expect(info.startedAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('counts what the database holds after an import and a training, and names the active version', async () => {
    const { services, version } = await zScoreVersionScenario(db(), { activate: true });
    const info = await services.info.info();
    const counted = await databaseCounts();
    expect(info.counts).toEqual(counted);
    // FD001's first 8 train and 8 test engines, the test engines' windows scored by the one version.
    expect(counted).toMatchObject({ engines: 16, modelVersions: 1, trainingJobs: 1 });
    expect(counted.scores).toBeGreaterThan(0);
    expect(info.activeModelVersion).toMatchObject({ id: version.id, name: 'z-score', isActive: true });
    expect(info.runningTrainingJobId).toBeNull();
    // The start is the process's: every answer gives the same.
    expect((await services.info.info()).startedAt).toEqual(info.startedAt);
  });

  it('follows the registry when another version is made active', async () => {
    const services = createServices(db(), createLogger('silent'));
    const job = await services.jobs.enqueue({ ...SMALL_SPLIT, name: 'second', kind: 'z-score' });
    const second = (await services.runner.runNext(job.id))!.modelVersionId!;
    await services.models.activate(second);
    const info = await services.info.info();
    expect(info.activeModelVersion).toMatchObject({ id: second, name: 'second', isActive: true });
    expect(info.counts).toEqual(await databaseCounts());
    expect(info.counts).toMatchObject({ modelVersions: 2, trainingJobs: 2 });
  });
});
