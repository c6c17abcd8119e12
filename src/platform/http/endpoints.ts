// /metrics (optionally behind a bearer token), JSON answers for unknown routes, and the last error
// handler: refusals of the body parser (too large, not JSON) keep their 4xx status; anything else is
// logged with the request id and answered 500 without internals.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import express from 'express';
import { AccessCode, errorBody, INTERNAL_ERROR_CODE } from '../graphql/errors';
import type { Metrics } from '../observability/metrics';
import { sendJson, stateOf } from './requests';

function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

export function metricsRouter(metrics: Metrics, token: string | null): express.Router {
  const router = express.Router();
  router.get('/metrics', async (req, res, next) => {
    if (token !== null) {
      const presented = /^Bearer[ \t]+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
      if (!presented || !sameSecret(presented, token)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        res
          .status(401)
          .json(errorBody(AccessCode.UNAUTHENTICATED, 'the metrics token is required: send it as "Authorization: Bearer <METRICS_TOKEN>"'));
        return;
      }
    }
    try {
      const body = await metrics.registry.metrics();
      res.set('Content-Type', metrics.registry.contentType).set('Cache-Control', 'no-store').send(body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

export const notFoundHandler: express.RequestHandler = (req, res) => {
  res.status(404).json(errorBody('NOT_FOUND', `no route ${req.method} ${req.path}: the API is POST /graphql`));
};

interface HttpError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

export const errorHandler: express.ErrorRequestHandler = (error: unknown, _req, res, next) => {
  if (res.headersSent) {
    next(error);
    return;
  }
  answerError(res, error);
};

/** The answer to an error before or outside GraphQL: 4xx kept with a plain message, else 500, logged. */
export function answerError(res: ServerResponse, error: unknown): void {
  const state = stateOf(res);
  const httpError = (error ?? {}) as HttpError;
  const status = httpError.status ?? httpError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = status === 413 ? AccessCode.PAYLOAD_TOO_LARGE : AccessCode.BAD_REQUEST;
    const messages: Record<string, string> = {
      'entity.too.large': 'the request body is larger than HTTP_BODY_LIMIT_BYTES allows',
      'entity.parse.failed': 'the request body is not valid JSON',
      'encoding.unsupported': 'unsupported Content-Encoding: send identity, gzip, deflate or br',
      'charset.unsupported': 'unsupported charset: send UTF-8 JSON',
      'request.aborted': 'the request was aborted',
      'request.size.invalid': 'the request body does not match its Content-Length',
    };
    state.outcome = code;
    sendJson(res, status, errorBody(code, messages[httpError.type ?? ''] ?? 'bad request'));
    return;
  }
  state.logger.error({ err: error }, 'unhandled error');
  state.outcome = INTERNAL_ERROR_CODE;
  sendJson(res, 500, errorBody(INTERNAL_ERROR_CODE, 'Internal server error', { requestId: state.requestId }));
}
