// The built `evaluate` command on a split larger than evaluateModelVersion takes (30 test engines): it
// runs the batch job startEvaluation queues, in its own process, and prints (--json) the evaluation the
// job stored with the job's id.
import { createServices } from '../services';
import { openPostgres, type Database } from '../../platform/db/database';
import { createLogger } from '../../platform/observability/logger';
import { MAX_SYNC_EVALUATED_ENGINES } from '../../modules/evaluation/evaluation-service';
import { importFirstUnits } from '../../../test/support/cmapss-fixtures';
import { runCli } from '../../../test/support/cli';
import { createDatabaseFromTemplate } from '../../../test/support/postgres';

const UNITS = 30;

describe('command line: evaluate a large split as a batch job', () => {
  let created: Awaited<ReturnType<typeof createDatabaseFromTemplate>>;
  let database: Database;
  let versionId: number;

  beforeAll(async () => {
    created = await createDatabaseFromTemplate();
    database = await openPostgres(created.url, 2);
    await importFirstUnits(database.prisma, UNITS);
    const services = createServices(database, createLogger('silent'));
    const job = await services.jobs.enqueue({
      kind: 'z-score',
      trainUnits: [{ from: 1, to: 4 }],
      calibrationUnits: [{ from: 5, to: 6 }],
      testUnits: [{ from: 7, to: 8 }],
    });
    versionId = (await services.runner.runNext(job.id))!.modelVersionId!;
  });

  afterAll(async () => {
    await database?.close();
    await created?.drop();
  });

  it('runs the job and prints the evaluation it stored', async () => {
    expect(UNITS).toBeGreaterThan(MAX_SYNC_EVALUATED_ENGINES);
    const result = await runCli(created.url, ['evaluate', String(versionId), '--role', 'test', '--json']);
    expect(result).toMatchObject({ code: 0 });
    const printed = JSON.parse(result.stdout) as { evaluationId: number; jobId: number; split: { units: number[] }; metrics: object };
    const job = await database.prisma.batchJob.findUniqueOrThrow({ where: { id: printed.jobId } });
    expect(job).toMatchObject({ kind: 'EVALUATION', status: 'SUCCEEDED', evaluationId: printed.evaluationId });
    expect(printed.split.units).toHaveLength(UNITS);
    const stored = await database.prisma.evaluation.findUniqueOrThrow({ where: { id: printed.evaluationId } });
    expect(printed.metrics).toEqual(stored.metrics);
  });
});
