// Connection places shared through PostgreSQL, as two API processes see them: a key's places are counted
// across processes, given back on release and on close, renewed by heartbeat, and not counted once their
// lease has run out. PGlite serves one process, whose own count is the count (localConnectionLeases).
import { randomUUID } from 'node:crypto';
import { createLogger } from '../observability/logger';
import { openTestDatabase, type TestDatabase } from '../../../test/support/databases';
import { localConnectionLeases, sharedConnectionLeases, type ConnectionLeases } from './connection-leases';

describe('WebSocket connection leases', () => {
  let testDatabase: TestDatabase;
  let keyId: number;
  const opened: ConnectionLeases[] = [];
  const leasesOf = (leaseMs?: number) => {
    const leases = sharedConnectionLeases(testDatabase.database, createLogger('silent'), leaseMs);
    opened.push(leases);
    return leases;
  };
  const rows = async () =>
    (
      await testDatabase.database.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM subscription_connections WHERE key_id = $1',
        [keyId],
      )
    )[0].count;

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
    keyId = (
      await testDatabase.database.prisma.apiKey.create({ data: { name: 'leases', prefix: 'ehk_leases', hash: 'x', roles: ['READER'] } })
    ).id;
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((leases) => leases.close()));
    await testDatabase.database.query('DELETE FROM subscription_connections');
  });

  afterAll(async () => {
    await testDatabase?.dispose();
  });

  it("counts a key's places over every process, and frees them on release and on a process's close", async () => {
    const [a, b] = [leasesOf(), leasesOf()];
    const first = await a.acquire(keyId, 2);
    expect(await b.acquire(keyId, 2)).toHaveProperty('id');
    expect(await b.acquire(keyId, 2)).toEqual({ held: 2 });
    expect(await a.acquire(keyId, 2)).toEqual({ held: 2 });
    await a.release((first as { id: string }).id);
    expect(await a.acquire(keyId, 2)).toHaveProperty('id');
    await a.close();
    expect(await rows()).toBe(1);
    expect(await b.acquire(keyId, 2)).toHaveProperty('id');
  });

  it('does not count a lease that has run out (a process that died), and deletes it', async () => {
    await testDatabase.database.query(
      `INSERT INTO subscription_connections (id, key_id, process_id, lease_until) VALUES ($1, $2, $3, now() - interval '1 second')`,
      [randomUUID(), keyId, randomUUID()],
    );
    const leases = leasesOf();
    expect(await leases.acquire(keyId, 1)).toHaveProperty('id');
    expect(await rows()).toBe(1);
  });

  it('renews its places by heartbeat, so that they outlive their first lease', async () => {
    const holder = leasesOf(3_000);
    expect(await holder.acquire(keyId, 1)).toHaveProperty('id');
    // Two lease lengths later, the place still counts: the heartbeat (every second) renewed it.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(await leasesOf().acquire(keyId, 1)).toEqual({ held: 1 });
  }, 30_000);

  it('counts only its own places on one process', async () => {
    const leases = localConnectionLeases();
    const place = await leases.acquire(keyId, 1);
    expect(await leases.acquire(keyId, 1)).toEqual({ held: 1 });
    await leases.release((place as { id: string }).id);
    expect(await leases.acquire(keyId, 1)).toHaveProperty('id');
  });
});
