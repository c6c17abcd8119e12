// GraphQL subscriptions over the graphql-ws protocol, on the HTTP server's /graphql path (WebSocket
// upgrade). The API key goes in the connection_init payload ({ authorization: "Bearer <key>" }); every
// subscription is checked as an HTTP operation is (roles of each root field, validation), a connection
// holds at most SUBSCRIPTIONS_PER_CONNECTION of them and a key at most CONNECTIONS_PER_KEY connections
// (to every API process on a PostgreSQL database: connection-leases.ts). Queries and mutations stay on
// HTTP, where the rate and cost limits are.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { GraphQLError, getOperationAST, parse, specifiedRules, validate, type GraphQLSchema, type ValidationRule } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import { checkOperation, type RoleMap } from '../auth/access';
import { ANONYMOUS, type KeyVerifier, type Principal } from '../auth/principal';
import type { RateLimit } from '../auth/rate-limits';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../observability/logger';
import { LoaderCache, type RequestContext } from './context';
import { AccessCode, formatGraphQLError } from './errors';
import { UNLIMITED_SCORING } from './scoring-budget';
import { SharedSubscriptions, type MemberSink } from './shared-subscriptions';
import type { ConnectionLeases } from './connection-leases';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;
/** A client's close code for "authentication failed" (graphql-ws reserves 4400-4499 for such refusals). */
export const UNAUTHENTICATED_CLOSE_CODE = CloseCode.Unauthorized;

export const SUBSCRIPTION_LIMIT = 'SUBSCRIPTION_LIMIT';
export const CONNECTION_LIMIT = 'CONNECTION_LIMIT';
/**
 * The close code of a connection over its key's limit: 4429, which graphql-ws clients do not retry
 * (their "too many initialisation requests" code; the reason tells the two apart).
 */
export const CONNECTION_LIMIT_CLOSE_CODE = CloseCode.TooManyInitialisationRequests;

/** What a subscription's resolvers get: a request's context, and the process's events. */
export interface SubscriptionContext extends RequestContext {
  events: EventBus;
}

export interface SubscriptionServerOptions {
  server: http.Server;
  schema: GraphQLSchema;
  roles: RoleMap;
  events: EventBus;
  auth: { enabled: boolean; keys: KeyVerifier; failures: RateLimit };
  maxPerConnection: number;
  /** Connections one API key may hold at once (keys only: with authentication off, none is counted). */
  maxConnectionsPerKey: number;
  /** Where the connections of each key are counted: this process's, or every process's on the database. */
  leases: ConnectionLeases;
  validationRules: readonly ValidationRule[];
  logger: Logger;
  path?: string;
}

function refusal(code: string, message: string, extensions: Record<string, unknown> = {}): GraphQLError[] {
  return [new GraphQLError(message, { extensions: { code, ...extensions } })];
}

