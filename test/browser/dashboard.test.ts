// The operator dashboard in Chromium against the real server on PostgreSQL, authentication on, with a
// tiny LSTM autoencoder trained through the API on the first FD001 engines: the key prompt, the fleet
// page and an engine page, whose shaded regions must be the API's flagged windows. Each page passes
// axe-core without serious or critical violations and is saved to docs/screenshots/, which README shows.
import fs from 'node:fs';
import path from 'node:path';
import type { Page, Request } from 'playwright-core';
import { REPOSITORY_ROOT } from '../../src/platform/repository';
import { DASHBOARD_CONTENT_SECURITY_POLICY } from '../../src/platform/http/dashboard';
import { LOOK_BACK_CYCLES } from '../../src/domain/data/windows';
import { shippedLines, trainUnitCycles } from '../support/cmapss-fixtures';
import type { TestServer } from '../support/http';
import { waitUntil } from '../support/requests';
import { startDashboardServer, type DashboardServer } from '../support/dashboard-server';
import { describeInBrowser } from '../support/browser';
import {
  SCREENSHOT_DIR,
  openDashboardSession,
  saveScreenshot,
  signIn,
  seriousAccessibilityViolations,
  type DashboardSession,
} from '../support/dashboard-session';

const UNITS = 8;
const TINY = `{ name: "dashboard test", trainUnits: [{ from: 1, to: 4 }], calibrationUnits: [{ from: 5, to: 6 }],
  testUnits: [{ from: 7, to: 8 }], thresholdQuantile: 0.9, activate: true, lstmAutoencoder: { hidden: 8, code: 4, epochs: 3, batchSize: 64 } }`;

let dashboard: DashboardServer;
let server: TestServer;
let key: string;
const api = <T = any>(query: string, variables?: Record<string, unknown>) => dashboard.api<T>(query, variables);

beforeAll(async () => {
  dashboard = await startDashboardServer(UNITS);
  ({ server, key } = dashboard);
  await dashboard.train(TINY);
}, 180_000);

afterAll(() => dashboard?.close());

