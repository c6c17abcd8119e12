// POST /graphql: Accept check, JSON body, authentication, Apollo. Nearly every request is one of these,
// and express's per-request machinery cost more than Apollo itself (measured on `{ __typename }` at
// concurrency 64: 0.25 ms of serving thread a request behind express 5 and express.json against 0.11 ms
// on a bare http handler; ~0.06 ms of it is express swapping the request's and response's prototypes,
// ~0.04 ms its router, ~0.05 ms Apollo's Express integration, next to nothing express.json). So a POST
// to /graphql is taken here, before express, with the same body parser; every other request (other
// routes and methods, a query string) goes through express, whose /graphql route runs the same checks
// through the same functions below.
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

export const RESPONSE_TOO_LARGE = 'RESPONSE_TOO_LARGE';

/**
 * Apollo checks Accept only after executing the operation: a mutation would run and its client be told
 * 406. Refuses (and answers) before anything runs; returns whether it did.
 */
export function refuseUnacceptable(req: IncomingMessage, res: ServerResponse): boolean {
  if (!req.headers.accept || accepts(req).type(GRAPHQL_MEDIA_TYPES)) return false;
  stateOf(res).outcome = AccessCode.BAD_REQUEST;
  sendJson(
    res,
    406,
    errorBody(AccessCode.BAD_REQUEST, 'the Accept header must allow application/json or application/graphql-response+json'),
  );
  return true;
}

/** An answer larger than HTTP_RESPONSE_LIMIT_BYTES is replaced by a typed error, never truncated. */
function refuseLargeAnswer(res: ServerResponse, bytes: number, limit: number): void {
  const state = stateOf(res);
  state.outcome = RESPONSE_TOO_LARGE;
  const mutation = state.operation?.type === 'mutation';
  sendJson(
    res,
    400,
    errorBody(
      RESPONSE_TOO_LARGE,
      `the answer is ${bytes} bytes, more than HTTP_RESPONSE_LIMIT_BYTES (${limit}): ask for less (a smaller page.limit, a cycles(from, to) ` +
        `range, fewer fields)${mutation ? '; the mutation itself ran and its changes are kept' : ''}`,
      { limit, requestId: state.requestId },
    ),
  );
}

/** Runs a GraphQL HTTP request through Apollo and writes its answer (what @as-integrations/express5 did). */
export async function answerGraphQL(
  apollo: ApolloServer<RequestContext>,
  context: ContextFunction<[ServerResponse], RequestContext>,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  responseLimitBytes: number,
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
    const bytes = Buffer.byteLength(answer.body.string);
    if (bytes > responseLimitBytes) return refuseLargeAnswer(res, bytes, responseLimitBytes);
    res.setHeader('Content-Length', bytes);
    res.end(answer.body.string);
    return;
  }
  for await (const chunk of answer.body.asyncIterator) res.write(chunk);
  res.end();
}

/** A connect-style body parser (express.json): sets req.body, or passes its refusal to `next`. */
export type BodyParser = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

export interface GraphQLRouteOptions {
  apollo: ApolloServer<RequestContext>;
  context: ContextFunction<[ServerResponse], RequestContext>;
  tracker: RequestTracker;
  authenticate: Authenticate;
  /** The JSON body parser of express's /graphql route (body limit, charsets, encodings, its refusals). */
  parseJson: BodyParser;
  /** express's compiled "trust proxy fn", so that the client address is the one express would see. */
  trustProxy: (address: string, hop: number) => boolean;
  responseLimitBytes: number;
}

/** Takes (and answers) POST /graphql; returns false for any other request. */
export function createGraphQLFastPath(options: GraphQLRouteOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { apollo, context, tracker, authenticate, parseJson, trustProxy, responseLimitBytes } = options;
  const fail = (res: ServerResponse, error: unknown) => {
    if (res.headersSent) res.destroy(error instanceof Error ? error : undefined);
    else answerError(res, error);
  };
  return (req, res) => {
    if (req.method !== 'POST' || req.url !== '/graphql') return false;
    tracker.begin(req, res, proxyAddr(req, trustProxy), '/graphql');
    if (refuseUnacceptable(req, res)) {
      req.resume();
      return true;
    }
    parseJson(req, res, (refusal) => {
      if (refusal !== undefined) return fail(res, refusal);
      authenticate(req, res)
        .then(async (authenticated) => {
          if (authenticated) await answerGraphQL(apollo, context, req, res, (req as { body?: unknown }).body, responseLimitBytes);
        })
        .catch((error: unknown) => fail(res, error));
    });
    return true;
  };
}
