// The GraphQL IDE (GraphiQL from node_modules) at GET /graphql for browsers, next to the GraphQL API
// itself; the browser test runs Debian's Chromium (skipped, loudly, where none is installed: see
// test/support/browser.ts) and fails on any request leaving the loopback host.
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEFAULT_IDE_QUERY } from './graphql-ide';
import { importSubset } from '../../modules/datasets/import-service';
import { writeSubsetFolder } from '../../../test/support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../../../test/support/databases';
import { startTestServer, type TestServer } from '../../../test/support/http';
import { describeInBrowser } from '../../../test/support/browser';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// What Chromium sends when navigating to a page.
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const ENGINES_QUERY = '{ engines { totalCount } }';
// The fixture: the first 3 FD001 units, as training and as test engines.
const UNITS = 3;

let testDatabase: TestDatabase;
let server: TestServer;
let datasetDir: string;

beforeAll(async () => {
  testDatabase = await openTestDatabase('embedded');
  datasetDir = writeSubsetFolder(UNITS);
  await importSubset(testDatabase.database.prisma, 'FD001', datasetDir);
  server = await startTestServer(testDatabase.database);
});

afterAll(async () => {
  await server?.close();
  await testDatabase?.dispose();
  if (datasetDir) fs.rmSync(datasetDir, { recursive: true, force: true });
});

function getGraphQL(query: string, headers: Record<string, string>, baseUrl = server.url): Promise<Response> {
  return fetch(`${baseUrl}/graphql?${new URLSearchParams({ query })}`, { headers });
}

