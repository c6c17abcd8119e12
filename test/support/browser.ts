// Where the browser tests find Chromium: CHROMIUM_PATH, or Debian's and other distributions' usual
// paths. No browser can be downloaded here (playwright's own builds come from a CDN), so on a machine
// without one the browser tests alone are skipped, with a message naming what to install; with
// REQUIRE_CHROMIUM set (npm run screenshots, whose point is to run them) they fail instead.
import fs from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** The Chromium executable to drive, or null when there is none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.CHROMIUM_PATH) return fs.existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : null;
  return CANDIDATES.find((candidate) => fs.existsSync(candidate)) ?? null;
}

/** `describe` when Chromium is found, else `describe.skip` after a warning that says how to get it. */
export function describeInBrowser(title: string, body: (chromiumPath: string) => void): void {
  const chromiumPath = findChromium();
  if (chromiumPath) {
    describe(title, () => body(chromiumPath));
    return;
  }
  const missing = process.env.CHROMIUM_PATH
    ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist`
    : `none of ${CANDIDATES.join(', ')}`;
  if (process.env.REQUIRE_CHROMIUM) throw new Error(`REQUIRE_CHROMIUM is set but no Chromium was found (${missing})`);
  console.warn(
    `\n*** SKIPPED browser tests "${title}": no Chromium found (${missing}).\n` +
      '*** Install it (Debian: apt-get update && apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium or Chrome executable.\n',
  );
  describe.skip(title, () => body(''));
}
