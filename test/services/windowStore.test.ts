import type { PrismaClient } from '@prisma/client';
import {
  clientWindowHash,
  decodeValues,
  encodeValues,
  engineWindowHash,
  findScoresByHash,
  insertScores,
  upsertWindows,
} from '../../src/services/windowStore';
import { describeEachDatabase } from '../support/databases';

async function createVersion(prisma: PrismaClient, version: number) {
  return prisma.modelVersion.create({
    data: {
      version, architecture: {}, hyperparameters: {}, sensors: ['sensor2', 'sensor3'], windowLength: 2, normalisation: {},
      scoringMethod: {}, threshold: 1, thresholdQuantile: 0.99, topology: {}, weights: Buffer.alloc(0), weightSpecs: [],
      backend: 'cpu', trainingMs: 1, trainedOn: {},
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
    expect(engineWindowHash({ engineId: 1, endCycle: 30, length: 30 })).not.toBe(engineWindowHash({ engineId: 1, endCycle: 31, length: 30 }));
  });
});

describeEachDatabase('window and score persistence', (db) => {
  const shape = { source: 'CLIENT' as const, length: 2, sensors: ['sensor2', 'sensor3'] };
  const row = (n: number) => {
    const values = encodeValues([n, n + 1, n + 2, n + 3]);
    return { contentHash: `hash-${n}`, engineId: null, endCycle: null, values };
  };

  it('stores each window once and returns the ids of new and existing windows', async () => {
    const first = await upsertWindows(db().prisma, [row(1), row(2)], shape);
    expect(first.size).toBe(2);
    const second = await upsertWindows(db().prisma, [row(2), row(3)], shape);
    expect(second.get('hash-2')).toBe(first.get('hash-2'));
    expect(second.get('hash-3')).toBeDefined();
    expect(await db().prisma.window.count()).toBe(3);
    const stored = await db().prisma.window.findUniqueOrThrow({ where: { contentHash: 'hash-3' } });
    expect(stored).toMatchObject({ source: 'CLIENT', length: 2, sensors: ['sensor2', 'sensor3'], engineId: null });
    expect(Array.from(decodeValues(stored.values!))).toEqual([3, 4, 5, 6]);
  });

  it('stores a score once per window and version, and finds scores by hash', async () => {
    const version = await createVersion(db().prisma, 1);
    const ids = await upsertWindows(db().prisma, [row(1), row(2)], shape);
    const score = (hash: string, value: number) => ({
      windowId: ids.get(hash)!, engineId: null, endCycle: null, reconstructionError: value, score: value, threshold: 0.5,
      isAnomaly: value > 0.5, sensorErrors: new Float32Array([value / 2, value * 1.5]),
    });
    expect(await insertScores(db().prisma, version.id, [score('hash-1', 0.25), score('hash-2', 0.75)])).toBe(2);
    expect(await insertScores(db().prisma, version.id, [score('hash-1', 0.99)])).toBe(0);
    const found = await findScoresByHash(db().prisma, version.id, ['hash-1', 'hash-2', 'hash-unknown']);
    expect([...found.keys()].sort()).toEqual(['hash-1', 'hash-2']);
    expect(found.get('hash-1')).toMatchObject({ score: 0.25, isAnomaly: false, sensorErrors: [0.125, 0.375] });
    expect(found.get('hash-2')?.isAnomaly).toBe(true);
    const other = await createVersion(db().prisma, 2);
    expect((await findScoresByHash(db().prisma, other.id, ['hash-1'])).size).toBe(0);
  });

  it('stores scores bit for bit (no digit lost on the way to the database)', async () => {
    const version = await createVersion(db().prisma, 3);
    const ids = await upsertWindows(db().prisma, [row(9)], shape);
    const exact = 1.8973844051361084; // needs 17 significant digits
    await insertScores(db().prisma, version.id, [{
      windowId: ids.get('hash-9')!, engineId: null, endCycle: null, reconstructionError: exact, score: 0.1 + 0.2,
      threshold: exact / 3, isAnomaly: false, sensorErrors: [exact, 0.1 + 0.2],
    }]);
    const stored = (await findScoresByHash(db().prisma, version.id, ['hash-9'])).get('hash-9')!;
    expect([stored.reconstructionError, stored.score, stored.threshold]).toEqual([exact, 0.1 + 0.2, exact / 3]);
    expect(stored.sensorErrors).toEqual([exact, 0.1 + 0.2]);
  });

  it('stores engine windows without values', async () => {
    const engine = await db().prisma.engine.create({ data: { role: 'LIVE', externalId: 'ws-1' } });
    const hash = engineWindowHash({ engineId: engine.id, endCycle: 30, length: 30 });
    const ids = await upsertWindows(db().prisma, [{ contentHash: hash, engineId: engine.id, endCycle: 30, values: null }], {
      source: 'ENGINE', length: 30, sensors: [],
    });
    const stored = await db().prisma.window.findUniqueOrThrow({ where: { id: ids.get(hash) } });
    expect(stored).toMatchObject({ source: 'ENGINE', engineId: engine.id, endCycle: 30, values: null });
  });
});
