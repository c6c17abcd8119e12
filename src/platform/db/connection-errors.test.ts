// Which errors mean "the database is unreachable" (SERVICE_UNAVAILABLE) and which are ordinary failures.
import { Prisma } from '@prisma/client';
import { isDatabaseUnavailable } from './connection-errors';
import { openPostgres, type Database } from './database';
import { createDatabaseFromTemplate } from '../../../test/support/postgres';

const known = (code: string, meta?: Record<string, unknown>) =>
  new Prisma.PrismaClientKnownRequestError('failed', { code, clientVersion: '6.19.3', meta });
const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: 'connect', errno: -111 });
const postgresError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['Prisma: cannot reach the server (P1001)', known('P1001')],
    ['Prisma: pool timeout (P2024)', known('P2024')],
    ['Prisma: server closed the connection (P1017)', known('P1017')],
    [
      'a raw query wrapping an unreachable adapter',
      known('P2010', {
        driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'DatabaseNotReachable', host: 'db', port: 5432 } },
      }),
    ],
    ['adapter: connection closed', known('P2010', { driverAdapterError: { cause: { kind: 'ConnectionClosed' } } })],
    ['adapter: postgres admin shutdown', known('P2010', { driverAdapterError: { cause: { kind: 'postgres', code: '57P01' } } })],
    ['pg: connection refused', socketError('ECONNREFUSED')],
    ['pg: connection reset', socketError('ECONNRESET')],
    ['pg: terminated by the administrator (57P01)', postgresError('57P01', 'terminating connection due to administrator command')],
    ['pg: starting up (57P03)', postgresError('57P03', 'the database system is starting up')],
    ['pg: too many connections (53300)', postgresError('53300', 'sorry, too many clients already')],
    ['pg: connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['pg: pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['Prisma: initialisation', new Prisma.PrismaClientInitializationError("Can't reach database server", '6.19.3')],
    ['a wrapped cause', new Error('outer', { cause: socketError('ECONNREFUSED') })],
  ])('recognises %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique constraint violation', known('P2002')],
    ['a missing record', known('P2025')],
    ['a missing table', known('P2021')],
    [
      'a transaction used after it closed (P2028)',
      new Prisma.PrismaClientKnownRequestError('Transaction API error: Transaction not found.', { code: 'P2028', clientVersion: '6.19.3' }),
    ],
    ['a serialization failure', postgresError('40001', 'could not serialize access')],
    ['a syntax error', postgresError('42601', 'syntax error at or near "SELEC"')],
    ['a plain error', new Error('boom')],
    ['not an error', 'ECONNREFUSED'],
    ['null', null],
  ])('does not take %s for an outage', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('survives cyclic causes', () => {
    const error = new Error('cyclic') as Error & { cause?: unknown };
    error.cause = error;
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('a saturated pool, on a real PostgreSQL', () => {
  let database: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const created = await createDatabaseFromTemplate();
    drop = created.drop;
    database = await openPostgres(created.url, 1);
  });
  afterAll(async () => {
    await database.close();
    await drop();
  });

  it('takes a transaction that cannot start within its budget, or outlives it, for SERVICE_UNAVAILABLE', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The holder takes the pool's one connection and keeps it past its own budget; the second waits for
    // the connection longer than its maxWait.
    const holder = database.prisma.$transaction(() => held, { timeout: 1000 }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const notStarted = await database.prisma.$transaction(async () => 1, { maxWait: 200 }).catch((error: unknown) => error);
    release();
    const expired = await holder;
    for (const error of [notStarted, expired]) {
      expect(error).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
      expect((error as Prisma.PrismaClientKnownRequestError).code).toBe('P2028');
      expect(isDatabaseUnavailable(error)).toBe(true);
    }
  });
});
