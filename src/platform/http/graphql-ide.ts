// The GraphQL IDE: GraphiQL served from the project's own node_modules, so that it works with no
// internet access (Apollo's landing page loads from a CDN and is disabled in app.ts).
//
// GET /graphql answers an HTML page when the client prefers HTML (a browser); every other request to
// /graphql (POST, or GET from API clients asking for JSON) goes on to Apollo. GET / is the dashboard's
// (./dashboard.ts).
// The page loads only same-origin, content-hashed files from /ide/assets/ and no inline script.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import express from 'express';

export const GRAPHQL_PATH = '/graphql';
export const IDE_ASSETS_PATH = '/ide/assets';

/** The query the IDE opens with (first visit; GraphiQL then keeps the user's tabs in localStorage). */
export const DEFAULT_IDE_QUERY = `# Engine-health anomaly detection: GraphQL API
#
# Run the query with the ▶ button (or Ctrl-Enter). The documentation
# explorer (book icon on the left) lists every type and field.

query FD001Engines {
  engines(filter: { dataset: "FD001", role: TRAIN }, page: { limit: 5 }) {
    totalCount
    hasMore
    items {
      id
      unit
      lastCycle
      cycles(from: 1, to: 2) {
        cycle
        settings
        sensors
      }
    }
  }
}
`;

/**
 * Mounts the IDE onto the app; call it before the Apollo middleware. When `enabled` is false nothing is
 * mounted: /graphql is Apollo's alone (which, with its landing page disabled, serves no HTML), and
 * /ide/assets/ is not found.
 */
export function mountGraphQLIde(app: express.Express, enabled: boolean): void {
  if (!enabled) return;
  app.use(createGraphQLIdeRouter());
}

interface Asset {
  /** File name under IDE_ASSETS_PATH, with a content hash so that it can be cached for ever. */
  name: string;
  contentType: string;
  body: Buffer;
  gzipped?: Promise<Buffer>;
}

const gzip = promisify(zlib.gzip);

/** Folder of an installed package; its `exports` hide the UMD files, but always expose package.json. */
function packageFolder(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

function hashedName(stem: string, extension: string, body: Buffer): string {
  return `${stem}.${createHash('sha256').update(body).digest('hex').slice(0, 12)}${extension}`;
}

function fileAsset(stem: string, extension: string, file: string, contentType: string): Asset {
  // Source maps are not served: drop the comment so that browser dev tools do not ask for them.
  const text = fs.readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
  const body = Buffer.from(text, 'utf8');
  return { name: hashedName(stem, extension, body), contentType, body };
}

function textAsset(stem: string, extension: string, text: string, contentType: string): Asset {
  const body = Buffer.from(text, 'utf8');
  return { name: hashedName(stem, extension, body), contentType, body };
}

const JAVASCRIPT = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

// Boots GraphiQL on the page; the UMD builds define the globals React, ReactDOM and GraphiQL.
// GraphiQL 4 updates the operation name 100 ms after an edit (debounced), so running right after
// replacing a named operation sends the old name ("Unknown operation named ..."): the fetcher drops a
// name that no operation of the document carries.
const BOOT_SCRIPT = String.raw`(function () {
  'use strict';
  var container = document.getElementById('graphiql');
  if (!window.React || !window.ReactDOM || !window.GraphiQL) {
    container.textContent = 'The GraphiQL scripts did not load.';
    container.className = 'ide-message ide-error';
    return;
  }
  var endpoint = new URL(container.getAttribute('data-endpoint') || '/graphql', window.location.href).href;
  var fetcher = GraphiQL.createFetcher({ url: endpoint, enableIncrementalDelivery: false });
  function withoutStaleOperationName(params, options) {
    var name = params && params.operationName;
    if (name && /^[_A-Za-z][_0-9A-Za-z]*$/.test(name) &&
        !new RegExp('\b(query|mutation|subscription)\s+' + name + '\b').test(params.query || '')) {
      params = Object.assign({}, params, { operationName: null });
    }
    return fetcher(params, options);
  }
  var props = {
    fetcher: withoutStaleOperationName,
    defaultQuery: container.getAttribute('data-default-query') || ''
  };
  // A link such as /graphql?query=...&variables=... opens the IDE on that operation.
  var params = new URLSearchParams(window.location.search);
  if (params.has('query')) props.query = params.get('query');
  if (params.has('variables')) props.variables = params.get('variables');
  ReactDOM.createRoot(container).render(React.createElement(GraphiQL, props));
})();
`;

const PAGE_CSS = `html, body { height: 100%; margin: 0; }
#graphiql { height: 100vh; height: 100dvh; }
.ide-message { box-sizing: border-box; padding: 2rem; font: 16px/1.5 system-ui, sans-serif; }
.ide-error { color: #b00020; }
`;

// Only same-origin files; inline styles stay allowed because GraphiQL's dialogs (react-remove-scroll)
// insert a <style> element. No inline script is needed.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function loadAssets(): Record<'react' | 'reactDom' | 'graphiql' | 'graphiqlCss' | 'pageCss' | 'boot', Asset> {
  const react = packageFolder('react');
  const reactDom = packageFolder('react-dom');
  const graphiql = packageFolder('graphiql');
  return {
    react: fileAsset('react', '.js', path.join(react, 'umd', 'react.production.min.js'), JAVASCRIPT),
    reactDom: fileAsset('react-dom', '.js', path.join(reactDom, 'umd', 'react-dom.production.min.js'), JAVASCRIPT),
    // The UMD build bundles graphql, @graphiql/react, its plugins and CodeMirror; it needs only the
    // React and ReactDOM globals. style.css holds every style it needs, fonts included (data: URLs).
    graphiql: fileAsset('graphiql', '.js', path.join(graphiql, 'dist', 'index.umd.js'), JAVASCRIPT),
    graphiqlCss: fileAsset('graphiql', '.css', path.join(graphiql, 'dist', 'style.css'), CSS),
    pageCss: textAsset('ide', '.css', PAGE_CSS, CSS),
    boot: textAsset('boot', '.js', BOOT_SCRIPT, JAVASCRIPT),
  };
}

