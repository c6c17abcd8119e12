// Rate limits shared through PostgreSQL: two RateLimit instances on one database stand for two replicas.
import { openTestDatabase, type TestDatabase } from '../../../test/support/databases';
import { RateLimit, type RateLimitStore } from './rate-limits';

describe('rate limits shared by the replicas through PostgreSQL', () => {
  let testDatabase: TestDatabase;
  const limits: RateLimit[] = [];
  const store = (): RateLimitStore => ({ kind: 'postgresql', pool: testDatabase.database.pool!, syncIntervalMs: 20 });
  const replica = (points: number) => {
    const limit = new RateLimit('scoring', { points, periodSeconds: 3600 }, store());
    limits.push(limit);
    return limit;
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 80)); // a few sync intervals

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
  });
  afterAll(async () => {
    for (const limit of limits) limit.close();
    await testDatabase?.dispose();
  });

  it('holds one allowance across replicas: what one takes, the other cannot', async () => {
    const [a, b] = [replica(100), replica(100)];
    expect(await a.consume('key:1', 60)).toEqual({ allowed: true });
    expect(await b.consume('key:1', 60)).toMatchObject({ allowed: false, limit: 100, retryAfterMs: expect.any(Number) });
    expect(await b.consume('key:1', 40)).toEqual({ allowed: true });
    await settle();
    expect(await a.consume('key:1', 1)).toMatchObject({ allowed: false });
    expect(await b.consume('key:1', 1)).toMatchObject({ allowed: false });
    // Another client has its own allowance.
    expect(await a.consume('key:2', 100)).toEqual({ allowed: true });
  });

  it('decides small requests locally and stays within a tenth of the limit per replica of it', async () => {
    const [a, b] = [replica(200), replica(200)];
    let admitted = 0;
    for (let round = 0; round < 300; round++) {
      for (const limit of [a, b]) if ((await limit.consume('key:3', 1)).allowed) admitted++;
      if (round % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(admitted).toBeGreaterThanOrEqual(200);
    expect(admitted).toBeLessThanOrEqual(200 + 2 * 20);
    await settle();
    const [row] = await testDatabase.database.query<{ points: number }>(`SELECT points FROM rate_limits WHERE key = 'scoring:key:3'`);
    expect(row.points).toBe(admitted);
  });

  it('gives refunded points back to every replica', async () => {
    const [a, b] = [replica(10), replica(10)];
    expect(await a.consume('key:4', 10)).toEqual({ allowed: true });
    expect(await b.consume('key:4', 1)).toMatchObject({ allowed: false });
    await a.refund('key:4', 4);
    await settle();
    expect(await b.consume('key:4', 4)).toEqual({ allowed: true });
    expect(await b.consume('key:4', 1)).toMatchObject({ allowed: false });
  });

  it('tells every replica that a client is locked out (exhausted)', async () => {
    const [a, b] = [replica(3), replica(3)];
    for (let attempt = 0; attempt < 3; attempt++) expect(await a.consume('bad@10.0.0.1', 1)).toEqual({ allowed: true });
    await settle();
    expect(await b.exhausted('bad@10.0.0.1')).toMatchObject({ allowed: false });
    expect(await b.exhausted('good@10.0.0.1')).toEqual({ allowed: true });
  });
});
