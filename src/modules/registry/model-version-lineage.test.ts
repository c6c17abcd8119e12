// A version's lineage over GraphQL: data set, the fingerprint of the data its job read, the job, the code
// version. Same data, same fingerprint; another split or a changed reading, another one.
import fs from 'node:fs';
import path from 'node:path';
import { createServices, type AppServices } from '../../main/services';
import { createLogger } from '../../platform/observability/logger';
import { REPOSITORY_ROOT } from '../../platform/repository';
import { importFirstUnits } from '../../../test/support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../../../test/support/databases';
import { startTestServer, type TestServer } from '../../../test/support/http';

const SPLIT = { trainUnits: [{ from: 1, to: 4 }], calibrationUnits: [{ from: 5, to: 6 }], testUnits: [{ from: 7, to: 8 }] };

describe('model version lineage', () => {
  let testDatabase: TestDatabase;
  let services: AppServices;
  let server: TestServer;

  /** Trains a z-score version; returns its lineage as the API shows it, and the job's id. */
  async function trainedLineage(split: typeof SPLIT) {
    const job = await services.jobs.enqueue({ ...split, kind: 'z-score' });
    const finished = await services.runner.runNext(job.id);
    if (finished?.status !== 'SUCCEEDED') throw new Error(`job ${job.id}: ${finished?.status} ${finished?.error}`);
    const response = await server.graphql(
      `query ($id: Int!) { modelVersion(id: $id) { lineage { id dataset dataFingerprint trainingJobId codeVersion } } }`,
      { id: finished.modelVersionId },
    );
    expect(response.errors).toBeUndefined();
    return { lineage: response.data.modelVersion.lineage, jobId: job.id, versionId: finished.modelVersionId! };
  }

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 8);
    services = createServices(testDatabase.database, createLogger('silent'));
    server = await startTestServer(testDatabase.database);
  });

  afterAll(async () => {
    await server?.close();
    await testDatabase?.dispose();
  });

  it('records the data set, data fingerprint, training job and code version of each version', async () => {
    const packageVersion = JSON.parse(fs.readFileSync(path.join(REPOSITORY_ROOT, 'package.json'), 'utf8')).version;
    const first = await trainedLineage(SPLIT);
    expect(first.lineage).toEqual({
      id: String(first.versionId),
      dataset: 'FD001',
      dataFingerprint: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      trainingJobId: first.jobId,
      codeVersion: packageVersion,
    });

    const again = await trainedLineage(SPLIT);
    expect(again.lineage.dataFingerprint).toBe(first.lineage.dataFingerprint);
    expect(again.lineage.trainingJobId).toBe(again.jobId);

    const otherSplit = await trainedLineage({ ...SPLIT, trainUnits: [{ from: 1, to: 3 }] });
    expect(otherSplit.lineage.dataFingerprint).not.toBe(first.lineage.dataFingerprint);

    // One reading of one cycle changed: the same split now fingerprints differently.
    const engine = await testDatabase.database.prisma.engine.findFirstOrThrow({ where: { role: 'TRAIN', unit: 2 } });
    await testDatabase.database.query('UPDATE cycles SET sensors[3] = sensors[3] + 0.01 WHERE engine_id = $1 AND cycle = 50', [engine.id]);
    const changed = await trainedLineage(SPLIT);
    expect(changed.lineage.dataFingerprint).not.toBe(first.lineage.dataFingerprint);
  });
});
