// What the dashboard's browser tests share: a Chromium that may reach the loopback host only, a page
// that records every console error, page error and CSP refusal, an accessibility check with axe-core,
// and screenshots saved to docs/screenshots/ (shown in README).
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPOSITORY_ROOT } from '../../src/platform/repository';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const SCREENSHOT_DIR = path.join(REPOSITORY_ROOT, 'docs', 'screenshots');
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

function isLoopback(url: URL): boolean {
  if (['data:', 'blob:', 'about:'].includes(url.protocol)) return true;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

export interface DashboardSession {
  browser: Browser;
  context: BrowserContext;
  /** Requests the page tried to send off the loopback host (each was refused). */
  blocked: string[];
  /** Console errors and warnings, page errors (a CSP refusal is a console error). */
  problems: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function openDashboardSession(chromiumPath: string): Promise<DashboardSession> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const blocked: string[] = [];
  const problems: string[] = [];
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (isLoopback(url)) {
      await route.continue();
    } else {
      blocked.push(url.href);
      await route.abort('blockedbyclient');
    }
  });
  return {
    browser,
    context,
    blocked,
    problems,
    async newPage() {
      const page = await context.newPage();
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
      });
      return page;
    },
    async close() {
      await context.close();
      await browser.close();
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's violations of serious or critical impact on the page as it is. The script is evaluated
 * through the DevTools protocol, which the page's content security policy does not govern.
 */
export async function seriousAccessibilityViolations(
  page: Page,
): Promise<{ id: string; impact: string | null; help: string; targets: string[] }[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(async () => {
    const axe = (globalThis as any).axe;
    const result = await axe.run((globalThis as any).document, { resultTypes: ['violations'] });
    return result.violations;
  })) as AxeViolation[];
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
}

export async function saveScreenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Opens the dashboard, which asks for a key (its first queries were refused), and types `key`. */
export async function signIn(session: DashboardSession, page: Page, baseUrl: string, key: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByRole('button', { name: 'Use this key' }).waitFor();
  // Every request sent before the form showed has its answer.
  await page.waitForLoadState('networkidle');
  // The first queries (the viewer's roles, the page's data), sent without a key, were refused: that
  // refusal is what shows the form.
  const refusal = 'console error: Failed to load resource: the server responded with a status of 401 (Unauthorized)';
  if (session.problems.length === 0 || session.problems.some((problem) => problem !== refusal))
    throw new Error(`unexpected problems: ${JSON.stringify(session.problems)}`);
  session.problems.length = 0;
  await page.getByLabel('API key').first().fill(key);
  await page.getByRole('button', { name: 'Use this key' }).click();
}
