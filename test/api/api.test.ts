// The product over real HTTP against real PostgreSQL: training jobs, the registry, scoring, trajectories,
// live engines, evaluation and comparison, with a tiny model trained on the first FD001 engines.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPOSITORY_ROOT } from '../../src/platform/repository';
import { InferenceThread, selectBackend } from '../../src/detectors/lstm-autoencoder/engine';
import { scoringBatchChannel, type ScoringBatchEvent } from '../../src/platform/observability/events';
import { importFirstUnits, shippedLines } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';

const TINY = `{ trainUnits: [{ from: 1, to: 4 }], calibrationUnits: [{ from: 5, to: 6 }], testUnits: [{ from: 7, to: 8 }],
  hidden: 8, code: 4, epochs: 3, batchSize: 64 }`;

const JOB_FIELDS =
  'id status attempts error totalEpochs cancelRequested modelVersionId epochs { epoch loss validationLoss } progress { epochsCompleted totalEpochs estimatedRemainingMs }';
const SCORE_FIELDS =
  'windowId modelVersionId score threshold isAnomaly reconstructionError cached engineId endCycle contributions { sensor error share residual } modelVersion { id version }';

/** FD001 train unit 1's rows, as [cycle, settings x3, sensors x21]. */
const unit1 = shippedLines('train_FD001.txt')
  .filter((line) => line.startsWith('1 '))
  .map((line) => line.trim().split(/\s+/).slice(1).map(Number));

/** The window of unit 1 ending at `endCycle` as rows of the given sensors (names sensorN). */
function windowRows(endCycle: number, sensors: string[], length = 30): number[][] {
  return unit1.slice(endCycle - length, endCycle).map((row) => sensors.map((sensor) => row[3 + Number(sensor.slice(6))]));
}

function windowColumns(endCycle: number, length = 30) {
  return Array.from({ length: 21 }, (_, index) => ({
    sensor: `sensor${index + 1}`,
    values: unit1.slice(endCycle - length, endCycle).map((row) => row[4 + index]),
  }));
}

