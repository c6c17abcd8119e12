// GET /model-versions/:id/export: a version's portable file, as a download (reader role, like reading
// versions). POST /model-versions/import?activate=true&alias=champion: registers the version a portable
// file holds (operator or admin role); the body is the file, read up to MAX_PORTABLE_FILE_BYTES and
// checked whole before anything is written. Answers 201 with the new version. Same API keys as GraphQL,
// and the CSRF protection of the uploads (platform/http/uploads.ts).
import { ApiRole } from '@prisma/client';
import express from 'express';
import type { Authenticate } from '../../platform/auth/authentication';
import { isDatabaseUnavailable } from '../../platform/db/connection-errors';
import { ServiceError } from '../../platform/errors';
import { AccessCode, UNAVAILABLE_MESSAGE, UNAVAILABLE_RETRY_AFTER_MS } from '../../platform/graphql/errors';
import { answerError } from '../../platform/http/endpoints';
import { sendJson, stateOf } from '../../platform/http/requests';
import { queryParameters, refuse, refusedAsFormPost } from '../../platform/http/uploads';
import { importOptionsOf, type ModelVersionTransfer } from './model-version-transfer';
import { MAX_PORTABLE_FILE_BYTES } from './portable-version';

export interface TransferRouteOptions {
  transfer: ModelVersionTransfer;
  authenticate: Authenticate;
}

class FileTooLargeError extends Error {
  constructor() {
    super(`the file is larger than the ${MAX_PORTABLE_FILE_BYTES} bytes a model version file may hold`);
  }
}

/** The body, refused past `limit` bytes without reading the rest. */
async function readBounded(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) throw new FileTooLargeError();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function transferRouter(options: TransferRouteOptions): express.Router {
  const { transfer, authenticate } = options;
  const router = express.Router();

  /** Runs a route, answering service errors as 400 (404 for NOT_FOUND) and an unavailable database as 503. */
  const handle =
    (route: (req: express.Request, res: express.Response) => Promise<void>) => async (req: express.Request, res: express.Response) => {
      try {
        await route(req, res);
      } catch (error) {
        if (res.headersSent || req.socket.destroyed) return;
        if (error instanceof ServiceError) refuse(req, res, error.code === 'NOT_FOUND' ? 404 : 400, error.code, error.message);
        else if (error instanceof FileTooLargeError) refuse(req, res, 413, AccessCode.PAYLOAD_TOO_LARGE, error.message);
        else if (isDatabaseUnavailable(error)) {
          res.setHeader('Retry-After', String(Math.ceil(UNAVAILABLE_RETRY_AFTER_MS / 1000)));
          refuse(req, res, 503, AccessCode.SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE);
        } else answerError(res, error);
      }
    };

  router.get(
    '/model-versions/:id/export',
    handle(async (req, res) => {
      if (!(await authenticate(req, res))) return;
      if (!stateOf(res).principal!.roles.has(ApiRole.READER)) {
        refuse(req, res, 403, AccessCode.FORBIDDEN, 'this API key may not read model versions: it needs the reader role');
        return;
      }
      const id = String(req.params.id);
      if (!/^\d{1,9}$/.test(id)) {
        refuse(req, res, 400, 'BAD_USER_INPUT', `"${id}" is not a model version id`);
        return;
      }
      const exported = await transfer.exportVersion(Number(id));
      stateOf(res).outcome = 'success';
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${exported.fileName}"`);
      res.setHeader('Content-Length', Buffer.byteLength(exported.text));
      res.end(exported.text);
    }),
  );

  router.post(
    '/model-versions/import',
    handle(async (req, res) => {
      if (refusedAsFormPost(req, res, 'application/json, application/octet-stream')) return;
      if (!(await authenticate(req, res))) return;
      const { roles } = stateOf(res).principal!;
      if (!roles.has(ApiRole.OPERATOR) && !roles.has(ApiRole.ADMIN)) {
        refuse(req, res, 403, AccessCode.FORBIDDEN, 'this API key may not import model versions: it needs the operator or admin role');
        return;
      }
      const parameters = queryParameters(req);
      if (typeof parameters === 'string') {
        refuse(req, res, 400, 'BAD_USER_INPUT', `query parameter "${parameters}" must be given once`);
        return;
      }
      const importOptions = importOptionsOf(parameters);
      if (Number(req.headers['content-length'] ?? 0) > MAX_PORTABLE_FILE_BYTES) throw new FileTooLargeError();
      // Not destroyed when the upload stops early (over the limit): the refusal is answered on it.
      const text = await readBounded(req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>, MAX_PORTABLE_FILE_BYTES);
      const version = await transfer.importVersion(text, importOptions);
      stateOf(res).outcome = 'success';
      sendJson(res, 201, {
        id: version.id,
        version: version.version,
        name: version.name,
        kind: version.kind,
        isActive: version.isActive,
        threshold: version.threshold,
      });
    }),
  );
  return router;
}
