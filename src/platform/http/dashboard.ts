// The operator dashboard: the single-page app built by Vite from dashboard/ into dist/dashboard/
// (`npm run build`), served at / beside the API. It talks to the public GraphQL API only.
//
// index.html is revalidated on every visit (a new build must reach the browser at once); the files
// under /assets/ carry a content hash in their name, so they are cached for ever. The content security
// policy allows same-origin scripts, styles, images and requests only, and no inline script; its
// connect-src 'self' also admits the subscriptions' WebSocket to this origin (ws: or wss: on the same host
// and port, as CSP Level 3 matches 'self'), and no other (test/browser/dashboard.test.ts checks both).
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import { REPOSITORY_ROOT } from '../repository';

/** Where `npm run build` writes the dashboard (dashboard/vite.config.ts). */
export const DASHBOARD_BUILD_DIR = path.join(REPOSITORY_ROOT, 'dist', 'dashboard');
export const DASHBOARD_ASSETS_PATH = '/assets';

export const DASHBOARD_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

const NOT_BUILT = 'The dashboard is not built: run `npm run build` (npm start does it).\n';

/** GET / (the app) and GET /assets/<hashed file>. */
export function createDashboardRouter(buildDir: string = DASHBOARD_BUILD_DIR): express.Router {
  const router = express.Router();
  const indexFile = path.join(buildDir, 'index.html');

  router.get('/', (_request, response) => {
    response.set({
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': DASHBOARD_CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    // Read on each visit (it is small): a rebuild is served without a restart.
    fs.readFile(indexFile, (error, page) => {
      if (error) {
        response.status(503).type('text/plain').send(NOT_BUILT);
        return;
      }
      response.type('html').send(page);
    });
  });

  router.use(
    DASHBOARD_ASSETS_PATH,
    express.static(path.join(buildDir, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      redirect: false,
      fallthrough: true,
      setHeaders: (response) => {
        response.setHeader('X-Content-Type-Options', 'nosniff');
      },
    }),
  );
  return router;
}
