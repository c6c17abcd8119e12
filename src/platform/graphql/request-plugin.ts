// The Apollo plugin of every GraphQL request: once the operation is known and before anything runs,
// refuses subscriptions (served over WebSocket, ./subscription-server.ts), checks roles, the input values (./input-checks.ts) and
// rate limits; records the operation for the access log and metrics, logs internal errors with the
// request id, adds that id to INTERNAL_SERVER_ERROR and SERVICE_UNAVAILABLE errors, and answers 503
// with Retry-After when the database is unavailable.
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerErrorCode, unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';
import { checkOperation, type RoleMap } from '../auth/access';
import type { Principal } from '../auth/principal';
import type { RateLimit, RateLimits } from '../auth/rate-limits';
import type { Metrics } from '../observability/metrics';
import type { RequestContext } from './context';
import { AccessCode, accessError, classifyError, INTERNAL_ERROR_CODE, UNAVAILABLE_RETRY_AFTER_MS } from './errors';
import { operationCost } from './cost';
import { checkInputs } from './input-checks';

const UNITS: Record<string, string> = { scoring: 'windows', training: 'training jobs' };

/** Whom the rate limits count for: the API key, or the client address when authentication is off. */
export function clientKeyOf(principal: Principal, clientAddress: string): string {
  return principal.keyId !== null ? `key:${principal.keyId}` : `ip:${clientAddress}`;
}

/** Takes `points` from `limit` for `clientKey`, or throws RATE_LIMITED (HTTP 429, Retry-After). */
export async function enforce(limit: RateLimit, clientKey: string, points: number, metrics: Metrics): Promise<void> {
  const decision = await limit.consume(clientKey, points);
  if (decision.allowed) return;
  metrics.rateLimited.inc({ limit: limit.name });
  const seconds = Math.ceil(decision.retryAfterMs / 1000);
  throw accessError(
    AccessCode.RATE_LIMITED,
    `rate limit exceeded: at most ${decision.limit} ${UNITS[limit.name] ?? 'requests'} per ${decision.periodSeconds} s for this ${clientKey.startsWith('key:') ? 'API key' : 'client address'}; retry in ${seconds} s`,
    429,
    { retryAfterMs: decision.retryAfterMs, limit: limit.name },
    { 'retry-after': String(seconds) },
  );
}

export interface RequestPluginOptions {
  roles: RoleMap;
  limits: RateLimits;
  metrics: Metrics;
  /** GRAPHQL_MAX_COST: the largest estimated cost (./cost.ts) an operation may have. */
  maxCost: number;
}

export function requestPlugin(options: RequestPluginOptions): ApolloServerPlugin<RequestContext> {
  const { roles, limits, metrics, maxCost } = options;
  return {
    async requestDidStart() {
      let training: { clientKey: string; taken: number; queued: number } | null = null;
      return {
        async didResolveOperation({ contextValue, operation, operationName, document, schema, request }) {
          if (!operation) return;
          contextValue.state.operation = { name: operationName ?? null, type: operation.operation };
          if (operation.operation === 'subscription') {
            throw accessError(
              AccessCode.BAD_REQUEST,
              'subscriptions are served over WebSocket (the graphql-ws protocol) at /graphql, not by HTTP requests',
              400,
            );
          }
          const cost = checkOperation(schema, document, operation, request.variables, contextValue.principal, roles);
          checkInputs(document, request.variables);
          const estimate = operationCost(schema, document, operation, request.variables);
          if (estimate > maxCost) {
            throw new GraphQLError(
              `the operation's estimated cost is ${Math.round(estimate)}, more than GRAPHQL_MAX_COST (${maxCost}): ask for fewer items ` +
                '(a smaller page.limit, a cycles(from, to) range, fewer engines with their trajectory or cycles, fewer aliases)',
              {
                extensions: {
                  code: ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED,
                  cost: Math.round(estimate),
                  maxCost,
                  http: { status: 400, headers: new Map() },
                },
              },
            );
          }
          const clientKey = clientKeyOf(contextValue.principal, contextValue.state.clientAddress);
          await enforce(limits.scoring, clientKey, cost.windows, metrics);
          await enforce(limits.training, clientKey, cost.trainingJobs, metrics);
          if (cost.trainingJobs > 0) training = { clientKey, taken: cost.trainingJobs, queued: 0 };
        },

        // Only queued jobs count against the training allowance: what a refused or unexecuted trainModel
        // took is given back when the response is sent (a typo must not lock a key out for the period).
        async executionDidStart() {
          if (!training) return;
          const counting = training;
          return {
            willResolveField({ info }) {
              if (info.parentType.name !== 'Mutation' || info.fieldName !== 'trainModel') return;
              return (error) => {
                if (!error) counting.queued++;
              };
            },
          };
        },

        async didEncounterErrors({ contextValue, errors }) {
          const { state } = contextValue;
          for (const error of errors) {
            const kind = classifyError(error);
            if (kind === 'internal') {
              state.logger.error(
                { err: unwrapResolverError(error), path: error.path, operation: state.operation?.name ?? null },
                'internal error',
              );
            } else if (kind === 'unavailable') {
              state.logger.warn({ err: unwrapResolverError(error), path: error.path }, 'database unavailable');
            }
          }
        },

        async willSendResponse({ contextValue, response }) {
          if (training && training.taken > training.queued)
            await limits.training.refund(training.clientKey, training.taken - training.queued);
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          const { state } = contextValue;
          state.outcome = errors && errors.length > 0 ? String(errors[0].extensions?.code ?? INTERNAL_ERROR_CODE) : 'success';
          if (!errors) return;
          let unavailable = false;
          for (const error of errors) {
            const code = error.extensions?.code;
            if (code === AccessCode.SERVICE_UNAVAILABLE) unavailable = true;
            if (code === INTERNAL_ERROR_CODE || code === AccessCode.SERVICE_UNAVAILABLE) {
              (error as { extensions: Record<string, unknown> }).extensions = { ...error.extensions, requestId: state.requestId };
            }
          }
          if (unavailable) {
            response.http.status = 503;
            response.http.headers.set('retry-after', String(Math.ceil(UNAVAILABLE_RETRY_AFTER_MS / 1000)));
          }
        },
      };
    },
  };
}