describe('the dashboard over HTTP', () => {
  it('serves the app at / with no-cache and a same-origin content security policy, its hashed files immutable', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toBe(DASHBOARD_CONTENT_SECURITY_POLICY);
    expect(DASHBOARD_CONTENT_SECURITY_POLICY).not.toMatch(/https?:|\*|unsafe/);
    const html = await response.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/); // no inline script
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]).filter((url) => url !== 'data:,');
    expect(urls.length).toBeGreaterThanOrEqual(2);
    for (const url of urls) {
      expect(url).toMatch(/^\/assets\/[\w-]+-[\w-]{8}\.(js|css)$/);
      const asset = await fetch(`${server.url}${url}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(asset.headers.get('content-type')).toMatch(url.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
    }
    expect((await fetch(`${server.url}/assets/index-00000000.js`)).status).toBe(404);
  });
});

describe('the README', () => {
  it('shows the screenshot of every page the browser tests save (npm run screenshots refreshes them), and no other', () => {
    const saved = fs
      .readdirSync(__dirname)
      .filter((file) => file.endsWith('.test.ts'))
      .flatMap((file) => [...fs.readFileSync(path.join(__dirname, file), 'utf8').matchAll(/saveScreenshot\(\w+, '([\w-]+)'\)/g)])
      .map((match) => match[1]);
    const readme = fs.readFileSync(path.join(REPOSITORY_ROOT, 'README.md'), 'utf8');
    const shown = [...readme.matchAll(/!\[[^\]]+\]\(docs\/screenshots\/([\w-]+)\.png\)/g)].map((match) => match[1]);
    expect(saved.length).toBeGreaterThanOrEqual(6);
    expect([...shown].sort()).toEqual([...saved].sort());
    for (const name of saved) expect(fs.existsSync(path.join(SCREENSHOT_DIR, `${name}.png`))).toBe(true);
  });
});

/** Flagged end cycles as the cycle spans their windows cover, overlapping or adjacent spans merged. */
function expectedRegions(flaggedEndCycles: number[], windowLength: number): [number, number][] {
  const covered = new Set<number>();
  for (const end of flaggedEndCycles) for (let cycle = Math.max(1, end - windowLength + 1); cycle <= end; cycle++) covered.add(cycle);
  const cycles = [...covered].sort((a, b) => a - b);
  const regions: [number, number][] = [];
  for (const cycle of cycles) {
    const last = regions[regions.length - 1];
    if (last && cycle === last[1] + 1) last[1] = cycle;
    else regions.push([cycle, cycle]);
  }
  return regions;
}

async function drawnRegions(page: Page, testId: string): Promise<[number, number][]> {
  const locator = page.getByTestId(testId);
  await locator.and(page.locator('[data-drawn-regions]')).waitFor({ timeout: 30_000 });
  return JSON.parse((await locator.getAttribute('data-drawn-regions'))!);
}

/** A window's contributions as the API gives them (its trajectory point), as the page writes them. */
async function apiContributions(version: number, engineId: number, endCycle: number): Promise<string[][]> {
  const { engine } = await api(
    `query ($version: Int!, $id: Int!, $end: Int!) { engine(id: $id) {
      trajectory(modelVersionId: $version, fromCycle: $end, toCycle: $end) { points { contributions { sensor share residual } } } } }`,
    { version, id: engineId, end: endCycle },
  );
  const contributions: { sensor: string; share: number; residual: number | null }[] = engine.trajectory.points[0].contributions;
  expect(contributions.length).toBeGreaterThan(0);
  return contributions.map((item) => [
    item.sensor,
    `${(item.share * 100).toFixed(1)} %`,
    item.residual === null ? '—' : item.residual > 0 ? 'high' : item.residual < 0 ? 'low' : 'as healthy',
    item.residual === null ? '—' : item.residual.toFixed(2),
  ]);
}

/** The rows of the contributions table once it shows the window ending at `endCycle`. */
async function shownContributions(page: Page, endCycle: number): Promise<string[][]> {
  const table = page.locator(`[data-testid="contributions-table"][data-end-cycle="${endCycle}"]`);
  await table.waitFor({ timeout: 30_000 });
  return table.locator('tbody tr').evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent ?? '')));
}

describeInBrowser('the dashboard in Chromium', (chromiumPath) => {
  let session: DashboardSession;
  let page: Page;

  beforeAll(async () => {
    session = await openDashboardSession(chromiumPath);
    page = await session.newPage();
  });

  afterAll(async () => {
    await session?.close();
  });

  it('asks for an API key, then shows the fleet with each engine flagged as the API says', async () => {
    await signIn(session, page, server.url, key);

    const { engines } = await api(
      `{ engines(page: { limit: 20 }) { totalCount items { id trajectory { firstFlaggedCycle points { score } } } } }`,
    );
    const rows = page.locator('tr[data-engine-id]');
    await page.locator('tr[data-engine-id] svg.sparkline').first().waitFor({ timeout: 60_000 });
    expect(await rows.count()).toBe(engines.items.length);
    expect(engines.totalCount).toBe(2 * UNITS);
    for (const engine of engines.items) {
      const cells = page.locator(`tr[data-engine-id="${engine.id}"] td`);
      const firstFlag = engine.trajectory.firstFlaggedCycle;
      expect(await cells.nth(6).textContent()).toBe(firstFlag === null ? 'no' : 'yes');
      expect(await cells.nth(7).textContent()).toBe(firstFlag === null ? '—' : String(firstFlag));
      const latest = engine.trajectory.points[engine.trajectory.points.length - 1].score;
      expect(await cells.nth(5).textContent()).toContain(latest.toPrecision(4));
    }

    // Sorting by latest score, descending, puts the highest first.
    await page.getByRole('button', { name: /Latest score/ }).click();
    await page.getByRole('button', { name: /Latest score/ }).click();
    const highest = [...engines.items].sort((a, b) => b.trajectory.points.at(-1).score - a.trajectory.points.at(-1).score)[0];
    expect(await rows.first().getAttribute('data-engine-id')).toBe(String(highest.id));

    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await saveScreenshot(page, 'fleet');
    expect(session.problems).toEqual([]);
    expect(session.blocked).toEqual([]);
  }, 120_000);

  it('shades on the score and sensor charts exactly the windows the API flags, with the first flag and lead time', async () => {
    const { engines } = await api(`{ engines(page: { limit: 20 }) { items { id role trajectory { flaggedCycles } } } }`);
    const mostFlagged = [...engines.items].sort((a, b) => b.trajectory.flaggedCycles.length - a.trajectory.flaggedCycles.length)[0];
    const { engine } = await api(
      `query ($id: Int!) { engine(id: $id) { trajectory { modelVersionId windowLength firstFlaggedCycle flaggedCycles points { endCycle rul } } } }`,
      {
        id: mostFlagged.id,
      },
    );
    const trajectory = engine.trajectory;
    expect(trajectory.flaggedCycles.length).toBeGreaterThan(0);

    await page.goto(`${server.url}/#/engines/${mostFlagged.id}`);
    // The score chart shades the flagged windows' end cycles; sensor charts the cycles they cover.
    expect(await drawnRegions(page, 'score-chart')).toEqual(expectedRegions(trajectory.flaggedCycles, 1));
    const expected = expectedRegions(trajectory.flaggedCycles, trajectory.windowLength);
    const sensorCharts = page.locator('[data-testid^="sensor-chart-"]');
    await sensorCharts.first().waitFor();
    expect(await sensorCharts.count()).toBe(4);
    for (let index = 0; index < 4; index++) {
      const testId = (await sensorCharts.nth(index).getAttribute('data-testid'))!;
      expect(await drawnRegions(page, testId)).toEqual(expected);
    }
    expect(await page.getByTestId('first-flag').textContent()).toBe(`cycle ${trajectory.firstFlaggedCycle}`);
    const rul = trajectory.points.find((point: { endCycle: number }) => point.endCycle === trajectory.firstFlaggedCycle).rul;
    expect(await page.getByTestId('lead-time').textContent()).toBe(`${rul} cycles`);
    // The alert rule that judges the engine: the version's, until the engine is given its own.
    const ruleOf = async () => {
      const { engine: shown } = await api(`query ($id: Int!) { engine(id: $id) { alertRule { rule { k n m } } } }`, { id: mostFlagged.id });
      return shown.alertRule.rule as { k: number; n: number; m: number };
    };
    const versionRule = await ruleOf();
    expect(await page.getByTestId('alert-rule').textContent()).toBe(
      `${versionRule.k} of ${versionRule.n} windows above, closes after ${versionRule.m} below (version's)`,
    );
    await api(
      `mutation ($e: Int!, $v: Int!) { setEngineAlertRule(engineId: $e, modelVersionId: $v, rule: { k: 2, n: 3, m: 1 }) { overridden } }`,
      {
        e: mostFlagged.id,
        v: trajectory.modelVersionId,
      },
    );
    await page.reload();
    await page.getByTestId('alert-rule').filter({ hasText: "engine's own" }).waitFor();
    expect(await page.getByTestId('alert-rule').textContent()).toBe("2 of 3 windows above, closes after 1 below (engine's own)");
    await api(`mutation ($e: Int!, $v: Int!) { clearEngineAlertRule(engineId: $e, modelVersionId: $v) { overridden } }`, {
      e: mostFlagged.id,
      v: trajectory.modelVersionId,
    });
    await page.reload();
    await page.getByTestId('alert-rule').filter({ hasText: "version's" }).waitFor();

    // Another sensor chosen: one more chart, shaded the same.
    await page.getByRole('checkbox', { name: 'sensor21' }).check();
    expect(await drawnRegions(page, 'sensor-chart-sensor21')).toEqual(expected);

    // The RUL axis under the cycles: at each tick, the API's RUL of the window ending there.
    const failure = rul + trajectory.firstFlaggedCycle;
    const ticks: [number, number][] = JSON.parse((await page.getByTestId('score-chart').getAttribute('data-second-axis'))!);
    expect(ticks.length).toBeGreaterThan(1);
    for (const [cycle, shown] of ticks) expect(shown).toBe(failure - cycle);
    for (const point of trajectory.points) expect(point.rul).toBe(failure - point.endCycle);

    // The first flagged window is picked at first; its contributions are the API's, by keyboard or click.
    expect(await shownContributions(page, trajectory.firstFlaggedCycle)).toEqual(
      await apiContributions(engine.trajectory.modelVersionId, mostFlagged.id, trajectory.firstFlaggedCycle),
    );
    const endInput = page.getByTestId('window-end-cycle');
    await endInput.fill(String(trajectory.windowLength + 2));
    expect(await shownContributions(page, trajectory.windowLength + 2)).toEqual(
      await apiContributions(engine.trajectory.modelVersionId, mostFlagged.id, trajectory.windowLength + 2),
    );
    await page.getByRole('button', { name: 'Next window' }).click();
    expect(await shownContributions(page, trajectory.windowLength + 3)).toEqual(
      await apiContributions(engine.trajectory.modelVersionId, mostFlagged.id, trajectory.windowLength + 3),
    );
    // A click on the score chart, at 60 % of its width (well past the windows picked above).
    const plot = page.getByTestId('score-chart').locator('.u-over');
    const box = (await plot.boundingBox())!;
    const position = { x: box.width * 0.6, y: box.height / 2 };
    await plot.hover({ position });
    await plot.click({ position });
    await page.locator(`[data-testid="contributions-table"]:not([data-end-cycle="${trajectory.windowLength + 3}"])`).waitFor();
    const clicked = Number(await endInput.inputValue());
    expect(trajectory.points.map((point: { endCycle: number }) => point.endCycle)).toContain(clicked);
    expect(await shownContributions(page, clicked)).toEqual(
      await apiContributions(engine.trajectory.modelVersionId, mostFlagged.id, clicked),
    );

    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await saveScreenshot(page, 'engine');
    expect(session.problems).toEqual([]);
    expect(session.blocked).toEqual([]);

    // Opened afresh, the page sends each of its first reads once: the answers asked for as the app
    // started are the ones the page takes; then the shown sensors' cycles, once.
    const operations: string[] = [];
    const record = (request: Request) => {
      const body = request.url().endsWith('/graphql') ? request.postData() : null;
      if (body) operations.push(/^\s*(?:query|mutation) (\w+)/.exec(JSON.parse(body).query)![1]);
    };
    page.on('request', record);
    await page.reload();
    await page.locator('[data-testid="score-chart"][data-drawn-regions]').waitFor();
    await page.locator('[data-testid^="sensor-chart-"][data-drawn-regions]').nth(3).waitFor();
    page.off('request', record);
    expect(operations.filter((name) => name !== 'WindowContributions').sort()).toEqual([
      'EngineCycles',
      'EngineOverview',
      'EngineTrajectory',
      'Viewer',
    ]);
  }, 120_000);

  it("shows the chosen version's trajectory and contributions on the engine page", async () => {
    const other = await dashboard.train(
      `{ kind: "z-score", name: "dashboard z-score", trainUnits: [{ from: 1, to: 4 }], calibrationUnits: [{ from: 5, to: 6 }],
        testUnits: [{ from: 7, to: 8 }] }`,
    );
    const { engines } = await api(`{ engines(filter: { role: TRAIN }, page: { limit: 1 }) { items { id } } }`);
    const id = engines.items[0].id;
    const { engine } = await api(
      `query ($id: Int!, $version: Int!) { engine(id: $id) { trajectory(modelVersionId: $version) {
        flaggedCycles firstFlaggedCycle points { endCycle } } } }`,
      { id, version: other },
    );

    await page.goto(`${server.url}/#/engines/${id}`);
    // The version list is enabled once the versions have loaded.
    await page.locator('[data-testid="score-chart-block"]').waitFor({ timeout: 30_000 });
    const choice = page.getByRole('combobox', { name: 'Version' });
    await page.locator('select:enabled', { has: page.locator(`option[value="${other}"]`) }).waitFor();
    await choice.selectOption(String(other));
    const block = page.locator(`[data-testid="score-chart-block"][data-version="${other}"]`);
    await block.waitFor({ timeout: 30_000 });
    expect(page.url()).toMatch(new RegExp(`#/engines/${id}\\?version=${other}$`));
    expect(JSON.parse((await block.getAttribute('data-flagged-cycles'))!)).toEqual(engine.trajectory.flaggedCycles);
    expect(Number(await block.getAttribute('data-points'))).toBe(engine.trajectory.points.length);
    // The chart drawn for the previous version may still be there for a moment: wait for these regions.
    const regions = JSON.stringify(expectedRegions(engine.trajectory.flaggedCycles, 1));
    await page.locator(`[data-testid="score-chart"][data-drawn-regions='${regions}']`).waitFor({ timeout: 30_000 });
    const picked = engine.trajectory.firstFlaggedCycle ?? engine.trajectory.points.at(-1).endCycle;
    expect(await shownContributions(page, picked)).toEqual(await apiContributions(other, id, picked));
    expect(session.problems).toEqual([]);
  }, 120_000);

  it('scores an uploaded CSV through the API and shades the windows it flags; a bad cell is named and nothing is sent', async () => {
    // FD001 test unit 3 (126 cycles) as a CSV with the C-MAPSS columns.
    const header = ['unit', 'cycle', 'setting1', 'setting2', 'setting3', ...Array.from({ length: 21 }, (_, index) => `sensor${index + 1}`)];
    const rows = shippedLines('test_FD001.txt')
      .map((line) => line.trim().split(/\s+/))
      .filter((cells) => cells[0] === '3');
    const csv = [header.join(','), ...rows.map((cells) => cells.join(','))].join('\n') + '\n';
    const scoreRequests: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.postData()?.includes('scoreWindows')) scoreRequests.push(request.url());
    });

    await page.goto(`${server.url}/#/score`);
    const fileInput = page.locator('input[type="file"]');
    // The input is enabled once the versions have loaded; a file set before that is ignored.
    await page.locator('input[type="file"]:enabled').waitFor({ state: 'attached' });
    await fileInput.setInputFiles({ name: 'test-3.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const result = page.getByTestId('score-result');
    await result.waitFor({ timeout: 60_000 });

    // The same windows, with the cycles before each, scored by a client of the API (stored scores, so the same answers).
    const { activeModelVersion } = await api(`{ activeModelVersion { id sensors windowLength } }`);
    const length = activeModelVersion.windowLength;
    const windows = [];
    for (let end = length; end <= rows.length; end++) {
      windows.push({
        columns: activeModelVersion.sensors.map((sensor: string) => ({
          sensor,
          values: rows.slice(Math.max(0, end - length - LOOK_BACK_CYCLES), end).map((cells) => Number(cells[header.indexOf(sensor)])),
        })),
      });
    }
    const { scoreWindows } = await api(`mutation ($windows: [WindowInput!]!) { scoreWindows(windows: $windows) { isAnomaly score } }`, {
      windows,
    });
    const flagged = scoreWindows.flatMap((item: { isAnomaly: boolean }, index: number) => (item.isAnomaly ? [length + index] : []));
    expect(flagged.length).toBeGreaterThan(0);
    expect(JSON.parse((await result.getAttribute('data-flagged-cycles'))!)).toEqual(flagged);
    expect(await drawnRegions(page, 'file-score-chart')).toEqual(expectedRegions(flagged, 1));
    const firstSensor = activeModelVersion.sensors[0];
    expect(await drawnRegions(page, `file-sensor-chart-${firstSensor}`)).toEqual(expectedRegions(flagged, length));
    expect(await page.getByTestId('scores-table').locator('tbody tr').count()).toBe(rows.length - length + 1);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('scores-download').click()]);
    const downloaded = fs
      .readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(downloaded[0]).toBe('end_cycle,score,threshold,flagged');
    expect(downloaded.slice(1).map((line) => Number(line.split(',')[1]))).toEqual(
      scoreWindows.map((item: { score: number }) => item.score),
    );

    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await saveScreenshot(page, 'score-file');

    // A bad cell: sensor2 (column 7) of the fourth data row (line 5).
    const sent = scoreRequests.length;
    const bad = csv.split('\n');
    const cells = bad[4].split(',');
    cells[6] = 'hot';
    bad[4] = cells.join(',');
    await fileInput.setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad.join('\n')) });
    const message = page.getByTestId('file-error');
    await message.waitFor();
    expect(await message.textContent()).toBe('bad.csv, line 5, column 7 (sensor2): "hot" is not a finite number');
    expect(await result.count()).toBe(0);
    expect(scoreRequests.length).toBe(sent);
    expect(session.problems).toEqual([]);
    expect(session.blocked).toEqual([]);
  }, 120_000);
  it('scores a shipped FD001 test engine picked from a list, flagging the windows the API flags on it', async () => {
    const { engines } = await api(
      `{ engines(filter: { dataset: "FD001", role: TEST }, page: { limit: ${UNITS} }) { items { id externalId trajectory { flaggedCycles points { endCycle } } } } }`,
    );
    const chosen = [...engines.items].sort((a, b) => b.trajectory.flaggedCycles.length - a.trajectory.flaggedCycles.length)[0];
    expect(chosen.trajectory.flaggedCycles.length).toBeGreaterThan(0);

    await page.goto(`${server.url}/#/score`);
    // The list is enabled once the versions and the engines have loaded.
    await page.locator('[data-testid="test-engine-choice"]:enabled').waitFor();
    await page.getByTestId('test-engine-choice').selectOption(String(chosen.id));
    const result = page.locator('[data-testid="score-result"]', { hasText: `FD001 ${chosen.externalId}:` });
    await result.waitFor({ timeout: 60_000 });
    expect(JSON.parse((await result.getAttribute('data-flagged-cycles'))!)).toEqual(chosen.trajectory.flaggedCycles);
    expect(await page.getByTestId('scores-table').locator('tbody tr').count()).toBe(chosen.trajectory.points.length);
    expect(await drawnRegions(page, 'file-score-chart')).toEqual(expectedRegions(chosen.trajectory.flaggedCycles, 1));
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(session.problems).toEqual([]);
    expect(session.blocked).toEqual([]);
  }, 120_000);

  it('adds the cycles and scores appended to a live engine as they arrive, over a WebSocket to itself only', async () => {
    const cycles = trainUnitCycles(1);
    const { createEngine } = await api(`mutation { createEngine(input: { externalId: "ESN-dashboard-live", dataset: "FD001" }) { id } }`);
    const id = createEngine.id;
    const append = (from: number, to: number) =>
      api(
        `mutation ($id: Int!, $cycles: [CycleInput!]!) { appendCycles(engineId: $id, cycles: $cycles, score: true) { appendedCycles } }`,
        {
          id,
          cycles: cycles.slice(from, to),
        },
      );
    const { activeModelVersion } = await api(`{ activeModelVersion { windowLength } }`);
    const first = activeModelVersion.windowLength + 4;
    await append(0, first);

    await page.goto(`${server.url}/#/engines/${id}`);
    const chart = (lastEnd: number) => page.locator(`[data-testid="score-chart-block"][data-last-end-cycle="${lastEnd}"]`);
    await chart(first).waitFor({ timeout: 30_000 });
    expect(await chart(first).getAttribute('data-points')).toBe('5');
    await waitUntil(
      async () => server.services.events.readySubscribers(),
      (ready) => ready === 1,
      30_000,
      'the page subscribed',
    );

    const last = first + 6;
    await append(first, last);
    await chart(last).waitFor({ timeout: 30_000 });
    await page
      .getByTestId('last-cycle')
      .filter({ hasText: new RegExp(`^${last}$`) })
      .waitFor();
    const { engine } = await api(`query ($id: Int!) { engine(id: $id) { trajectory { flaggedCycles points { endCycle } } } }`, { id });
    expect(Number(await chart(last).getAttribute('data-points'))).toBe(engine.trajectory.points.length);
    expect(JSON.parse((await chart(last).getAttribute('data-flagged-cycles'))!)).toEqual(engine.trajectory.flaggedCycles);
    // No RUL is known for a live engine: no second axis.
    expect(await page.getByTestId('score-chart').getAttribute('data-second-axis')).toBeNull();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(session.problems).toEqual([]);

    // The content security policy let the page's WebSocket to its own origin through, and no other.
    const refused = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          // The test's TypeScript has no DOM types: the page's globals are reached untyped.
          const browser = globalThis as any;
          browser.document.addEventListener(
            'securitypolicyviolation',
            (event: { violatedDirective: string; blockedURI: string }) => resolve(`${event.violatedDirective} ${event.blockedURI}`),
            { once: true },
          );
          new browser.WebSocket(`ws://localhost:${browser.location.port}/graphql`);
        }),
    );
    expect(refused).toMatch(/^connect-src ws:\/\/localhost:\d+\/graphql/);
    expect(session.problems.length).toBeGreaterThan(0);
    expect(session.problems.filter((problem) => !problem.includes('ws://localhost:'))).toEqual([]);
    expect(session.problems.some((problem) => problem.includes('Content Security Policy'))).toBe(true);
    session.problems.length = 0;
  }, 120_000);

  it('offers a reader key only what its role allows: no scoring or training, but the engine with its contributions', async () => {
    const reader = await server.services.apiKeys.create('dashboard reader', ['reader']);
    const readerPage = await session.newPage();
    await signIn(session, readerPage, server.url, reader.key);
    await readerPage.getByTestId('viewer').filter({ hasText: 'dashboard reader (reader)' }).waitFor();
    // The fleet has loaded with the key before the navigation is read.
    await readerPage.locator('tr[data-engine-id]').first().waitFor({ timeout: 30_000 });
    expect(await readerPage.getByRole('navigation', { name: 'Pages' }).getByRole('link').allTextContents()).toEqual([
      'Fleet',
      'Models',
      'GraphQL IDE',
    ]);

    // Versions are listed, but activating one is the operator's.
    await readerPage.goto(`${server.url}/#/models`);
    await readerPage.locator('tr[data-version-id]').first().waitFor({ timeout: 30_000 });
    expect(await readerPage.getByRole('button', { name: /^Activate / }).count()).toBe(0);
    await readerPage.goto(`${server.url}/#/training`);
    expect(await readerPage.getByTestId('needs-role').textContent()).toBe('Training needs the operator role; this API key holds reader.');
    expect(await readerPage.locator('form').count()).toBe(0);
    await readerPage.goto(`${server.url}/#/score`);
    expect(await readerPage.getByTestId('needs-role').textContent()).toBe(
      'Scoring a file needs the scorer role; this API key holds reader.',
    );
    expect(await readerPage.locator('input[type="file"]').count()).toBe(0);

    const { engines } = await api(`{ engines(filter: { role: TRAIN }, page: { limit: 1 }) { items { id } } }`);
    await readerPage.goto(`${server.url}/#/engines/${engines.items[0].id}`);
    await readerPage.getByTestId('contributions-table').waitFor({ timeout: 30_000 });
    expect(await readerPage.getByTestId('contributions-table').locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await seriousAccessibilityViolations(readerPage)).toEqual([]);
    await saveScreenshot(readerPage, 'engine-reader');
    expect(session.problems).toEqual([]);
    expect(session.blocked).toEqual([]);
    await readerPage.close();
  }, 120_000);
});