describe('the GraphQL API over HTTP on PostgreSQL, forward passes on an inference thread as in the server', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;
  let inference: InferenceThread;
  let firstVersion: { id: number; sensors: string[]; threshold: number };
  let unit1EngineId: number;

  async function waitForJob(id: number, done: (status: string) => boolean, timeoutMs = 60_000) {
    const started = Date.now();
    for (;;) {
      const response = await server.graphql(`query ($id: Int!) { trainingJob(id: $id) { ${JOB_FIELDS} } }`, { id });
      const job = response.data.trainingJob;
      if (done(job.status)) return job;
      if (Date.now() - started > timeoutMs) throw new Error(`job ${id} still ${job.status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function train(args = TINY) {
    const queued = await server.graphql(`mutation { trainModel(input: ${args}) { ${JOB_FIELDS} } }`);
    expect(queued.errors).toBeUndefined();
    return queued.data.trainModel;
  }

  beforeAll(async () => {
    await selectBackend();
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 8);
    inference = await InferenceThread.start();
    server = await startTestServer(
      testDatabase.database,
      {},
      { runner: { pollIntervalMs: 20, heartbeatIntervalMs: 200 }, reconstruct: inference.reconstruct },
    );
    server.services.runner.start();
    unit1EngineId = (await testDatabase.database.prisma.engine.findFirstOrThrow({ where: { role: 'TRAIN', unit: 1 } })).id;
  });

  afterAll(async () => {
    await server?.services.runner.stop();
    await server?.close();
    await inference?.close();
    await testDatabase?.dispose();
  });

  describe('training jobs', () => {
    it('queues a job at once and runs it to a registered model version, recording each epoch', async () => {
      const queued = await train();
      expect(queued).toMatchObject({ status: 'QUEUED', totalEpochs: 3, modelVersionId: null, epochs: [] });
      const job = await waitForJob(queued.id, (status) => status === 'SUCCEEDED' || status === 'FAILED');
      expect(job).toMatchObject({
        status: 'SUCCEEDED',
        attempts: 1,
        error: null,
        progress: { epochsCompleted: 3, totalEpochs: 3, estimatedRemainingMs: null },
      });
      expect(job.epochs.map((epoch: { epoch: number }) => epoch.epoch)).toEqual([1, 2, 3]);
      const version = await server.graphql(
        `query ($id: Int!) { modelVersion(id: $id) {
        id version status isActive sensors windowLength threshold thresholdQuantile backend trainingMs
        architecture { features windowLength hidden code } scoringMethod { kind }
        metrics { windows anomalous rocAuc precision recall confusion { tp fp tn fn } }
        evaluations { dataset rocCurve { falsePositiveRate truePositiveRate } prCurve { recall precision } } } }`,
        { id: job.modelVersionId },
      );
      expect(version.errors).toBeUndefined();
      const registered = version.data.modelVersion;
      expect(registered).toMatchObject({
        status: 'READY',
        isActive: false,
        windowLength: 30,
        thresholdQuantile: 0.99,
        architecture: { features: 14, hidden: 8, code: 4 },
      });
      expect(registered.scoringMethod.kind).toBe('reconstruction-error');
      expect(registered.metrics.windows).toBe(
        registered.metrics.confusion.tp +
          registered.metrics.confusion.fp +
          registered.metrics.confusion.tn +
          registered.metrics.confusion.fn,
      );
      expect(registered.evaluations).toHaveLength(1);
      expect(registered.evaluations[0].rocCurve.length).toBeGreaterThan(2);
      firstVersion = registered;
    });

    it('rejects an invalid configuration with INVALID_TRAINING_CONFIG and queues nothing', async () => {
      const before = await testDatabase.database.prisma.trainingJob.count();
      for (const input of [
        '{ epochs: 0 }',
        '{ thresholdQuantile: 1.5 }',
        '{ learningRate: -1 }',
        '{ trainUnits: [{ from: 1, to: 5 }] }',
        '{ dataset: "FD009" }',
      ]) {
        const response = await server.graphql(`mutation { trainModel(input: ${input}) { id } }`);
        expect(response.errors?.[0]?.extensions?.code).toBe('INVALID_TRAINING_CONFIG');
        expect(response.errors?.[0]?.message.length).toBeGreaterThan(10);
      }
      expect(await testDatabase.database.prisma.trainingJob.count()).toBe(before);
    });

    it('cancels a queued job at once and refuses to cancel a finished one', async () => {
      server.services.runner.stop();
      try {
        const queued = await train();
        const cancelled = await server.graphql(`mutation ($id: Int!) { cancelTrainingJob(id: $id) { status cancelRequested } }`, {
          id: queued.id,
        });
        expect(cancelled.data.cancelTrainingJob).toEqual({ status: 'CANCELLED', cancelRequested: true });
        const again = await server.graphql(`mutation ($id: Int!) { cancelTrainingJob(id: $id) { status } }`, { id: queued.id });
        expect(again.errors?.[0]).toMatchObject({
          extensions: { code: 'CONFLICT' },
          message: expect.stringMatching(/is cancelled and can no longer be cancelled/),
        });
      } finally {
        server.services.runner.start();
      }
    });

    it('cancels a running job, which then registers nothing', async () => {
      const versionsBefore = await testDatabase.database.prisma.modelVersion.count();
      const queued = await train(TINY.replace('epochs: 3', 'epochs: 400'));
      await waitForJob(queued.id, (status) => status === 'RUNNING');
      await server.graphql(`mutation ($id: Int!) { cancelTrainingJob(id: $id) { status } }`, { id: queued.id });
      const job = await waitForJob(queued.id, (status) => !['QUEUED', 'RUNNING'].includes(status));
      expect(job).toMatchObject({ status: 'CANCELLED', modelVersionId: null });
      expect(await testDatabase.database.prisma.modelVersion.count()).toBe(versionsBefore);
    });

    it('lists jobs by status, newest first, and answers an unknown job with NOT_FOUND', async () => {
      const list = await server.graphql(`{ trainingJobs(status: SUCCEEDED) { totalCount items { status } } }`);
      expect(list.data.trainingJobs.totalCount).toBeGreaterThanOrEqual(1);
      expect(list.data.trainingJobs.items.every((job: { status: string }) => job.status === 'SUCCEEDED')).toBe(true);
      const missing = await server.graphql(`{ trainingJob(id: 999999) { id } }`);
      expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    });
  });

  it('tells a client that, with authentication off, it holds every role and no key (viewer)', async () => {
    const response = await server.graphql('{ viewer { authenticated name prefix roles } }');
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      viewer: { authenticated: false, name: null, prefix: null, roles: ['READER', 'SCORER', 'OPERATOR', 'ADMIN'] },
    });
  });

  describe('the registry', () => {
    it('has no active version at first, so scoring without a version says NO_ACTIVE_MODEL', async () => {
      const active = await server.graphql(`{ activeModelVersion { id } }`);
      expect(active.data.activeModelVersion).toBeNull();
      const response = await server.graphql(`mutation ($w: WindowInput!) { scoreWindow(window: $w) { score } }`, {
        w: { values: windowRows(30, firstVersion.sensors) },
      });
      expect(response.errors?.[0]?.extensions?.code).toBe('NO_ACTIVE_MODEL');
    });

    it('activates a version so that exactly one is active', async () => {
      const second = await waitForJob((await train(TINY.replace('epochs: 3', 'epochs: 2'))).id, (status) => status === 'SUCCEEDED');
      for (const id of [firstVersion.id, second.modelVersionId, firstVersion.id]) {
        const before = await testDatabase.database.prisma.modelVersion.findFirst({ where: { isActive: true } });
        const response = await server.graphql(
          `mutation ($id: Int!) { activateModelVersion(id: $id) { activated { id isActive } previous { id isActive } } }`,
          { id },
        );
        expect(response.data.activateModelVersion).toEqual({
          activated: { id, isActive: true },
          previous: before && before.id !== id ? { id: before.id, isActive: false } : null,
        });
        expect(await testDatabase.database.prisma.modelVersion.count({ where: { isActive: true } })).toBe(1);
      }
      const active = await server.graphql(
        `{ activeModelVersion { id } serviceInfo { activeModelVersion { id } databaseKind tfjsBackend counts { modelVersions engines } } }`,
      );
      expect(active.data.activeModelVersion.id).toBe(firstVersion.id);
      expect(active.data.serviceInfo).toMatchObject({
        activeModelVersion: { id: firstVersion.id },
        databaseKind: 'postgresql',
        counts: { engines: 16 },
      });
      expect(['wasm', 'tensorflow', 'cpu']).toContain(active.data.serviceInfo.tfjsBackend);
    });

    it('answers an unknown version with NOT_FOUND for activation and scoring', async () => {
      const activation = await server.graphql(`mutation { activateModelVersion(id: 424242) { activated { id } } }`);
      expect(activation.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const scoring = await server.graphql(`mutation ($w: WindowInput!) { scoreWindow(window: $w, modelVersionId: 424242) { score } }`, {
        w: { values: windowRows(30, firstVersion.sensors) },
      });
      expect(scoring.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    });
  });

  describe('scoring', () => {
    it('scores one window, explains it by sensor, and stores it; the same window again is served from storage', async () => {
      const windows = () => testDatabase.database.prisma.window.count();
      const before = await windows();
      const first = await server.graphql(`mutation ($w: WindowInput!) { scoreWindow(window: $w) { ${SCORE_FIELDS} } }`, {
        w: { values: windowRows(60, firstVersion.sensors) },
      });
      expect(first.errors).toBeUndefined();
      const score = first.data.scoreWindow;
      expect(score).toMatchObject({ modelVersionId: firstVersion.id, threshold: firstVersion.threshold, cached: false, engineId: null });
      expect(score.isAnomaly).toBe(score.score > score.threshold);
      expect(score.contributions).toHaveLength(14);
      const shares = score.contributions.map((entry: { share: number }) => entry.share);
      expect(shares.reduce((sum: number, share: number) => sum + share, 0)).toBeCloseTo(1, 6);
      expect([...shares].sort((a, b) => b - a)).toEqual(shares);
      for (const entry of score.contributions) expect(Number.isFinite(entry.residual)).toBe(true);
      expect(await windows()).toBe(before + 1);

      const again = await server.graphql(`mutation ($w: WindowInput!) { scoreWindow(window: $w) { ${SCORE_FIELDS} } }`, {
        w: { values: windowRows(60, firstVersion.sensors) },
      });
      expect(again.data.scoreWindow).toEqual({ ...score, cached: true });
      expect(await windows()).toBe(before + 1);
    });

    it("signs each sensor's residual: a sensor read high over the last cycles shows a positive residual", async () => {
      const fields = 'contributions { sensor residual }';
      const residualOf = (result: { contributions: { sensor: string; residual: number }[] }, sensor: string) =>
        result.contributions.find((entry) => entry.sensor === sensor)!.residual;
      const rows = windowRows(70, firstVersion.sensors);
      const sensor = firstVersion.sensors[1];
      const high = rows.map((row, t) => (t >= rows.length - 10 ? row.map((value, s) => (s === 1 ? value * 1.05 : value)) : row));
      const low = rows.map((row, t) => (t >= rows.length - 10 ? row.map((value, s) => (s === 1 ? value * 0.95 : value)) : row));
      const score = async (values: number[][]) =>
        (await server.graphql(`mutation ($w: WindowInput!) { scoreWindow(window: $w) { ${fields} } }`, { w: { values } })).data.scoreWindow;
      const [plain, raised, lowered] = [await score(rows), await score(high), await score(low)];
      expect(residualOf(raised, sensor)).toBeGreaterThan(residualOf(plain, sensor) + 1);
      expect(residualOf(raised, sensor)).toBeGreaterThan(0);
      expect(residualOf(lowered, sensor)).toBeLessThan(residualOf(plain, sensor) - 1);
      expect(residualOf(lowered, sensor)).toBeLessThan(0);
    });

    it('accepts named sensor columns (all 21, any order) and gives the same score as rows', async () => {
      const rows = await server.graphql(`mutation ($w: WindowInput!) { scoreWindow(window: $w) { windowId score } }`, {
        w: { values: windowRows(90, firstVersion.sensors) },
      });
      const columns = await server.graphql(`mutation ($w: WindowInput!) { scoreWindow(window: $w) { windowId score cached } }`, {
        w: { columns: windowColumns(90).reverse() },
      });
      expect(columns.data.scoreWindow).toEqual({ ...rows.data.scoreWindow, cached: true });
    });

    it('gives a client window the same score as the stored engine window it copies', async () => {
      const trajectory = await server.graphql(
        `query ($id: Int!) { engine(id: $id) { trajectory(fromCycle: 100) { points { endCycle score } } } }`,
        { id: unit1EngineId },
      );
      const at100 = trajectory.data.engine.trajectory.points[0];
      expect(at100.endCycle).toBe(100);
      const client = await server.graphql(`mutation ($w: WindowInput!) { scoreWindow(window: $w) { score } }`, {
        w: { values: windowRows(100, firstVersion.sensors) },
      });
      expect(client.data.scoreWindow.score).toBe(at100.score);
    });

    it('scores a batch in one call, duplicates included, in input order', async () => {
      const windows = [120, 121, 120, 122].map((end) => ({
        values: windowRows(end, firstVersion.sensors),
        engineId: unit1EngineId,
        endCycle: end,
      }));
      const response = await server.graphql(
        `mutation ($ws: [WindowInput!]!) { scoreWindows(windows: $ws) { windowId endCycle engineId score } }`,
        { ws: windows },
      );
      expect(response.errors).toBeUndefined();
      const scores = response.data.scoreWindows;
      expect(scores.map((score: { endCycle: number }) => score.endCycle)).toEqual([120, 121, 120, 122]);
      expect(scores[0]).toEqual(scores[2]);
      expect(scores[0].engineId).toBe(unit1EngineId);
    });

    it('rejects a batch with one bad window with INVALID_WINDOW, naming it, and stores none of the batch', async () => {
      const before = await testDatabase.database.prisma.score.count();
      const good = { values: windowRows(140, firstVersion.sensors) };
      const cases: [unknown, RegExp][] = [
        [{ values: windowRows(140, firstVersion.sensors).slice(1) }, /windows\[1\]: values must hold 30 rows/],
        [
          { values: windowRows(140, firstVersion.sensors).map((row, t) => (t === 3 ? row.slice(1) : row)) },
          /windows\[1\]: values\[3\] must hold 14 readings/,
        ],
        [{ columns: windowColumns(140).slice(2) }, /windows\[1\]: columns must include sensor/],
        [{ columns: [...windowColumns(140), { sensor: 'sensor99', values: [] }] }, /unknown sensor "sensor99"/],
        [{ values: windowRows(140, firstVersion.sensors), columns: windowColumns(140) }, /either values .* or columns/],
        [{ values: windowRows(140, firstVersion.sensors), engineId: unit1EngineId }, /engineId and endCycle go together/],
      ];
      for (const [bad, message] of cases) {
        const response = await server.graphql(`mutation ($ws: [WindowInput!]!) { scoreWindows(windows: $ws) { score } }`, {
          ws: [good, bad],
        });
        expect(response.errors?.[0]).toMatchObject({ extensions: { code: 'INVALID_WINDOW' }, message: expect.stringMatching(message) });
      }
      const unknownEngine = await server.graphql(`mutation ($ws: [WindowInput!]!) { scoreWindows(windows: $ws) { score } }`, {
        ws: [good, { ...good, engineId: 999999, endCycle: 140 }],
      });
      expect(unknownEngine.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(await testDatabase.database.prisma.score.count()).toBe(before);
    });

    it('refuses non-finite readings at the GraphQL layer and a batch over 1000 windows with BATCH_TOO_LARGE', async () => {
      const body = JSON.stringify({
        query: 'mutation ($w: WindowInput!) { scoreWindow(window: $w) { score } }',
        variables: { w: { values: [[1]] } },
      }).replace('[[1]]', '[[1e999]]');
      const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const parsed = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(parsed.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      const window = { values: windowRows(40, firstVersion.sensors) };
      const before = await testDatabase.database.prisma.score.count();
      const malformed: [unknown, RegExp][] = [
        [
          { values: window.values.map((row, t) => (t === 2 ? row.map((value, s) => (s === 5 ? 'high' : value)) : row)) },
          /ReadingMatrix: row 2, reading 5 must be a finite number, got "high"/,
        ],
        [{ values: window.values.map((row, t) => (t === 0 ? null : row)) }, /ReadingMatrix: row 0 must be a list of numbers, got null/],
        [{ values: 42 }, /ReadingMatrix: expected a list of rows/],
        [
          { columns: windowColumns(40).map((column, c) => (c === 1 ? { ...column, values: [...column.values.slice(1), null] } : column)) },
          /ReadingList: reading 29 must be a finite number, got null/,
        ],
      ];
      for (const [bad, message] of malformed) {
        const response = await server.graphql('mutation ($w: WindowInput!) { scoreWindow(window: $w) { score } }', { w: bad });
        expect(response.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(message) });
      }
      expect(await testDatabase.database.prisma.score.count()).toBe(before);
      // Readings written inline in the document (not as variables) are read the same way.
      const literal = JSON.stringify(window.values);
      const inline = await server.graphql(`mutation { scoreWindow(window: { values: ${literal} }) { score } }`);
      const viaVariables = await server.graphql('mutation ($w: WindowInput!) { scoreWindow(window: $w) { score } }', { w: window });
      expect(inline.data).toEqual(viaVariables.data);
      const badLiteral = await server.graphql(
        `mutation { scoreWindow(window: { values: ${literal.replace(/^\[\[[^,]+/, '[["x"')} }) { score } }`,
      );
      expect(badLiteral.errors?.[0]?.message).toMatch(/ReadingMatrix: row 0, reading 0 must be a finite number, got "x"/);
      const tooMany = await server.graphql(`mutation ($ws: [WindowInput!]!) { scoreWindows(windows: $ws) { score } }`, {
        ws: Array(1001).fill(window),
      });
      expect(tooMany.errors?.[0]).toMatchObject({ extensions: { code: 'BATCH_TOO_LARGE' } });
    });

    it('shares forward passes among concurrent single-window requests, each getting its own answer', async () => {
      // As many as bench:score's concurrency: with passes of one window taking ~0.2 ms, 24 requests were
      // sometimes parsed one pass apart each (no wait is added to gather them).
      const ends = Array.from({ length: 64 }, (_, index) => 100 + index);
      const passes: number[] = [];
      const onBatch = (event: unknown) => {
        if ((event as ScoringBatchEvent).source === 'dynamic') passes.push((event as ScoringBatchEvent).size);
      };
      scoringBatchChannel.subscribe(onBatch);
      const responses = await Promise.all(
        ends.map((end) =>
          server.graphql(`mutation ($w: WindowInput!) { scoreWindow(window: $w) { score cached } }`, {
            w: { values: windowRows(end, firstVersion.sensors) },
          }),
        ),
      ).finally(() => scoringBatchChannel.unsubscribe(onBatch));
      expect(passes.reduce((sum, size) => sum + size, 0)).toBe(ends.length);
      expect(passes.length).toBeLessThan(ends.length);
      expect(Math.max(...passes)).toBeGreaterThan(1);
      const batch = await server.graphql(`mutation ($ws: [WindowInput!]!) { scoreWindows(windows: $ws) { score cached } }`, {
        ws: ends.map((end) => ({ values: windowRows(end, firstVersion.sensors) })),
      });
      expect(responses.map((response) => response.data.scoreWindow.score)).toEqual(
        batch.data.scoreWindows.map((score: { score: number }) => score.score),
      );
      expect(batch.data.scoreWindows.every((score: { cached: boolean }) => score.cached)).toBe(true);
    });
  });

  describe('engine trajectories', () => {
    it("reads a list's trajectories together, each as the engine's own read gives it", async () => {
      const fields = 'modelVersionId threshold windowLength firstFlaggedCycle flaggedCycles points { endCycle score isAnomaly rul }';
      // Unscored engines among them: the list's read scores them first.
      const list = await server.graphql(`{ engines(page: { limit: 6 }) { items { id trajectory { ${fields} } } } }`);
      expect(list.errors).toBeUndefined();
      const items: { id: number; trajectory: { points: unknown[] } }[] = list.data.engines.items;
      expect(items.length).toBe(6);
      expect(items.every((item) => item.trajectory.points.length > 0)).toBe(true);
      for (const item of items) {
        // A range takes the one-engine path.
        const alone = await server.graphql(`query ($id: Int!) { engine(id: $id) { trajectory(fromCycle: 1) { ${fields} } } }`, {
          id: item.id,
        });
        expect(item.trajectory).toEqual(alone.data.engine.trajectory);
      }
    });

    it('scores every window of an engine once per version, with RUL, threshold and flagged cycles', async () => {
      const query = `query ($id: Int!) { engine(id: $id) { lastCycle trajectory { modelVersionId threshold windowLength flaggedCycles firstFlaggedCycle points { endCycle score isAnomaly rul } } } }`;
      const response = await server.graphql(query, { id: unit1EngineId });
      expect(response.errors).toBeUndefined();
      const { lastCycle, trajectory } = response.data.engine;
      expect(trajectory.points).toHaveLength(lastCycle - 29);
      expect(trajectory.points[0]).toMatchObject({ endCycle: 30, rul: lastCycle - 30 });
      expect(trajectory.points.at(-1)).toMatchObject({ endCycle: lastCycle, rul: 0 });
      expect(trajectory.flaggedCycles).toEqual(
        trajectory.points.filter((point: { isAnomaly: boolean }) => point.isAnomaly).map((point: { endCycle: number }) => point.endCycle),
      );
      expect(
        trajectory.points.every((point: { score: number; isAnomaly: boolean }) => point.isAnomaly === point.score > trajectory.threshold),
      ).toBe(true);

      const scoresBefore = await testDatabase.database.prisma.score.findMany({
        where: { engineId: unit1EngineId, modelVersionId: trajectory.modelVersionId },
        select: { id: true, createdAt: true },
      });
      const again = await server.graphql(query, { id: unit1EngineId });
      expect(again.data).toEqual(response.data);
      const scoresAfter = await testDatabase.database.prisma.score.findMany({
        where: { engineId: unit1EngineId, modelVersionId: trajectory.modelVersionId },
        select: { id: true, createdAt: true },
      });
      expect(scoresAfter).toEqual(scoresBefore);
    });

    it("explains each point by sensor as scoring the window's readings does, from storage", async () => {
      const { data } = await server.graphql(
        `query ($id: Int!) { engine(id: $id) { trajectory(fromCycle: 48, toCycle: 50) {
          modelVersionId points { endCycle contributions { sensor error share residual } } } } }`,
        { id: unit1EngineId },
      );
      const { trajectory } = data.engine;
      expect(trajectory.points.map((point: { endCycle: number }) => point.endCycle)).toEqual([48, 49, 50]);
      // The window ending at 50 as a client sends it (unlabelled): the same readings give the same contributions.
      const scored = await server.graphql(
        `mutation ($version: Int!, $window: WindowInput!) { scoreWindow(modelVersionId: $version, window: $window) {
          contributions { sensor error share residual } } }`,
        { version: trajectory.modelVersionId, window: { columns: windowColumns(50) } },
      );
      expect(scored.errors).toBeUndefined();
      const stored = trajectory.points[2].contributions;
      expect(stored.length).toBeGreaterThan(0);
      expect(stored).toEqual(scored.data.scoreWindow.contributions);
      expect(trajectory.points[0].contributions).not.toEqual(stored);
    });

    it('includes the stored test-engine scores made at registration', async () => {
      const engine = await testDatabase.database.prisma.engine.findFirstOrThrow({ where: { role: 'TRAIN', unit: 7 } });
      const stored = await testDatabase.database.prisma.score.count({ where: { engineId: engine.id, modelVersionId: firstVersion.id } });
      expect(stored).toBe(engine.lastCycle - 29);
    });
  });

  describe('live engines', () => {
    it('creates an engine, appends cycles, and scores the windows they complete with the active version', async () => {
      const created = await server.graphql(`mutation { createEngine(input: { externalId: "ESN-1001" }) { id role lastCycle externalId } }`);
      const engine = created.data.createEngine;
      expect(engine).toMatchObject({ role: 'LIVE', lastCycle: 0, externalId: 'ESN-1001' });
      const duplicate = await server.graphql(`mutation { createEngine(input: { externalId: "ESN-1001" }) { id } }`);
      expect(duplicate.errors?.[0]?.extensions?.code).toBe('CONFLICT');

      const cycles = (from: number, to: number) =>
        unit1.slice(from - 1, to).map((row) => ({ settings: row.slice(1, 4), sensors: row.slice(4) }));
      const mutation = `mutation ($id: Int!, $cycles: [CycleInput!]!, $score: Boolean!) { appendCycles(engineId: $id, cycles: $cycles, score: $score) {
        engine { lastCycle } appendedCycles scored { modelVersionId points { endCycle score rul } } } }`;
      const first = await server.graphql(mutation, { id: engine.id, cycles: cycles(1, 25), score: true });
      expect(first.data.appendCycles).toMatchObject({
        engine: { lastCycle: 25 },
        appendedCycles: Array.from({ length: 25 }, (_, i) => i + 1),
        scored: { points: [] },
      });
      const second = await server.graphql(mutation, { id: engine.id, cycles: cycles(26, 32), score: true });
      const scored = second.data.appendCycles.scored;
      expect(scored.modelVersionId).toBe(firstVersion.id);
      expect(scored.points.map((point: { endCycle: number; rul: null }) => [point.endCycle, point.rul])).toEqual([
        [30, null],
        [31, null],
        [32, null],
      ]);

      // Same readings as FD001 unit 1, so the same scores as its stored windows.
      const reference = await server.graphql(`query ($id: Int!) { engine(id: $id) { trajectory { points { endCycle score } } } }`, {
        id: unit1EngineId,
      });
      expect(scored.points.map((point: { score: number }) => point.score)).toEqual(
        reference.data.engine.trajectory.points.slice(0, 3).map((point: { score: number }) => point.score),
      );
    });

    it('refuses gaps, wrong shapes and C-MAPSS engines, storing nothing', async () => {
      const engine = (await server.graphql(`mutation { createEngine(input: { externalId: "ESN-2002" }) { id } }`)).data.createEngine;
      const row = { settings: [0, 0, 100], sensors: unit1[0].slice(4) };
      const append = (id: number, cycles: unknown[]) =>
        server.graphql(
          `mutation ($id: Int!, $cycles: [CycleInput!]!) { appendCycles(engineId: $id, cycles: $cycles) { appendedCycles } }`,
          { id, cycles },
        );
      const cases: [number, unknown[], string, RegExp][] = [
        [engine.id, [{ ...row, cycle: 2 }], 'BAD_USER_INPUT', /cycles\[0\]\.cycle must be 1/],
        [engine.id, [row, { ...row, sensors: row.sensors.slice(1) }], 'BAD_USER_INPUT', /cycles\[1\]\.sensors must hold 21 values, got 20/],
        [engine.id, [], 'BAD_USER_INPUT', /at least one cycle/],
        [unit1EngineId, [row], 'BAD_USER_INPUT', /only LIVE engines accept new cycles/],
        [999999, [row], 'NOT_FOUND', /engine 999999 does not exist/],
      ];
      for (const [id, cycles, code, message] of cases) {
        const response = await append(id, cycles);
        expect(response.errors?.[0]).toMatchObject({ extensions: { code }, message: expect.stringMatching(message) });
      }
      expect(await testDatabase.database.prisma.cycle.count({ where: { engineId: engine.id } })).toBe(0);
    });
  });

  describe('evaluation and comparison', () => {
    it('re-evaluates a version on its test engines with the registration figures', async () => {
      const response = await server.graphql(
        `mutation ($id: Int!) { evaluateModelVersion(id: $id) { dataset split metrics { windows rocAuc prAuc precision recall } } }`,
        { id: firstVersion.id },
      );
      expect(response.errors).toBeUndefined();
      const registered = await server.graphql(
        `query ($id: Int!) { modelVersion(id: $id) { metrics { windows rocAuc prAuc precision recall } } }`,
        { id: firstVersion.id },
      );
      expect(response.data.evaluateModelVersion.metrics).toEqual(registered.data.modelVersion.metrics);
      expect(response.data.evaluateModelVersion.split).toEqual({ role: 'TRAIN', units: [7, 8], anomalyRul: 30, overlapsTraining: false });
    });

    it('evaluates on other engines, telling when they trained the version', async () => {
      const response = await server.graphql(
        `mutation ($id: Int!) { evaluateModelVersion(id: $id, split: { units: [{ from: 1, to: 2 }] }) { split metrics { windows } } }`,
        { id: firstVersion.id },
      );
      expect(response.data.evaluateModelVersion.split).toMatchObject({ units: [1, 2], overlapsTraining: true });
      const missing = await server.graphql(
        `mutation ($id: Int!) { evaluateModelVersion(id: $id, split: { units: [{ from: 90, to: 91 }] }) { split } }`,
        { id: firstVersion.id },
      );
      expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    });

    it('compares versions on the same windows with deltas and agreement', async () => {
      const versions = await testDatabase.database.prisma.modelVersion.findMany({ orderBy: { id: 'asc' }, select: { id: true } });
      const ids = versions.map((version) => version.id).slice(0, 2);
      const response = await server.graphql(
        `query ($ids: [Int!]!) { compareModelVersions(ids: $ids) { dataset units commonWindows
        versions { version { id } metrics { windows rocAuc } deltas { rocAuc precision } agreement flaggedOnlyByThis flaggedOnlyByFirst } } }`,
        { ids },
      );
      expect(response.errors).toBeUndefined();
      const comparison = response.data.compareModelVersions;
      expect(comparison.units).toEqual([7, 8]);
      expect(comparison.versions.map((entry: { version: { id: number } }) => entry.version.id)).toEqual(ids);
      expect(comparison.versions[0]).toMatchObject({
        deltas: { rocAuc: 0, precision: 0 },
        agreement: 1,
        flaggedOnlyByThis: 0,
        flaggedOnlyByFirst: 0,
      });
      expect(comparison.versions[1].metrics.windows).toBe(comparison.commonWindows);
      const second = comparison.versions[1];
      expect(second.deltas.rocAuc).toBeCloseTo(second.metrics.rocAuc - comparison.versions[0].metrics.rocAuc, 12);
      const bad = await server.graphql(`query { compareModelVersions(ids: [${ids[0]}]) { commonWindows } }`);
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('the README client example', () => {
    it('is the file the README shows, and it scores a window and reads a trajectory against the server', async () => {
      const source = fs.readFileSync(path.join(REPOSITORY_ROOT, 'examples', 'client.ts'), 'utf8').trimEnd();
      expect(fs.readFileSync(path.join(REPOSITORY_ROOT, 'README.md'), 'utf8')).toContain(source);
      const { stdout } = await promisify(execFile)(process.execPath, [
        path.join(REPOSITORY_ROOT, 'dist', 'examples', 'client.js'),
        `${server.url}/graphql`,
      ]);
      expect(stdout).toMatch(/^score \d+\.\d{4} \(threshold \d+\.\d{4}\), anomalous: (true|false)$/m);
      expect(stdout).toMatch(/^top sensors: sensor\d+ \d+%, sensor\d+ \d+%, sensor\d+ \d+%$/m);
      expect(stdout).toMatch(/^engine \d+: 163 windows, first alarm at cycle (\d+|null), last score \d+\.\d{4} at RUL 0$/m);
    });
  });
});
