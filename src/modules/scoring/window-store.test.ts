import type { PrismaClient } from '@prisma/client';
import {
  clientWindowHash,
  decodeValues,
  encodeValues,
  engineWindowHash,
  findScoresByHash,
  storeEngineWindowScores,
  storeScoredWindows,
  transactionExecutor,
} from './window-store';
import { describeEachDatabase } from '../../../test/support/databases';

async function createVersion(prisma: PrismaClient, version: number) {
  return prisma.modelVersion.create({
    data: {
      version,
      kind: 'lstm-autoencoder',
      options: {},
      summary: {},
      sensors: ['sensor2', 'sensor3'],
      windowLength: 2,
      normalisation: {},
      scoringMethod: {},
      threshold: 1,
      thresholdQuantile: 0.99,
      artifact: {},
      backend: 'cpu',
      trainingMs: 1,
      trainedOn: {},
    },
  });
}

describe('window identity', () => {
  const base = { sensors: ['sensor2', 'sensor3'], values: [1, 2, 3, 4.5], length: 2, engineId: null, endCycle: null };

  it('round-trips values through their float64 encoding', () => {
    expect(Array.from(decodeValues(encodeValues([1.5, -0, 1e-300, 641.82])))).toEqual([1.5, -0, 1e-300, 641.82]);
  });

  it('gives equal content equal hashes and any difference a different hash', () => {
    expect(clientWindowHash(base)).toBe(clientWindowHash({ ...base, values: Float64Array.from(base.values) }));
    expect(clientWindowHash({ ...base, values: [1, 2, 3, 4.5000001] })).not.toBe(clientWindowHash(base));
    expect(clientWindowHash({ ...base, sensors: ['sensor3', 'sensor2'] })).not.toBe(clientWindowHash(base));
    expect(clientWindowHash({ ...base, engineId: 7, endCycle: 30 })).not.toBe(clientWindowHash(base));
    expect(clientWindowHash({ ...base, length: 1, values: [1, 2, 3, 4.5] })).not.toBe(clientWindowHash(base));
    expect(engineWindowHash({ engineId: 1, endCycle: 30, length: 30 })).not.toBe(
      engineWindowHash({ engineId: 1, endCycle: 31, length: 30 }),
    );
  });
});

