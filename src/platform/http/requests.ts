// Per-request bookkeeping: the request id (the client's X-Request-Id when well-formed, else a new
// UUID), returned in the X-Request-Id header of every response; requests in flight (for a graceful
// shutdown); one access-log line and the HTTP/GraphQL metrics when the response is done.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type express from 'express';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { Principal } from '../auth/principal';
import { errorBody, INTERNAL_ERROR_CODE } from '../graphql/errors';
import type { Operation } from '../observability/operations';

/** What the layers of one request learn about it, kept in res.locals. */
export interface RequestState {
  requestId: string;
  startedAt: bigint;
  /** Logger bound to the request id. */
  logger: Logger;
  /** Set by the authentication middleware. */
  principal: Principal | null;
  /** Client address (X-Forwarded-For is believed only as TRUST_PROXY allows). */
  clientAddress: string;
  /** Set once GraphQL has resolved the operation. */
  operation: { name: string | null; type: string } | null;
  /** "success" or the code of the first error; set by the GraphQL plugin or the layer that refused. */
  outcome: string | null;
}

const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Where the request's state lives: express's res.locals, which the fast GraphQL path also sets. */
interface WithLocals {
  locals?: Record<string, unknown>;
}

export function stateOf(res: ServerResponse): RequestState {
  return (res as WithLocals).locals!.state as RequestState;
}

/**
 * The request as an operation (../observability/operations.ts): an error nothing caught in its work
 * answers it 500 with its request id, or closes its connection when the answer has begun.
 */
export function requestOperation(res: ServerResponse): Operation {
  const state = () => (res as WithLocals).locals?.state as RequestState | undefined;
  return {
    kind: 'request',
    get id() {
      return state()?.requestId ?? 'unknown';
    },
    fail() {
      if (res.writableEnded) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const current = state();
      if (current) current.outcome = INTERNAL_ERROR_CODE;
      sendJson(res, 500, errorBody(INTERNAL_ERROR_CODE, 'Internal server error', { requestId: current?.requestId ?? null }));
    },
  };
}

/** Answers `body` as JSON (what express's res.status(status).json(body) sends, usable without express). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** Routes as metric labels (bounded). */
function routeOf(path: string): string {
  if (path === '/graphql') return 'graphql';
  if (path === '/health' || path === '/ready' || path === '/metrics' || path === '/imports') return path.slice(1);
  if (path === '/' || path.startsWith('/ide/')) return 'ide';
  if (path === '/model-versions/import') return 'model-version-import';
  if (path.startsWith('/model-versions/') && path.endsWith('/export')) return 'model-version-export';
  return 'other';
}

/** Codes for refusals that happened before GraphQL ran, from the HTTP status. */
function outcomeOfStatus(status: number): string {
  if (status < 400) return 'success';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 503) return 'SERVICE_UNAVAILABLE';
  if (status >= 500) return 'INTERNAL_SERVER_ERROR';
  return 'BAD_REQUEST';
}

export class RequestTracker {
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly responses = new Set<ServerResponse>();
  private draining = false;

  constructor(
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  /**
   * From now on every response (those in flight included, unless their headers are already out) asks
   * the client to close its connection, so keep-alive clients reconnect elsewhere.
   */
  drain(): void {
    this.draining = true;
    for (const res of this.responses) if (!res.headersSent) res.setHeader('Connection', 'close');
  }

  /** Resolves true once no request is in flight, or false after `timeoutMs`. */
  waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  readonly middleware: express.RequestHandler = (req, res, next) => {
    // Read the path now: routers mounted on a path rewrite req.url (and so req.path) while they run.
    this.begin(req, res, req.ip ?? req.socket.remoteAddress ?? 'unknown', req.path);
    next();
  };

  /** Starts tracking a request (the express middleware above, or the fast GraphQL path) and returns its state. */
  begin(req: IncomingMessage, res: ServerResponse, clientAddress: string, path: string): RequestState {
    const offered = req.headers['x-request-id'];
    const requestId = typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : randomUUID();
    const state: RequestState = {
      requestId,
      startedAt: process.hrtime.bigint(),
      logger: this.logger.child({ requestId }),
      principal: null,
      clientAddress,
      operation: null,
      outcome: null,
    };
    const withLocals = res as WithLocals;
    withLocals.locals ??= Object.create(null) as Record<string, unknown>;
    withLocals.locals.state = state;
    res.setHeader('X-Request-Id', requestId);
    if (this.draining) res.setHeader('Connection', 'close');
    this.active++;
    this.responses.add(res);
    let ended = false;
    res.once('close', () => {
      if (ended) return;
      ended = true;
      this.responses.delete(res);
      this.finish(req.method ?? 'GET', path, res, state);
    });
    return state;
  }

  private finish(method: string, path: string, res: ServerResponse, state: RequestState): void {
    this.active--;
    if (this.active === 0) for (const waiter of this.idleWaiters.splice(0)) waiter();
    const seconds = Number(process.hrtime.bigint() - state.startedAt) / 1e9;
    const route = routeOf(path);
    const status = res.writableFinished ? res.statusCode : 499; // 499: the client went away first
    this.metrics.httpRequests.inc({ route, method, status: String(status) });
    const outcome = state.outcome ?? outcomeOfStatus(status);
    const line: Record<string, unknown> = {
      method,
      path,
      status,
      latencyMs: Math.round(seconds * 1e4) / 10,
      clientAddress: state.clientAddress,
    };
    if (route === 'graphql') {
      const operation = state.operation ? this.metrics.operationLabel(state.operation.name) : 'unparsed';
      const type = state.operation?.type ?? 'unknown';
      this.metrics.graphqlRequests.inc({ operation, type, outcome });
      this.metrics.graphqlDuration.observe({ operation, type, outcome }, seconds);
      Object.assign(line, { operation: state.operation?.name ?? null, operationType: state.operation?.type ?? null, outcome });
    }
    if (state.principal?.prefix) line.keyPrefix = state.principal.prefix;
    // Probes and scrapes come every few seconds: keep them out of the info log.
    const quiet = route === 'health' || route === 'ready' || route === 'metrics' || route === 'ide';
    if (quiet && status < 500) state.logger.debug(line, 'request');
    else state.logger.info(line, 'request');
  }
}
