// Aliases, tags, archiving and deletion of model versions, on versions registered by the real training
// job, against both databases. Every refusal is checked to change nothing.
import { createServices, type AppServices } from '../../main/services';
import { createLogger } from '../../platform/observability/logger';
import { importFirstUnits } from '../../../test/support/cmapss-fixtures';
import { describeEachDatabase } from '../../../test/support/databases';
import { startTestServer, type TestServer } from '../../../test/support/http';
import type { PoolClient } from 'pg';
import { REGISTRY_LOCK_KEY } from './model-registry';

const SPLIT = { trainUnits: [{ from: 1, to: 4 }], calibrationUnits: [{ from: 5, to: 6 }], testUnits: [{ from: 7, to: 8 }] };

/** Polls, through the session holding the registry lock, until another session waits for it. */
async function untilSomeoneWaitsForTheRegistryLock(holder: PoolClient, failure: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; ;) {
    const { rows } = await holder.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted`,
      [REGISTRY_LOCK_KEY],
    );
    if (rows[0].count > 0) return;
    if (Date.now() > deadline) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeEachDatabase('model version curation', (db, kind) => {
  let services: AppServices;
  let server: TestServer;
  // Four z-score versions (each fits in well under a second) and an ensemble of the first two.
  let [first, second, third, fourth, ensemble] = [0, 0, 0, 0, 0];

  async function train(input: Parameters<AppServices['jobs']['enqueue']>[0]): Promise<number> {
    const job = await services.jobs.enqueue(input);
    const finished = await services.runner.runNext(job.id);
    if (finished?.status !== 'SUCCEEDED') throw new Error(`job ${job.id}: ${finished?.status} ${finished?.error}`);
    return finished.modelVersionId!;
  }

  /** Everything the curation could change. */
  async function registryState() {
    const prisma = db().prisma;
    const [versions, aliases, tags, scores, evaluations, jobs] = await Promise.all([
      prisma.modelVersion.findMany({ select: { id: true, status: true, isActive: true }, orderBy: { id: 'asc' } }),
      prisma.modelVersionAlias.findMany({ select: { name: true, modelVersionId: true }, orderBy: { name: 'asc' } }),
      prisma.modelVersionTag.findMany({ orderBy: [{ modelVersionId: 'asc' }, { key: 'asc' }] }),
      prisma.score.count(),
      prisma.evaluation.count(),
      prisma.trainingJob.findMany({ select: { id: true, modelVersionId: true }, orderBy: { id: 'asc' } }),
    ]);
    return { versions, aliases, tags, scores, evaluations, jobs };
  }

  /** Expects `change` to be refused with `code` (and a message matching `message`) and to leave the registry as it was. */
  async function expectRefused(change: () => Promise<unknown>, code: string, message?: RegExp) {
    const before = await registryState();
    const refusal = await change().then(
      () => null,
      (error: unknown) => error as { code: string; message: string },
    );
    expect(refusal?.code).toBe(code);
    if (message) expect(refusal?.message).toMatch(message);
    expect(await registryState()).toEqual(before);
  }

  beforeAll(async () => {
    await importFirstUnits(db().prisma, 8);
    services = createServices(db(), createLogger('silent'));
    [first, second, third, fourth] = [
      await train({ ...SPLIT, kind: 'z-score', name: 'first' }),
      await train({ ...SPLIT, kind: 'z-score', name: 'second' }),
      await train({ ...SPLIT, kind: 'z-score', name: 'third' }),
      await train({ ...SPLIT, kind: 'z-score', name: 'fourth' }),
    ];
    ensemble = await train({ ...SPLIT, kind: 'ensemble', kindOptions: { ensemble: { members: [first, second] } } });
    server = await startTestServer(db());
  });

  afterAll(() => server?.close());

  describe('aliases', () => {
    afterEach(async () => {
      await db().prisma.modelVersionAlias.deleteMany();
    });

    it('points an alias at a version and moves it from the version that had it', async () => {
      expect(await services.curation.setAlias(first, 'champion')).toMatchObject({
        alias: 'champion',
        modelVersion: { id: first },
        previous: null,
      });
      await services.curation.setAlias(first, 'challenger');
      expect(await services.curation.aliasesOf([first, second])).toEqual([['challenger', 'champion'], []]);

      expect(await services.curation.setAlias(second, 'champion')).toMatchObject({ modelVersion: { id: second }, previous: { id: first } });
      expect(await services.curation.aliasesOf([first, second])).toEqual([['challenger'], ['champion']]);
      expect((await services.models.byAlias('champion')).id).toBe(second);
      expect(await services.curation.setAlias(second, 'champion')).toMatchObject({ modelVersion: { id: second }, previous: null });

      expect((await services.curation.removeAlias('champion')).id).toBe(second);
      await expectRefused(() => services.curation.removeAlias('champion'), 'NOT_FOUND');
      await expectRefused(() => services.models.byAlias('champion'), 'NOT_FOUND');
    });

    it('keeps an alias on one version when two versions take it at once', async () => {
      await Promise.all([services.curation.setAlias(first, 'contested'), services.curation.setAlias(second, 'contested')]);
      expect(await db().prisma.modelVersionAlias.count({ where: { name: 'contested' } })).toBe(1);
    });

    it('refuses names outside the pattern and unknown versions, changing nothing', async () => {
      await services.curation.setAlias(first, 'champion');
      for (const name of ['', '1st', 'has space', 'dotted.name', `a${'b'.repeat(64)}`]) {
        await expectRefused(() => services.curation.setAlias(second, name), 'BAD_USER_INPUT', /is not valid/);
      }
      await expectRefused(() => services.curation.setAlias(424242, 'champion'), 'NOT_FOUND');
      await expectRefused(() => services.models.byIdOrAlias(first, 'champion'), 'BAD_USER_INPUT');
      await expectRefused(() => services.models.byIdOrAlias(null, null), 'BAD_USER_INPUT');
    });

    it('scores a window with the version an alias names, over GraphQL', async () => {
      await services.curation.setAlias(third, 'champion');
      const unit1 = await db().prisma.engine.findFirstOrThrow({ where: { role: 'TRAIN', unit: 1 } });
      const cycles = await db().prisma.cycle.findMany({
        where: { engineId: unit1.id },
        orderBy: { cycle: 'asc' },
        take: 30,
      });
      const columns = Array.from({ length: 21 }, (_, index) => ({
        sensor: `sensor${index + 1}`,
        values: cycles.map((cycle) => cycle.sensors[index]),
      }));
      const scored = await server.graphql(`mutation ($w: WindowInput!) { scoreWindow(window: $w, alias: "champion") { modelVersionId } }`, {
        w: { columns },
      });
      expect(scored.data.scoreWindow.modelVersionId).toBe(third);
      const both = await server.graphql(
        `mutation ($w: WindowInput!, $id: Int) { scoreWindow(window: $w, alias: "champion", modelVersionId: $id) { score } }`,
        { w: { columns }, id: third },
      );
      expect(both.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const unknown = await server.graphql(`mutation ($w: WindowInput!) { scoreWindow(window: $w, alias: "nobody") { score } }`, {
        w: { columns },
      });
      expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const lookup = await server.graphql(`{ modelVersion(alias: "champion") { id aliases } }`);
      expect(lookup.data.modelVersion).toEqual({ id: third, aliases: ['champion'] });
    });
  });

  describe('tags', () => {
    it('sets, replaces and removes key/value tags', async () => {
      await services.curation.setTag(first, 'team', 'reliability');
      await services.curation.setTag(first, 'data/source', 'FD001');
      await services.curation.setTag(first, 'team', 'fleet');
      expect(await services.curation.tagsOf([first, second])).toEqual([
        [
          { modelVersionId: first, key: 'data/source', value: 'FD001' },
          { modelVersionId: first, key: 'team', value: 'fleet' },
        ],
        [],
      ]);
      expect((await services.curation.removeTag(first, 'team')).id).toBe(first);
      await expectRefused(() => services.curation.removeTag(first, 'team'), 'NOT_FOUND');
      await services.curation.removeTag(first, 'data/source');
    });

    it('refuses bad keys, long values and unknown versions, changing nothing', async () => {
      for (const key of ['', 'has space', 'k'.repeat(129)]) {
        await expectRefused(() => services.curation.setTag(first, key, 'v'), 'BAD_USER_INPUT', /is not valid/);
      }
      await expectRefused(() => services.curation.setTag(first, 'note', 'x'.repeat(5_001)), 'BAD_USER_INPUT', /at most 5000/);
      await expectRefused(() => services.curation.setTag(424242, 'note', 'x'), 'NOT_FOUND');
    });
  });

  describe('archiving and deletion', () => {
    it('refuses the active version, a version with an alias and an ensemble member, naming why and changing nothing', async () => {
      await services.models.activate(third);
      await services.curation.setAlias(second, 'champion');
      const changes: ((id: number) => Promise<unknown>)[] = [(id) => services.curation.archive(id), (id) => services.curation.delete(id)];
      for (const change of changes) {
        const run = (id: number) => () => change(id);
        await expectRefused(run(third), 'VERSION_IN_USE', /it is the active version/);
        await expectRefused(run(second), 'VERSION_IN_USE', /the alias\(es\) "champion" name it.*ensemble version\(s\) \d+ use it/);
        await expectRefused(run(first), 'VERSION_IN_USE', new RegExp(`ensemble version\\(s\\) ${ensemble} use it as a member`));
      }
      const overHttp = await server.graphql(`mutation { deleteModelVersion(id: ${third}) }`);
      expect(overHttp.errors?.[0]).toMatchObject({
        extensions: { code: 'VERSION_IN_USE' },
        message: expect.stringMatching(/active version/),
      });
      await services.curation.removeAlias('champion');
    });

    it('archives a version: kept, never activated again, takes no alias', async () => {
      expect((await services.curation.archive(fourth)).status).toBe('ARCHIVED');
      expect((await services.curation.archive(fourth)).status).toBe('ARCHIVED');
      await expectRefused(() => services.models.activate(fourth), 'CONFLICT');
      await expectRefused(() => services.curation.setAlias(fourth, 'champion'), 'CONFLICT', /archived/);
      expect(await db().prisma.score.count({ where: { modelVersionId: fourth } })).toBeGreaterThan(0);
    });

    it('deletes a version with its scores, evaluations and tags; its training job stays', async () => {
      await services.curation.setTag(fourth, 'reason', 'superseded');
      const job = await db().prisma.trainingJob.findUniqueOrThrow({ where: { modelVersionId: fourth } });
      expect(await services.curation.delete(fourth)).toBe(fourth);
      expect(await db().prisma.modelVersion.findUnique({ where: { id: fourth } })).toBeNull();
      for (const count of [
        db().prisma.score.count({ where: { modelVersionId: fourth } }),
        db().prisma.evaluation.count({ where: { modelVersionId: fourth } }),
        db().prisma.modelVersionTag.count({ where: { modelVersionId: fourth } }),
      ]) {
        expect(await count).toBe(0);
      }
      expect(await db().prisma.trainingJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ modelVersionId: null });
      await expectRefused(() => services.curation.delete(fourth), 'NOT_FOUND');
      await expectRefused(() => services.models.get(fourth), 'NOT_FOUND');

      // Once the ensemble that used them is gone, its members can go too.
      await services.curation.delete(ensemble);
      expect(await services.curation.delete(first)).toBe(first);
    });

    it('refuses the members of queued ensemble training jobs, naming the jobs; a job whose member vanished anyway fails cleanly', async () => {
      const fifth = await train({ ...SPLIT, kind: 'z-score', name: 'fifth' });
      const queue = () => services.jobs.enqueue({ ...SPLIT, kind: 'ensemble', kindOptions: { ensemble: { members: [second, fifth] } } });
      const [kept, cancelled] = [await queue(), await queue()];
      for (const change of [() => services.curation.delete(fifth), () => services.curation.archive(fifth)]) {
        await expectRefused(
          change,
          'VERSION_IN_USE',
          new RegExp(
            `ensemble training job\\(s\\) ${kept.id}, ${cancelled.id} name it as a member \\(cancel them or let them finish first\\)`,
          ),
        );
      }
      const refusal = await services.curation.delete(second).catch((error: unknown) => error);
      expect(refusal).toMatchObject({ code: 'VERSION_IN_USE', details: { trainingJobs: [kept.id, cancelled.id], ensembles: [] } });
      await services.jobs.cancel(cancelled.id);
      await expectRefused(() => services.curation.delete(fifth), 'VERSION_IN_USE', new RegExp(`training job\\(s\\) ${kept.id} name it`));

      // Gone behind the API's back (a direct database change): the job fails, saying which member, and registers nothing.
      await db().prisma.modelVersion.delete({ where: { id: fifth } });
      const versions = await db().prisma.modelVersion.count();
      const failed = await services.runner.runNext(kept.id);
      expect(failed).toMatchObject({
        status: 'FAILED',
        modelVersionId: null,
        error: expect.stringMatching(
          new RegExp(`member model version ${fifth} does not exist any more: it was deleted after the job was queued`),
        ),
      });
      expect(await db().prisma.modelVersion.count()).toBe(versions);
      // A finished job holds nothing.
      expect(await services.curation.delete(second)).toBe(second);
    });
  });

  describe('registration', () => {
    // On PostgreSQL, where another session can hold the lock while the job runs (PGlite has one session).
    (kind === 'postgresql' ? it : it.skip)(
      'registers a trained version under the registry lock, so an import or activation cannot take its number or activate alongside',
      async () => {
        const holder = await db().pool!.connect();
        try {
          await holder.query('BEGIN');
          await holder.query('SELECT pg_advisory_xact_lock($1)', [REGISTRY_LOCK_KEY]);
          const job = await services.jobs.enqueue({ ...SPLIT, kind: 'z-score', name: 'waits for the lock', activate: true });
          const running = services.runner.runNext(job.id);
          await untilSomeoneWaitsForTheRegistryLock(holder, 'the registration never asked for the registry lock');
          expect(await db().prisma.modelVersion.count({ where: { name: 'waits for the lock' } })).toBe(0);
          await holder.query('COMMIT');
          const finished = await running;
          expect(finished?.status).toBe('SUCCEEDED');
          expect(await db().prisma.modelVersion.findUniqueOrThrow({ where: { id: finished!.modelVersionId! } })).toMatchObject({
            isActive: true,
          });
        } finally {
          await holder.query('ROLLBACK').catch(() => undefined);
          holder.release();
        }
      },
    );

    (kind === 'postgresql' ? it : it.skip)(
      'queues a job that builds on versions under the registry lock, so a deletion cannot slip between its check and its insert',
      async () => {
        const sixth = await train({ ...SPLIT, kind: 'z-score', name: 'sixth' });
        const holder = await db().pool!.connect();
        try {
          await holder.query('BEGIN');
          await holder.query('SELECT pg_advisory_xact_lock($1)', [REGISTRY_LOCK_KEY]);
          const jobs = await db().prisma.trainingJob.count();
          const queuing = services.jobs.enqueue({ ...SPLIT, kind: 'ensemble', kindOptions: { ensemble: { members: [third, sixth] } } });
          await untilSomeoneWaitsForTheRegistryLock(holder, 'enqueue never asked for the registry lock');
          expect(await db().prisma.trainingJob.count()).toBe(jobs);
          await holder.query('COMMIT');
          const queued = await queuing;
          expect(queued.status).toBe('QUEUED');
          await expectRefused(
            () => services.curation.delete(sixth),
            'VERSION_IN_USE',
            new RegExp(`training job\\(s\\) ${queued.id} name it`),
          );
          await services.jobs.cancel(queued.id);
        } finally {
          await holder.query('ROLLBACK').catch(() => undefined);
          holder.release();
        }
      },
    );
  });
});
