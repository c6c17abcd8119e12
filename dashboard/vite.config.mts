// Builds the operator dashboard into dist/dashboard/, which the server serves at /
// (src/platform/http/dashboard.ts). `npm run build` runs it after the server's TypeScript build.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  // React's automatic JSX runtime, through Vite's own transform (no plugin needed for a build).
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: path.join(here, '..', 'dist', 'dashboard'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Every file is a same-origin, content-hashed asset: the content security policy allows no inline code.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
  logLevel: 'warn',
});
