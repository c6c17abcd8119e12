// Which errors mean "the database is unreachable" (SERVICE_UNAVAILABLE) and which are ordinary failures.
import { Prisma } from '@prisma/client';
import { isDatabaseUnavailable } from './connection-errors';

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
