// The dashboard's Training and Models pages in Chromium against the real server on PostgreSQL,
// authentication on: a short training job started from the form (defaults from the API's
// detectorKinds) is watched to its registered version; the Models page lists both versions, draws the
// ROC and precision-recall curves with the operating point of the version's metrics, and activates it.
import type { Page } from 'playwright-core';
import type { TestServer } from '../support/http';
import { startDashboardServer, type DashboardServer } from '../support/dashboard-server';
import { describeInBrowser } from '../support/browser';
import {
  openDashboardSession,
  saveScreenshot,
  seriousAccessibilityViolations,
  signIn,
  type DashboardSession,
} from '../support/dashboard-session';

const UNITS = 8;
const EPOCHS = 3;

let dashboard: DashboardServer;
let server: TestServer;
let key: string;
let firstVersionId: number;
const api = <T = any>(query: string, variables?: Record<string, unknown>) => dashboard.api<T>(query, variables);

beforeAll(async () => {
  dashboard = await startDashboardServer(UNITS);
  ({ server, key } = dashboard);
  // A first, active version trained through the API: the one made in the browser is the second.
  firstVersionId = await dashboard.train(`{ name: "first", activate: true, trainUnits: [{ from: 1, to: 4 }],
    calibrationUnits: [{ from: 5, to: 6 }], testUnits: [{ from: 7, to: 8 }], lstmAutoencoder: { hidden: 8, code: 4, epochs: 2, batchSize: 64 } }`);
}, 180_000);

afterAll(() => dashboard?.close());

describeInBrowser('the Training and Models pages in Chromium', (chromiumPath) => {
  let session: DashboardSession;
  let page: Page;
  let jobVersionId: number;

  beforeAll(async () => {
    session = await openDashboardSession(chromiumPath);
    page = await session.newPage();
    await signIn(session, page, server.url, key);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('fills the form with the API defaults, starts a job and follows it to its registered version', async () => {
    const { detectorKinds } = await api(`{ detectorKinds { name options { name default } } }`);
    const lstm = detectorKinds.find((kind: { name: string }) => kind.name === 'lstm-autoencoder');
    await page.goto(`${server.url}/#/training`);
    const epochs = page.locator('#option-epochs');
    await epochs.waitFor();
    for (const option of lstm.options.filter((item: { default: unknown }) => typeof item.default === 'number')) {
      expect(await page.locator(`#option-${option.name}`).inputValue()).toBe(String(option.default));
    }
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.locator('#field-name').fill('from the browser');
    await page.locator('#field-trainUnits').fill('1-4');
    await page.locator('#field-calibrationUnits').fill('5-6');
    await page.locator('#field-testUnits').fill('7, 8');
    await epochs.fill(String(EPOCHS));
    await page.locator('#option-hidden').fill('8');
    await page.locator('#option-code').fill('4');
    await page.locator('#option-batchSize').fill('64');
    await page.getByRole('button', { name: 'Start training' }).click();

    await page.waitForURL(/#\/training\/\d+$/);
    const jobId = Number(/training\/(\d+)$/.exec(page.url())![1]);
    await page.getByTestId('registered-version').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('job-status').textContent()).toBe('succeeded');
    const progress = page.getByTestId('job-progress');
    expect(await progress.getAttribute('value')).toBe(String(EPOCHS));
    expect(await progress.getAttribute('max')).toBe(String(EPOCHS));
    await page.getByTestId('loss-chart').locator('canvas').waitFor();

    const { trainingJob } = await api(`query ($id: Int!) { trainingJob(id: $id) { status config modelVersion { id version name } } }`, {
      id: jobId,
    });
    expect(trainingJob.status).toBe('SUCCEEDED');
    expect(trainingJob.modelVersion.name).toBe('from the browser');
    jobVersionId = trainingJob.modelVersion.id;
    expect(await page.getByTestId('registered-version').textContent()).toBe(`v${trainingJob.modelVersion.version} from the browser`);

    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await saveScreenshot(page, 'training');
    expect(session.problems).toEqual([]);
    expect(session.blocked).toEqual([]);
  }, 180_000);

  it('lists both versions, draws the curves with the operating point, and activates the new one', async () => {
    await page.getByTestId('registered-version').click();
    await page.waitForURL(new RegExp(`#/models/${jobVersionId}$`));
    await page.locator('tr[data-version-id]').nth(1).waitFor();
    expect(await page.locator('tr[data-version-id]').count()).toBe(2);

    const { modelVersion } = await api(`query ($id: Int!) { modelVersion(id: $id) { metrics { recall precision confusion { fp tn } } } }`, {
      id: jobVersionId,
    });
    const { recall, precision, confusion } = modelVersion.metrics;
    const roc = page.getByTestId('roc-curve');
    await roc.waitFor();
    expect(JSON.parse((await roc.getAttribute('data-operating-point'))!)).toEqual({
      x: confusion.fp / (confusion.fp + confusion.tn),
      y: recall,
    });
    expect(JSON.parse((await page.getByTestId('pr-curve').getAttribute('data-operating-point'))!)).toEqual({ x: recall, y: precision });
    expect(await roc.locator('polyline').getAttribute('points')).toMatch(/\d/);

    expect(await page.getByTestId(`active-${firstVersionId}`).textContent()).toBe('active');
    await page
      .getByTestId(`active-${jobVersionId}`)
      .getByRole('button', { name: /Activate/ })
      .click();
    await page.getByTestId(`active-${jobVersionId}`).getByText('active').waitFor();
    const { activeModelVersion } = await api(`{ activeModelVersion { id } }`);
    expect(activeModelVersion.id).toBe(jobVersionId);
    expect(
      await page
        .getByTestId(`active-${firstVersionId}`)
        .getByRole('button', { name: /Activate/ })
        .count(),
    ).toBe(1);

    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await saveScreenshot(page, 'models');
    expect(session.problems).toEqual([]);
    expect(session.blocked).toEqual([]);
  }, 120_000);
});
