// What the HTTP upload endpoints (data imports, model version imports) share: the CSRF check and the
// early refusal of a request whose body is not read.
//
// CSRF: the same protection as Apollo's. A browser form cannot send an upload, because it needs a
// Content-Type other than the three a form may use (e.g. text/csv, application/json,
// application/octet-stream) or an apollo-require-preflight header.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type express from 'express';
import { AccessCode, errorBody } from '../graphql/errors';
import { sendJson, stateOf } from './requests';

const FORM_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
const PREFLIGHT_HEADERS = ['apollo-require-preflight', 'x-apollo-operation-name'];

/** Answers a refusal without reading the body. */
export function refuse(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): void {
  stateOf(res).outcome = code;
  // The body is not read: ask the client to close rather than send the rest of it on this connection.
  res.setHeader('Connection', 'close');
  sendJson(res, status, errorBody(code, message));
  req.resume();
}

/** Whether a browser could have sent this request without a preflight (a form post). */
function formLike(req: IncomingMessage): boolean {
  if (PREFLIGHT_HEADERS.some((name) => req.headers[name] !== undefined)) return false;
  const type = req.headers['content-type']?.split(';')[0].trim().toLowerCase();
  return type === undefined || type === '' || FORM_CONTENT_TYPES.has(type);
}

/**
 * Refuses (400) an upload a browser form could have sent, naming the Content-Types the endpoint takes
 * (e.g. "text/csv, application/gzip"); true when refused.
 */
export function refusedAsFormPost(req: IncomingMessage, res: ServerResponse, contentTypes: string): boolean {
  if (!formLike(req)) return false;
  refuse(
    req,
    res,
    400,
    AccessCode.BAD_REQUEST,
    `send the file with its own Content-Type (${contentTypes}...) or an apollo-require-preflight header`,
  );
  return true;
}

/** The query string's parameters, or the name of one given more than once. */
export function queryParameters(req: express.Request): Record<string, string> | string {
  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.query)) {
    if (typeof value !== 'string') return name;
    parameters[name] = value;
  }
  return parameters;
}
