// The dashboard's Training and Models pages in Chromium against the real server on PostgreSQL,
// authentication on: a short training job started from the form (defaults from the API's
// detectorKinds) is watched to its registered version; the Models page lists both versions, draws the
// ROC and precision-recall curves with the operating point of the version's metrics, and activates it.
import type { Page } from 'playwright-core';
import { selectBackend } from '../../src/detectors/lstm-autoencoder/engine';
import { importFirstUnits } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';
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

let testDatabase: TestDatabase;
let server: TestServer;
let key: string;
let firstVersionId: number;

async function api<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await server.graphql(query, variables, { authorization: `Bearer ${key}` });
  if (response.errors) throw new Error(`${query}: ${JSON.stringify(response.errors)}`);
  return response.data as T;
}

beforeAll(async () => {
  await selectBackend();
  testDatabase = await openTestDatabase('postgresql');
  await importFirstUnits(testDatabase.database.prisma, UNITS);
  server = await startTestServer(
    testDatabase.database,
    { auth: { enabled: true, cacheTtlMs: 0 } },
    { runner: { pollIntervalMs: 20, heartbeatIntervalMs: 200 } },
  );
  key = (await server.services.apiKeys.create('dashboard', ['reader', 'scorer', 'operator'])).key;
  server.services.runner.start();
  // A first, active version trained through the API: the one made in the browser is the second.
  const { trainModel } = await api(`mutation { trainModel(input: { name: "first", activate: true, trainUnits: [{ from: 1, to: 4 }],
    calibrationUnits: [{ from: 5, to: 6 }], testUnits: [{ from: 7, to: 8 }], lstmAutoencoder: { hidden: 8, code: 4, epochs: 2, batchSize: 64 } }) { id } }`);
  for (;;) {
    const { trainingJob } = await api(`query ($id: Int!) { trainingJob(id: $id) { status error modelVersionId } }`, { id: trainModel.id });
    if (trainingJob.status === 'SUCCEEDED') {
      firstVersionId = trainingJob.modelVersionId;
      break;
    }
    if (['FAILED', 'CANCELLED'].includes(trainingJob.status)) throw new Error(`training ${trainingJob.status}: ${trainingJob.error}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 180_000);

afterAll(async () => {
  await server?.services.runner.stop();
  await server?.close();
  await testDatabase?.dispose();
});

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
