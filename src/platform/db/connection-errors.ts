// Recognises errors that mean "the database cannot be reached right now" (server down, restarting,
// connection lost, pool exhausted), whichever layer raised them: Prisma (P1001...), its driver adapter
// (DriverAdapterError kinds), or node-postgres itself; and a saturated pool, where a transaction waits
// longer than its budget to start or to finish. Such errors are reported to clients as
// SERVICE_UNAVAILABLE, and the service recovers by itself once the database is back or the load passes.

/** Prisma error codes for connectivity problems. */
const PRISMA_CODES = new Set([
  'P1001', // can't reach database server
  'P1002', // database server reached but timed out
  'P1008', // operations timed out
  'P1011', // error opening a TLS connection
  'P1017', // server has closed the connection
  'P2024', // timed out fetching a new connection from the pool
  'P2037', // too many database connections opened
]);

/** Kinds of @prisma/driver-adapter-utils errors for connectivity problems. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TlsConnectionError']);

/** Node socket errors. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * PostgreSQL SQLSTATEs: connection exceptions (class 08), operator intervention (57P01 admin shutdown,
 * 57P02 crash shutdown, 57P03 cannot connect now), too many connections (53300).
 */
function isConnectivitySqlState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

const MESSAGES = [
  /Connection terminated/i,
  /Client has encountered a connection error and is not queryable/i,
  /Client was closed and is not queryable/i,
  /terminating connection due to administrator command/i,
  /the database system is (starting up|shutting down|in recovery)/i,
  /timeout exceeded when trying to connect/i,
  /Can't reach database server/i,
  /Server has closed the connection/i,
];

/**
 * P2028 (interactive transaction API) is also raised for misuse of a transaction (one already closed,
 * not found): only its two budget overruns mean "too busy right now".
 */
const TRANSACTION_BUDGET_MESSAGES = [/Unable to start a transaction in the given time/i, /cannot be executed on an expired transaction/i];

interface ErrorLike {
  code?: unknown;
  kind?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
  originalError?: unknown;
}

function matches(error: ErrorLike): boolean {
  const code = typeof error.code === 'string' ? error.code : undefined;
  if (
    code !== undefined &&
    (PRISMA_CODES.has(code) || SOCKET_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isConnectivitySqlState(code)))
  ) {
    return true;
  }
  if (code === 'P2028' && typeof error.message === 'string') {
    return TRANSACTION_BUDGET_MESSAGES.some((pattern) => pattern.test(error.message as string));
  }
  if (typeof error.kind === 'string') {
    if (ADAPTER_KINDS.has(error.kind)) return true;
    if (error.kind === 'postgres' && typeof error.code === 'string' && isConnectivitySqlState(error.code)) return true;
  }
  const constructorName = (error as object).constructor?.name;
  if (constructorName === 'PrismaClientInitializationError') return true;
  return typeof error.message === 'string' && MESSAGES.some((pattern) => pattern.test(error.message as string));
}

/** Whether `error`, or anything it wraps, says the database is unreachable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const candidate = current as ErrorLike;
    if (matches(candidate)) return true;
    queue.push(candidate.cause, candidate.originalError, candidate.meta?.driverAdapterError);
    if (Array.isArray((current as { errors?: unknown }).errors)) queue.push(...(current as { errors: unknown[] }).errors); // AggregateError
  }
  return false;
}
