// POST /graphql is answered before express (src/platform/http/graphql-route.ts); the same request to
// /graphql?via=express goes through express. Both must answer alike: status, content type, refusal
// headers and body, whether the body comes with a Content-Length or chunked.
import http from 'node:http';
import { openTestDatabase, type TestDatabase } from '../../../test/support/databases';
import { startTestServer, type TestServer } from '../../../test/support/http';
import { waitUntil } from '../../../test/support/requests';

interface Answer {
  status: number;
  contentType: string | undefined;
  wwwAuthenticate: string | undefined;
  requestId: string | undefined;
  body: unknown;
}

/** POSTs `body` to /graphql (before express) or to /graphql?via=express, with a Content-Length or chunked. */
function post(
  server: TestServer,
  body: string,
  headers: Record<string, string>,
  viaExpress: boolean,
  chunked = viaExpress,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${server.url}/graphql${viaExpress ? '?via=express' : ''}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...headers,
        ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(Buffer.byteLength(body)) }),
      },
    });
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: response.statusCode!,
          contentType: response.headers['content-type'],
          wwwAuthenticate: response.headers['www-authenticate'] as string | undefined,
          requestId: response.headers['x-request-id'] as string | undefined,
          body: JSON.parse(text),
        });
      });
    });
    if (chunked) {
      // Two chunks, so that the body really arrives in pieces.
      request.write(body.slice(0, 5));
      request.end(body.slice(5));
    } else {
      request.end(body);
    }
  });
}

describe('POST /graphql before express', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
    server = await startTestServer(testDatabase.database, { auth: { enabled: true, cacheTtlMs: 1000 } });
    key = (await server.app.apiKeys.create('route test', ['READER'])).key;
  });
  afterAll(async () => {
    await server?.close();
    await testDatabase?.dispose();
  });

  const cases: Array<[string, () => { body: string; headers: Record<string, string> }, number]> = [
    [
      'an authenticated query',
      () => ({ body: JSON.stringify({ query: '{ __typename }' }), headers: { authorization: `Bearer ${key}` } }),
      200,
    ],
    ['a GraphQL error', () => ({ body: JSON.stringify({ query: '{ nope }' }), headers: { authorization: `Bearer ${key}` } }), 400],
    ['no API key', () => ({ body: JSON.stringify({ query: '{ __typename }' }), headers: {} }), 401],
    ['a malformed API key', () => ({ body: JSON.stringify({ query: '{ __typename }' }), headers: { authorization: 'Bearer' } }), 401],
    ['a body that is not JSON', () => ({ body: '{"query": ', headers: { authorization: `Bearer ${key}` } }), 400],
    ['a JSON body that is not an object', () => ({ body: '"{ __typename }"', headers: { authorization: `Bearer ${key}` } }), 400],
    [
      'an Accept header without JSON',
      () => ({ body: JSON.stringify({ query: '{ __typename }' }), headers: { authorization: `Bearer ${key}`, accept: 'text/html' } }),
      406,
    ],
  ];

  test.each(cases)('%s: the same answer on both paths', async (_name, build, status) => {
    const { body, headers } = build();
    const withId = (id: string) => ({ ...headers, 'x-request-id': id });
    const viaExpress = await post(server, body, withId('route-test-express'), true);
    expect(viaExpress.status).toBe(status);
    expect(viaExpress.requestId).toBe('route-test-express');
    for (const chunked of [false, true]) {
      const fast = await post(server, body, withId('route-test-fast'), false, chunked);
      expect(fast.status).toBe(status);
      expect(fast.requestId).toBe('route-test-fast');
      expect(fast.contentType).toBe(viaExpress.contentType);
      expect(fast.wwwAuthenticate).toBe(viaExpress.wwwAuthenticate);
      expect(fast.body).toEqual(viaExpress.body);
    }
  });

  test('both paths count in the request metrics', async () => {
    const before = await server.app.metrics.registry.getSingleMetricAsString('engine_health_http_requests_total');
    const count = (text: string) =>
      text
        .split('\n')
        .filter((line) => line.includes('route="graphql"') && line.includes('status="200"'))
        .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    const query = JSON.stringify({ query: '{ __typename }' });
    await post(server, query, { authorization: `Bearer ${key}` }, false);
    await post(server, query, { authorization: `Bearer ${key}` }, true);
    // Counted when the response closes, which may be just after the client has read it.
    await waitUntil(
      () => server.app.metrics.registry.getSingleMetricAsString('engine_health_http_requests_total'),
      (after) => count(after) - count(before) === 2,
      5_000,
      'both requests counted',
    );
  });
});