/** Serves subscriptions on `server`; returns what closes every connection. */
export function serveSubscriptions(options: SubscriptionServerOptions): { close(): Promise<void> } {
  const { schema, roles, events, auth, maxPerConnection, maxConnectionsPerKey, leases, logger } = options;
  const path = options.path ?? '/graphql';
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const principals = new WeakMap<object, Principal>();
  const shared = new SharedSubscriptions();
  /** The group of each subscription's execution arguments (what its results depend on). */
  const groupKeys = new WeakMap<object, string>();
  /** Where each subscription's results go: its id on its connection's socket. */
  const sinks = new WeakMap<object, MemberSink>();
  /** The lease of each acknowledged connection of a key: it counts from connection_init to its close. */
  const leaseIds = new WeakMap<object, string>();
  const upgrade = (request: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  options.server.on('upgrade', upgrade);

  const disposable = useServer<Record<string, unknown> | undefined>(
    {
      onConnect: async (ctx) => {
        if (!auth.enabled) {
          principals.set(ctx, ANONYMOUS);
          return true;
        }
        const header = ctx.connectionParams?.authorization;
        const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
        const clientKey = `${token ? 'ws-key' : 'ws-none'}@${ctx.extra.request.socket.remoteAddress ?? 'unknown'}`;
        const blocked = await auth.failures.exhausted(clientKey);
        const result = blocked.allowed && token ? await auth.keys.authenticate(token) : null;
        if (!result?.ok) {
          if (blocked.allowed) await auth.failures.consume(clientKey, 1);
          const reason = !blocked.allowed
            ? `${AccessCode.RATE_LIMITED}: too many failed authentications; retry later`
            : token
              ? `${AccessCode.UNAUTHENTICATED}: the API key is not valid (unknown, revoked or malformed)`
              : `${AccessCode.UNAUTHENTICATED}: send the API key in connection_init as { "authorization": "Bearer <key>" }`;
          ctx.extra.socket.close(UNAUTHENTICATED_CLOSE_CODE, reason);
          return false;
        }
        // A client gone while its key was checked was closed unacknowledged: counting it would never end.
        if (ctx.extra.socket.readyState !== WebSocket.OPEN) return false;
        const { keyId } = result.principal;
        if (keyId !== null) {
          const lease = await leases.acquire(keyId, maxConnectionsPerKey);
          if ('held' in lease) {
            // At most 123 bytes: the WebSocket limit of a close reason.
            const reason = `${CONNECTION_LIMIT}: this API key holds ${lease.held} connections (CONNECTIONS_PER_KEY): close one first`;
            ctx.extra.socket.close(CONNECTION_LIMIT_CLOSE_CODE, reason);
            return false;
          }
          if (ctx.extra.socket.readyState !== WebSocket.OPEN) {
            await leases.release(lease.id);
            return false;
          }
          leaseIds.set(ctx, lease.id);
        }
        principals.set(ctx, result.principal);
        return true;
      },
      onDisconnect: async (ctx) => {
        const id = leaseIds.get(ctx);
        if (id === undefined) return;
        leaseIds.delete(ctx);
        await leases.release(id);
      },
      onSubscribe: (ctx, id, payload) => {
        const principal = principals.get(ctx)!;
        const active = Object.keys(ctx.subscriptions).length;
        if (active > maxPerConnection) {
          return refusal(
            SUBSCRIPTION_LIMIT,
            `this connection already holds ${maxPerConnection} subscriptions (SUBSCRIPTIONS_PER_CONNECTION): complete one first`,
            { limit: maxPerConnection },
          );
        }
        let document;
        try {
          document = parse(payload.query, { maxTokens: 10_000 });
        } catch (error) {
          return refusal('GRAPHQL_PARSE_FAILED', (error as Error).message);
        }
        const errors = validate(schema, document, [...specifiedRules, ...options.validationRules]);
        if (errors.length > 0)
          return errors.map((error) => new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return refusal(AccessCode.BAD_REQUEST, 'no operation to run: name one of the document with operationName');
        if (operation.operation !== 'subscription') {
          return refusal(AccessCode.BAD_REQUEST, 'only subscriptions are served over WebSocket: send queries and mutations by HTTP POST');
        }
        try {
          checkOperation(schema, document, operation, payload.variables ?? undefined, principal, roles);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const requestId = randomUUID();
        const contextValue: SubscriptionContext = {
          requestId,
          principal,
          loaders: new LoaderCache(),
          scoringBudget: UNLIMITED_SCORING,
          events,
          state: {
            requestId,
            startedAt: process.hrtime.bigint(),
            logger: logger.child({ requestId, subscription: id }),
            principal,
            clientAddress: ctx.extra.request.socket.remoteAddress ?? 'unknown',
            operation: { name: operation.name?.value ?? null, type: 'subscription' },
            outcome: null,
          },
        };
        const args = { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
        groupKeys.set(
          args,
          JSON.stringify([[...principal.roles].sort(), payload.operationName ?? null, payload.variables ?? null, payload.query]),
        );
        const socket = ctx.extra.socket;
        sinks.set(args, {
          id,
          // Not awaited: what a slow reader has not taken waits in its socket's buffer (before, in its stream).
          send: (message) => {
            if (socket.readyState === WebSocket.OPEN) socket.send(message);
          },
        });
        return args;
      },
      // Results depend on the operation, its variables and the roles only: subscriptions alike share one
      // execution per event, run with the context of the first (its logger names that one), and one
      // serialisation of its result, written to each socket by the group (so graphql-ws's onNext and
      // jsonMessageReplacer options would not apply to them); graphql-ws passes on the arguments
      // onSubscribe returned.
      subscribe: (args) =>
        shared.subscribe(groupKeys.get(args)!, args, sinks.get(args)!, () => {
          // A group lives as long as its subscribers: each event is read with fresh batch loaders, not
          // from what the previous event cached.
          (args.contextValue as SubscriptionContext).loaders = new LoaderCache();
        }),
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatGraphQLError(error.toJSON(), error, false)),
    },
    wss,
  );
  return {
    close: async () => {
      options.server.off('upgrade', upgrade);
      // Closes every connection with 1001 (going away): clients reconnect, to another replica when draining.
      await disposable.dispose();
      await leases.close();
    },
  };
}