describeEachDatabase('window and score persistence', (db) => {
  const shape = { source: 'CLIENT' as const, length: 2, sensors: ['sensor2', 'sensor3'] };
  const scored = (n: number, score = n / 10) => ({
    contentHash: `hash-${n}`,
    engineId: null,
    endCycle: null,
    values: encodeValues([n, n + 1, n + 2, n + 3]),
    reconstructionError: score,
    score,
    isAnomaly: score > 0.5,
    sensorErrors: new Float32Array([score / 2, score * 1.5]),
    recentResiduals: new Float32Array([-score, score / 4]),
  });

  // Both ways the service writes: the driver itself, and inside a Prisma transaction.
  const executors = () => [db().query, transactionExecutor(db().prisma)];

  it('stores each window once and its score once per version, in one statement, returning ids and times', async () => {
    const version = await createVersion(db().prisma, 1);
    const [driver, prisma] = executors();
    const first = await storeScoredWindows(driver, version, shape, [scored(1), scored(2), scored(1)]);
    expect(first.size).toBe(2);
    expect(first.get('hash-1')?.createdAt).toBeInstanceOf(Date);
    const second = await storeScoredWindows(prisma, version, shape, [scored(2, 0.99), scored(3)]);
    expect(second.get('hash-2')).toEqual({ windowId: first.get('hash-2')!.windowId, createdAt: null });
    expect(second.get('hash-3')?.createdAt).toBeInstanceOf(Date);
    expect(await db().prisma.window.count()).toBe(3);
    expect(await db().prisma.score.count()).toBe(3);
    const stored = await db().prisma.window.findUniqueOrThrow({ where: { contentHash: 'hash-3' } });
    expect(stored).toMatchObject({ source: 'CLIENT', length: 2, sensors: ['sensor2', 'sensor3'], engineId: null });
    expect(Array.from(decodeValues(stored.values!))).toEqual([3, 4, 5, 6]);

    const found = await findScoresByHash(driver, version.id, ['hash-1', 'hash-2', 'hash-unknown']);
    expect([...found.keys()].sort()).toEqual(['hash-1', 'hash-2']);
    expect(found.get('hash-2')).toMatchObject({
      score: 0.2,
      isAnomaly: false,
      threshold: 1,
      sensorErrors: [Math.fround(0.1), Math.fround(0.2 * 1.5)],
      recentResiduals: [Math.fround(-0.2), Math.fround(0.2 / 4)],
    });
    const other = await createVersion(db().prisma, 2);
    expect((await findScoresByHash(prisma, other.id, ['hash-1'])).size).toBe(0);
  });

  it('stores scores bit for bit (no digit lost on the way to the database), through either executor', async () => {
    const version = await createVersion(db().prisma, 3);
    const exact = 1.8973844051361084; // needs 17 significant digits
    for (const [index, query] of executors().entries()) {
      const hash = `exact-${index}`;
      await storeScoredWindows(query, { id: version.id, threshold: exact / 3 }, shape, [
        {
          ...scored(9),
          contentHash: hash,
          reconstructionError: exact,
          score: 0.1 + 0.2,
          sensorErrors: [exact, 0.1 + 0.2],
          recentResiduals: [-exact, 0.1 + 0.2],
        },
      ]);
      const stored = (await findScoresByHash(query, version.id, [hash])).get(hash)!;
      expect([stored.reconstructionError, stored.score, stored.threshold]).toEqual([exact, 0.1 + 0.2, exact / 3]);
      expect(stored.sensorErrors).toEqual([exact, 0.1 + 0.2]);
      expect(stored.recentResiduals).toEqual([-exact, 0.1 + 0.2]);
    }
  });

  it('refuses a batch mixing windows with and without values, or values of different sizes, writing nothing', async () => {
    const version = await createVersion(db().prisma, 5);
    const before = await db().prisma.window.count();
    await expect(storeScoredWindows(db().query, version, shape, [scored(20), { ...scored(21), values: null }])).rejects.toThrow(RangeError);
    await expect(
      storeScoredWindows(db().query, version, shape, [scored(22), { ...scored(23), values: encodeValues([1, 2]) }]),
    ).rejects.toThrow('all of one size');
    expect(await db().prisma.window.count()).toBe(before);
  });

  it('stores engine windows without values', async () => {
    const version = await createVersion(db().prisma, 4);
    const dataset = await db().prisma.dataset.create({
      data: { name: 'ws', settings: [], sensors: [{ name: 'a' }, { name: 'b' }], format: 'CSV' },
    });
    const engine = await db().prisma.engine.create({
      data: { role: 'LIVE', externalId: 'ws-1', datasetId: dataset.id, labelling: 'NONE' },
    });
    await storeEngineWindowScores(db().query, { ...version, windowLength: 30 }, [{ engineId: engine.id, endCycle: 30, index: 0 }], {
      raw: [0.5],
      contributions: new Float32Array([0.25, 0.75]),
      directions: new Float32Array([0.5, -1]),
      scores: [0.5],
      features: 2,
    });
    const stored = await db().prisma.window.findUniqueOrThrow({
      where: { contentHash: engineWindowHash({ engineId: engine.id, endCycle: 30, length: 30 }) },
    });
    expect(stored).toMatchObject({ source: 'ENGINE', engineId: engine.id, endCycle: 30, values: null });
    expect(await db().prisma.score.findFirstOrThrow({ where: { windowId: stored.id } })).toMatchObject({
      engineId: engine.id,
      endCycle: 30,
      score: 0.5,
      sensorErrors: [0.25, 0.75],
      recentResiduals: [0.5, -1],
    });
  });

  it('gives windows and scores 64-bit ids: past 2^31, every path returns the exact id', async () => {
    const version = await createVersion(db().prisma, 9);
    const past = 2 ** 31 + 7;
    await db().query(`SELECT setval('windows_id_seq', ${past}), setval('scores_id_seq', ${past})`);
    for (const [index, executor] of executors().entries()) {
      const stored = await storeScoredWindows(executor, version, shape, [scored(100 + index)]);
      const windowId = stored.get(`hash-${100 + index}`)!.windowId;
      expect(windowId).toBe(past + 1 + index);
      const found = await findScoresByHash(executor, version.id, [`hash-${100 + index}`]);
      expect(found.get(`hash-${100 + index}`)?.windowId).toBe(windowId);
      const score = await db().prisma.score.findFirstOrThrow({ where: { windowId: BigInt(windowId) } });
      expect(score.id).toBeGreaterThan(BigInt(2 ** 31));
    }
  });
});
