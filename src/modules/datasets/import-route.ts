// POST /imports: the HTTP upload of a file to import. The body is the file itself (CSV, or gzip-compressed
// CSV), streamed into the database as it arrives, never held whole; the query string names the data set
// and the column mapping (see parseImportOptions). Answers 202 with the import's id at once; the import
// runs as a background job that clients follow with the datasetImport(id) query.
//
// Same API keys as GraphQL (the operator role), and the same CSRF protection as Apollo's (see
// platform/http/uploads.ts).
import { ApiRole } from '@prisma/client';
import express from 'express';
import type { Authenticate } from '../../platform/auth/authentication';
import { isDatabaseUnavailable } from '../../platform/db/connection-errors';
import { ServiceError } from '../../platform/errors';
import { AccessCode, UNAVAILABLE_MESSAGE, UNAVAILABLE_RETRY_AFTER_MS } from '../../platform/graphql/errors';
import { answerError } from '../../platform/http/endpoints';
import { sendJson, stateOf } from '../../platform/http/requests';
import { queryParameters, refuse, refusedAsFormPost } from '../../platform/http/uploads';
import { UploadTooLargeError, type DatasetImportService } from './dataset-import-service';
import { parseImportOptions } from './import-options';

export interface ImportRouteOptions {
  imports: DatasetImportService;
  authenticate: Authenticate;
  /** Largest upload accepted (IMPORT_BODY_LIMIT_BYTES). */
  bodyLimitBytes: number;
}

export function importRouter(options: ImportRouteOptions): express.Router {
  const { imports, authenticate, bodyLimitBytes } = options;
  const router = express.Router();
  router.post('/imports', async (req, res) => {
    try {
      if (refusedAsFormPost(req, res, 'text/csv, application/gzip, application/octet-stream')) return;
      if (!(await authenticate(req, res))) return;
      const principal = stateOf(res).principal!;
      if (!principal.roles.has(ApiRole.OPERATOR)) {
        refuse(req, res, 403, AccessCode.FORBIDDEN, 'this API key may not import data: it needs the operator role');
        return;
      }
      const parameters = queryParameters(req);
      if (typeof parameters === 'string') {
        refuse(req, res, 400, 'BAD_USER_INPUT', `query parameter "${parameters}" must be given once`);
        return;
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > bodyLimitBytes) {
        refuse(req, res, 413, AccessCode.PAYLOAD_TOO_LARGE, new UploadTooLargeError(bodyLimitBytes).message);
        return;
      }
      // Not destroyed when the upload stops early (over the limit): the refusal is answered on it.
      const body = req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
      const queued = await imports.upload(parseImportOptions(parameters), body, bodyLimitBytes);
      stateOf(res).outcome = 'success';
      sendJson(res, 202, {
        id: queued.id,
        status: queued.status,
        dataset: queued.dataset,
        fileName: queued.fileName,
        bytes: queued.bytes,
        follow: `query { datasetImport(id: ${queued.id}) { status rowsRead rowsWritten error { message line column } } }`,
      });
    } catch (error) {
      if (res.headersSent || req.socket.destroyed) return; // the client went away: the upload was rolled back
      if (error instanceof ServiceError) refuse(req, res, 400, error.code, error.message);
      else if (error instanceof UploadTooLargeError) refuse(req, res, 413, AccessCode.PAYLOAD_TOO_LARGE, error.message);
      else if (isDatabaseUnavailable(error)) {
        res.setHeader('Retry-After', String(Math.ceil(UNAVAILABLE_RETRY_AFTER_MS / 1000)));
        refuse(req, res, 503, AccessCode.SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE);
      } else answerError(res, error);
    }
  });
  return router;
}
