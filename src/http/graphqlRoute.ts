// POST /graphql: Accept check, JSON body, authentication, Apollo. Nearly every request is one of these,
// and express's per-request machinery cost more than Apollo itself (measured on `{ __typename }` at
// concurrency 64: 0.25 ms of serving thread a request behind express 5 and express.json against 0.11 ms
// on a bare http handler; ~0.06 ms of it is express swapping the request's and response's prototypes,
// ~0.04 ms its router, ~0.05 ms Apollo's Express integration). So a plain JSON POST to /graphql is taken
// here, before express; every other request (other routes and methods, a compressed, chunked, empty or
// non-UTF-8 body, a query string) goes through express, which runs the same checks through the same
// functions below.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type ContextFunction } from '@apollo/server';
import accepts from 'accepts';
import proxyAddr from 'proxy-addr';
import type { Authenticate } from '../auth/authentication';
import { AccessCode, errorBody } from '../graphql/errors';
import type { RequestContext } from '../graphql/context';
import { answerError } from './endpoints';
import { sendJson, stateOf, type RequestTracker } from './requests';

const GRAPHQL_MEDIA_TYPES = ['application/json', 'application/graphql-response+json'];

/**
 * Apollo checks Accept only after executing the operation: a mutation would run and its client be told
 * 406. Refuses (and answers) before anything runs; returns whether it did.
 */
export function refuseUnacceptable(req: IncomingMessage, res: ServerResponse): boolean {
  if (!req.headers.accept || accepts(req).type(GRAPHQL_MEDIA_TYPES)) return false;
  stateOf(res).outcome = AccessCode.BAD_REQUEST;
  sendJson(res, 406, errorBody(AccessCode.BAD_REQUEST, 'the Accept header must allow application/json or application/graphql-response+json'));
  return true;
}

/** Runs a GraphQL HTTP request through Apollo and writes its answer (what @as-integrations/express5 did). */
export async function answerGraphQL(
  apollo: ApolloServer<RequestContext>,
  context: ContextFunction<[ServerResponse], RequestContext>,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = req.url ?? '';
  const query = url.indexOf('?');
  const answer = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: query < 0 ? '' : url.slice(query), body },
    context: () => context(res),
  });
  for (const [name, value] of answer.headers) res.setHeader(name, value);
  res.statusCode = answer.status ?? 200;
  if (answer.body.kind === 'complete') {
    res.setHeader('Content-Length', Buffer.byteLength(answer.body.string));
    res.end(answer.body.string);
    return;
  }
  for await (const chunk of answer.body.asyncIterator) res.write(chunk);
  res.end();
}

/** An error the way body-parser reports one, so that answerError words it the same. */
function bodyError(status: number, type: string): Error {
  return Object.assign(new Error(type), { status, type });
}

/** The body of a request with a known Content-Length, parsed as strict JSON (an object or an array). */
function readJson(req: IncomingMessage, length: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received <= length) chunks.push(chunk);
    });
    req.on('aborted', () => reject(bodyError(400, 'request.aborted')));
    req.on('error', reject);
    req.on('end', () => {
      if (received !== length) return reject(bodyError(400, 'request.size.invalid'));
      const text = Buffer.concat(chunks, length).toString('utf8');
      const first = text.trimStart()[0];
      if (first !== '{' && first !== '[') return reject(bodyError(400, 'entity.parse.failed'));
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(bodyError(400, 'entity.parse.failed'));
      }
    });
  });
}

/** The Content-Length of a POST /graphql this path takes, or null when express should take it. */
function plainJsonLength(req: IncomingMessage, bodyLimitBytes: number): number | null {
  if (req.method !== 'POST' || req.url !== '/graphql') return null;
  const type = req.headers['content-type']?.toLowerCase().replace(/\s+/g, '');
  if (type !== 'application/json' && type !== 'application/json;charset=utf-8') return null;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return null;
  const declared = req.headers['content-length'];
  if (declared === undefined || !/^\d+$/.test(declared)) return null;
  const length = Number(declared);
  return length > 0 && length <= bodyLimitBytes ? length : null;
}

export interface GraphQLRouteOptions {
  apollo: ApolloServer<RequestContext>;
  context: ContextFunction<[ServerResponse], RequestContext>;
  tracker: RequestTracker;
  authenticate: Authenticate;
  bodyLimitBytes: number;
  /** express's compiled "trust proxy fn", so that the client address is the one express would see. */
  trustProxy: (address: string, hop: number) => boolean;
}

/** Takes (and answers) a plain JSON POST /graphql; returns false for any other request. */
export function createGraphQLFastPath(options: GraphQLRouteOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { apollo, context, tracker, authenticate, bodyLimitBytes, trustProxy } = options;
  return (req, res) => {
    const length = plainJsonLength(req, bodyLimitBytes);
    if (length === null) return false;
    tracker.begin(req, res, proxyAddr(req, trustProxy), '/graphql');
    if (refuseUnacceptable(req, res)) {
      req.resume();
      return true;
    }
    readJson(req, length)
      .then(async (body) => {
        if (await authenticate(req, res)) await answerGraphQL(apollo, context, req, res, body);
      })
      .catch((error: unknown) => {
        if (res.headersSent) res.destroy(error instanceof Error ? error : undefined);
        else answerError(res, error);
      });
    return true;
  };
}