function renderPage(assets: ReturnType<typeof loadAssets>): string {
  const url = (asset: Asset) => escapeHtml(`${IDE_ASSETS_PATH}/${asset.name}`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Engine health · GraphQL IDE</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${url(assets.graphiqlCss)}">
<link rel="stylesheet" href="${url(assets.pageCss)}">
</head>
<body>
<div id="graphiql" class="ide-message" data-endpoint="${escapeHtml(GRAPHQL_PATH)}" data-default-query="${escapeHtml(DEFAULT_IDE_QUERY)}">Loading GraphiQL…</div>
<noscript><p class="ide-message">The GraphQL IDE needs JavaScript. The API itself answers POST ${escapeHtml(GRAPHQL_PATH)}.</p></noscript>
<script src="${url(assets.react)}"></script>
<script src="${url(assets.reactDom)}"></script>
<script src="${url(assets.graphiql)}"></script>
<script src="${url(assets.boot)}"></script>
</body>
</html>
`;
}

/** Whether a GET /graphql comes from a browser: HTML preferred over every GraphQL response type. */
function prefersHtml(request: express.Request): boolean {
  // With equal preference (`*/*`, or no Accept header) the first type wins: JSON, i.e. Apollo.
  return request.accepts(['application/json', 'application/graphql-response+json', 'multipart/mixed', 'text/html']) === 'text/html';
}

/** The IDE's routes: GET /graphql for browsers, GET /ide/assets/<file>. */
export function createGraphQLIdeRouter(): express.Router {
  const assets = loadAssets();
  const byName = new Map(Object.values(assets).map((asset) => [asset.name, asset]));
  const page = Buffer.from(renderPage(assets), 'utf8');
  const router = express.Router();

  router.get(GRAPHQL_PATH, (request, response, next) => {
    // The same URL answers HTML or GraphQL results depending on Accept.
    response.vary('Accept');
    if (!prefersHtml(request)) {
      next();
      return;
    }
    response.set({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    response.send(page);
  });

  router.get(`${IDE_ASSETS_PATH}/:name`, async (request, response, next) => {
    const asset = byName.get(request.params.name);
    if (!asset) {
      next();
      return;
    }
    response.set({
      'Content-Type': asset.contentType,
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
    });
    response.vary('Accept-Encoding');
    if (request.headers['accept-encoding'] && request.acceptsEncodings('gzip', 'identity') === 'gzip') {
      asset.gzipped ??= gzip(asset.body, { level: 9 });
      response.set('Content-Encoding', 'gzip');
      response.send(await asset.gzipped);
      return;
    }
    response.send(asset.body);
  });

  return router;
}
