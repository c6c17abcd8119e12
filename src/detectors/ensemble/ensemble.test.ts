// Ensembles through the real training job, on two registered autoencoders of the first FD001 engines.
import { selectBackend } from '../lstm-autoencoder/engine';
import { createServices, type AppServices } from '../../main/services';
import { createLogger } from '../../platform/observability/logger';
import { importFirstUnits } from '../../../test/support/cmapss-fixtures';
import { describeEachDatabase } from '../../../test/support/databases';

const SPLIT = { trainUnits: [{ from: 1, to: 4 }], calibrationUnits: [{ from: 5, to: 6 }], testUnits: [{ from: 7, to: 8 }] };
const NETWORK = { hidden: 8, code: 4, epochs: 2, batchSize: 64 };

describeEachDatabase('ensemble kind', (db) => {
  let services: AppServices;
  let members: number[];

  async function train(input: Parameters<AppServices['jobs']['enqueue']>[0]) {
    const job = await services.jobs.enqueue(input);
    const finished = await services.runner.runNext(job.id);
    if (finished?.status !== 'SUCCEEDED') throw new Error(`job ${job.id}: ${finished?.status} ${finished?.error}`);
    return db().prisma.modelVersion.findUniqueOrThrow({ where: { id: finished.modelVersionId! } });
  }

  async function testScores(versionId: number) {
    const scores = await db().prisma.score.findMany({
      where: { modelVersionId: versionId },
      orderBy: [{ engineId: 'asc' }, { endCycle: 'asc' }],
    });
    return new Map(scores.map((score) => [`${score.engineId}:${score.endCycle}`, score]));
  }

  beforeAll(async () => {
    await importFirstUnits(db().prisma, 8);
    services = createServices(db(), createLogger('silent'));
    await selectBackend();
    const first = await train({ ...SPLIT, kindOptions: { 'lstm-autoencoder': { ...NETWORK, seed: 1 } } });
    const second = await train({
      ...SPLIT,
      kindOptions: { 'lstm-autoencoder': { ...NETWORK, seed: 2, scoringMethod: 'normalised-error' } },
    });
    members = [first.id, second.id];
  });

  it('votes: a window is anomalous exactly when at least `votes` members flag it', async () => {
    const version = await train({ ...SPLIT, kind: 'ensemble', kindOptions: { ensemble: { members, votes: 2 } } });
    expect(version).toMatchObject({ kind: 'ensemble', threshold: 2, options: { members, rule: 'vote', votes: 2 } });
    const [ensemble, first, second] = await Promise.all([testScores(version.id), testScores(members[0]), testScores(members[1])]);
    expect(ensemble.size).toBe(first.size);
    for (const [key, score] of ensemble) {
      const flags = Number(first.get(key)!.isAnomaly) + Number(second.get(key)!.isAnomaly);
      expect(Math.floor(score.score)).toBe(flags);
      expect(score.isAnomaly).toBe(flags >= 2);
      expect(score.sensorErrors.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 5);
    }
  });

  it("calibrated-mean: its threshold is the quantile of its healthy calibration scores, and it scores through the API's paths", async () => {
    const version = await train({
      ...SPLIT,
      kind: 'ensemble',
      thresholdQuantile: 0.95,
      kindOptions: { ensemble: { members, rule: 'calibrated-mean' } },
    });
    expect(version.options).toEqual({ members, rule: 'calibrated-mean', votes: null });
    const engine7 = await db().prisma.engine.findFirstOrThrow({ where: { dataset: { name: 'FD001' }, role: 'TRAIN', unit: 7 } });
    const trajectory = await services.trajectories.trajectory(engine7.id, version.id);
    const stored = await testScores(version.id);
    expect(trajectory.points.map((point) => point.score)).toEqual(
      trajectory.points.map((point) => stored.get(`${engine7.id}:${point.endCycle}`)!.score),
    );
    const comparison = await services.evaluations.compare([version.id, ...members]);
    expect(comparison.commonWindows).toBe(stored.size);
  });

  it('refuses members that do not exist, or too few, before queueing anything', async () => {
    const before = await db().prisma.trainingJob.count();
    await expect(
      services.jobs.enqueue({ ...SPLIT, kind: 'ensemble', kindOptions: { ensemble: { members: [members[0], 9999] } } }),
    ).rejects.toMatchObject({
      code: 'INVALID_TRAINING_CONFIG',
      message: 'ensemble builds on model versions that do not exist: 9999',
    });
    await expect(
      services.jobs.enqueue({ ...SPLIT, kind: 'ensemble', kindOptions: { ensemble: { members: [members[0]] } } }),
    ).rejects.toMatchObject({
      message: 'ensemble: members must list 2 to 10 model versions, got 1',
    });
    await expect(
      services.jobs.enqueue({ ...SPLIT, kind: 'ensemble', kindOptions: { ensemble: { members, votes: 3 } } }),
    ).rejects.toMatchObject({
      message: 'ensemble: votes (3) cannot exceed the 2 members',
    });
    expect(await db().prisma.trainingJob.count()).toBe(before);
  });

  it('fails a job whose members were trained on other windows, registering nothing', async () => {
    const before = await db().prisma.modelVersion.count();
    const job = await services.jobs.enqueue({ ...SPLIT, windowLength: 20, kind: 'ensemble', kindOptions: { ensemble: { members } } });
    const finished = await services.runner.runNext(job.id);
    expect(finished).toMatchObject({ status: 'FAILED' });
    expect(finished?.error).toMatch(/was trained on other windows/);
    expect(await db().prisma.modelVersion.count()).toBe(before);
  });
});