describe('the IDE over HTTP', () => {
  it('serves the IDE page to browsers at GET /graphql, with same-origin assets only', async () => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('vary')).toMatch(/accept/i);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/); // no inline script
    expect(html).toContain('data-endpoint="/graphql"');

    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]).filter((url) => url !== 'data:,');
    expect(urls).toHaveLength(6);
    for (const url of urls) {
      expect(url).toMatch(/^\/ide\/assets\/[a-z-]+\.[0-9a-f]{12}\.(js|css)$/);
      const asset = await fetch(`${server.url}${url}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toBe(url.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(asset.headers.get('content-encoding')).toBe('gzip'); // fetch asks for gzip and inflates
      expect((await asset.text()).length).toBeGreaterThan(100);
    }
    const unknown = await fetch(`${server.url}/ide/assets/graphiql.000000000000.js`);
    expect(unknown.status).toBe(404);
  });

  it('keeps GET /graphql?query= for API clients, behind Apollo CSRF prevention', async () => {
    // Apollo blocks a GET that a browser could send cross-site without a preflight: it needs a
    // non-simple content-type or a non-empty apollo-require-preflight (or x-apollo-operation-name) header.
    const blocked = await getGraphQL(ENGINES_QUERY, { accept: 'application/json' });
    expect(blocked.status).toBe(400);
    expect(((await blocked.json()) as any).errors[0].message).toMatch(/Cross-Site Request Forgery/);

    const preflighted: Record<string, string>[] = [
      { accept: 'application/json', 'apollo-require-preflight': 'true' },
      { accept: 'application/json', 'content-type': 'application/json' },
      { 'apollo-require-preflight': 'true' }, // no Accept header at all, like plain curl (*/*)
    ];
    for (const headers of preflighted) {
      const response = await getGraphQL(ENGINES_QUERY, headers);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({ data: { engines: { totalCount: 2 * UNITS } } });
    }

    const graphqlResponse = await getGraphQL(ENGINES_QUERY, {
      accept: 'application/graphql-response+json',
      'apollo-require-preflight': 'true',
    });
    expect(graphqlResponse.status).toBe(200);
    expect(graphqlResponse.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect(await graphqlResponse.json()).toEqual({ data: { engines: { totalCount: 2 * UNITS } } });
  });

  it('sends POST to Apollo whatever the Accept header', async () => {
    const response = await server.graphql(ENGINES_QUERY, undefined, { accept: BROWSER_ACCEPT });
    expect(response).toEqual({ status: 200, data: { engines: { totalCount: 2 * UNITS } } });
  });

  it('opens with a default query that runs against the schema', async () => {
    const response = await server.graphql(DEFAULT_IDE_QUERY);
    expect(response.errors).toBeUndefined();
    expect(response.data.engines.totalCount).toBe(UNITS);
    expect(response.data.engines.items[0].cycles).toHaveLength(2);
  });
});

describe('the IDE switched off', () => {
  let disabledServer: TestServer;
  beforeAll(async () => {
    disabledServer = await startTestServer(testDatabase.database, { graphqlIde: false });
  });
  afterAll(() => disabledServer?.close());

  it('serves no HTML and no assets; the API still answers', async () => {
    const page = await fetch(`${disabledServer.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    // Apollo's landing page is disabled too, so a browser gets Apollo's CSRF refusal as JSON.
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await page.text()).not.toContain('<html');

    const withQuery = await getGraphQL(ENGINES_QUERY, { accept: BROWSER_ACCEPT, 'apollo-require-preflight': 'true' }, disabledServer.url);
    expect(withQuery.status).toBe(200);
    expect(await withQuery.json()).toEqual({ data: { engines: { totalCount: 2 * UNITS } } });

    const html = await fetch(`${server.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    const assetUrl = /src="(\/ide\/assets\/[^"]+)"/.exec(await html.text())![1];
    expect((await fetch(`${disabledServer.url}${assetUrl}`)).status).toBe(404);
  });
});

function isLoopback(url: URL): boolean {
  if (['data:', 'blob:', 'about:'].includes(url.protocol)) return true;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

async function poll<T>(description: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

/** Contents of a GraphiQL CodeMirror editor (query or response). */
function editorValue(page: Page, selector: string): Promise<string | null> {
  return page.evaluate((css) => {
    // Runs in the page (the test's TypeScript has no DOM types).
    const element = (globalThis as any).document.querySelector(css) as { CodeMirror?: { getValue(): string } } | null;
    return element?.CodeMirror ? element.CodeMirror.getValue() : null;
  }, selector);
}

const QUERY_EDITOR = '.graphiql-query-editor .CodeMirror';
const RESPONSE_EDITOR = '.graphiql-response .CodeMirror';

function parseJson(text: string | null): any {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

describeInBrowser('the IDE in Chromium, offline', (chromiumPath) => {
  let browser: Browser;
  let context: BrowserContext;
  const requests: string[] = [];
  const blocked: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
    context = await browser.newContext();
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (isLoopback(url)) {
        await route.continue();
      } else {
        blocked.push(url.href);
        await route.abort('blockedbyclient');
      }
    });
    context.on('request', (request) => requests.push(`${request.method()} ${request.url()}`));
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
  });

  it('loads GraphiQL, runs the default query and a typed query against the server', async () => {
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });

    const response = await page.goto(`${server.url}/graphql`);
    expect(response?.status()).toBe(200);
    await page.locator(QUERY_EDITOR).waitFor({ timeout: 15_000 });
    expect(await editorValue(page, QUERY_EDITOR)).toBe(DEFAULT_IDE_QUERY);

    // The default query, run as it opens.
    const execute = page.locator('button.graphiql-execute-button');
    await execute.click();
    const first = await poll(
      'the default query result',
      async () => parseJson(await editorValue(page, RESPONSE_EDITOR)),
      (value) => value?.data?.engines !== undefined,
    );
    expect(first.errors).toBeUndefined();
    expect(first.data.engines.totalCount).toBe(UNITS);
    expect(first.data.engines.items.map((engine: { unit: number }) => engine.unit)).toEqual([1, 2, 3]);

    // A query typed in the editor (CodeMirror closes brackets: typing '}' steps over the inserted one).
    await page.locator(QUERY_EDITOR).click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type(ENGINES_QUERY);
    await page.keyboard.press('Escape'); // close any autocompletion popup
    expect(await editorValue(page, QUERY_EDITOR)).toBe(ENGINES_QUERY);
    await execute.click();
    const second = await poll(
      'the typed query result',
      async () => parseJson(await editorValue(page, RESPONSE_EDITOR)),
      (value) => value?.data?.engines?.items === undefined && value?.data?.engines !== undefined,
    );
    expect(second).toEqual({ data: { engines: { totalCount: 2 * UNITS } } });
    // The result pane shows it too (not only the editor's model).
    await expect(page.locator('.graphiql-response').innerText()).resolves.toContain(`"totalCount": ${2 * UNITS}`);

    // The schema was introspected: the documentation explorer lists the root type's fields (deprecated
    // ones, such as the offset `engines`, are hidden behind its "Show Deprecated Fields").
    await page.locator('button[aria-label="Show Documentation Explorer"]').click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs
      .locator('a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ })
      .first()
      .click();
    await docs.locator('.graphiql-doc-explorer-field-name', { hasText: /^enginesConnection$/ }).waitFor({ timeout: 5_000 });
    await expect(docs.locator('.graphiql-doc-explorer-title').innerText()).resolves.toBe('Query');

    expect(blocked).toEqual([]);
    expect(requests.filter((request) => !isLoopback(new URL(request.split(' ')[1])))).toEqual([]);
    expect(requests).toEqual(expect.arrayContaining([`GET ${server.url}/graphql`, `POST ${server.url}/graphql`]));
    expect(problems).toEqual([]);
  });
});
