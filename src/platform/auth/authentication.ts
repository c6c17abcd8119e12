// Authentication of GraphQL requests: `Authorization: Bearer <API key>`. Runs before GraphQL parses
// anything, so an anonymous client learns nothing about the schema or the data. A client that keeps
// presenting bad keys is slowed down (RATE_LIMIT_AUTH_FAILURES), counted per key prefix (the part of a
// key that is safe to log; "none" or "malformed" when there is none) and client address: one bad
// client never locks out the valid keys of others behind the same address (a proxy without TRUST_PROXY,
// a NAT). Keys are 256-bit secrets, so the limit protects the service's work, not the keys.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type express from 'express';
import { isDatabaseUnavailable } from '../db/connection-errors';
import { AccessCode, errorBody, UNAVAILABLE_MESSAGE, UNAVAILABLE_RETRY_AFTER_MS } from '../graphql/errors';
import { sendJson, stateOf } from '../http/requests';
import type { Metrics } from '../observability/metrics';
import { ANONYMOUS, type KeyVerifier } from './principal';
import type { RateLimit } from './rate-limits';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export interface AuthenticationOptions {
  enabled: boolean;
  keys: KeyVerifier;
  failures: RateLimit;
  metrics: Metrics;
}

function refuse(res: ServerResponse, status: number, code: string, message: string, extensions: Record<string, unknown> = {}): void {
  stateOf(res).outcome = code;
  sendJson(res, status, errorBody(code, message, extensions));
}

/**
 * Authenticates a request whose tracking has begun (see RequestTracker.begin): resolves true with
 * the principal in its state, or false once it has answered the refusal itself. Other errors reject.
 */
export type Authenticate = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function authenticationMiddleware(authenticate: Authenticate): express.RequestHandler {
  return (req, res, next) => {
    authenticate(req, res).then((authenticated) => authenticated && next(), next);
  };
}

export function createAuthenticate(options: AuthenticationOptions): Authenticate {
  const { enabled, keys, failures, metrics } = options;
  return async (req, res) => {
    const state = stateOf(res);
    if (!enabled) {
      state.principal = ANONYMOUS;
      return true;
    }
    const header = req.headers.authorization;
    const token = header ? BEARER.exec(header)?.[1] : undefined;
    const prefix = token ? keys.prefixOf(token) : null;
    const clientKey = `${prefix ?? (header ? 'malformed' : 'none')}@${state.clientAddress}`;
    const unauthenticated = async (reason: string, message: string) => {
      metrics.authFailures.inc({ reason });
      await failures.consume(clientKey, 1);
      res.setHeader('WWW-Authenticate', 'Bearer realm="engine-health"');
      refuse(res, 401, AccessCode.UNAUTHENTICATED, message);
    };
    try {
      const blocked = await failures.exhausted(clientKey);
      if (!blocked.allowed) {
        metrics.rateLimited.inc({ limit: 'auth_failures' });
        res.setHeader('Retry-After', String(Math.ceil(blocked.retryAfterMs / 1000)));
        refuse(res, 429, AccessCode.RATE_LIMITED, 'too many failed authentications with this key from this address; retry later', {
          retryAfterMs: blocked.retryAfterMs,
        });
        return false;
      }
      if (!header) {
        await unauthenticated('missing', 'an API key is required: send it as "Authorization: Bearer <key>"');
        return false;
      }
      const result = token ? await keys.authenticate(token) : ({ ok: false, reason: 'malformed' } as const);
      if (!result.ok) {
        state.logger.warn({ reason: result.reason, keyPrefix: prefix, clientAddress: state.clientAddress }, 'API key refused');
        await unauthenticated(result.reason, 'the API key is not valid (unknown, revoked or malformed)');
        return false;
      }
      state.principal = result.principal;
      return true;
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        state.logger.warn({ err: error }, 'cannot verify an API key: the database is unavailable');
        res.setHeader('Retry-After', String(Math.ceil(UNAVAILABLE_RETRY_AFTER_MS / 1000)));
        refuse(res, 503, AccessCode.SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE, {
          retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS,
          requestId: state.requestId,
        });
        return false;
      }
      throw error;
    }
  };
}
