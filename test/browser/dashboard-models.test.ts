// The dashboard's Training, Models and Compare pages in Chromium against the real server on PostgreSQL,
// authentication on: a short training job started from the form (defaults from the API's
// detectorKinds) is watched to its registered version; the Models page lists both versions, shows the
// new one's losses per epoch, ROC and precision-recall curves with its operating point, score
// distributions and confusion matrix as the API gives them, and activates it; the Compare page shows
// the two versions' deltas, agreement and curves as compareModelVersions gives them.
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
  // A first, active version trained through the API, of another kind so that the comparison has
  // differences to show: the one made in the browser is the second.
  firstVersionId = await dashboard.train(`{ name: "first", kind: "pca-reconstruction", activate: true, trainUnits: [{ from: 1, to: 4 }],
    calibrationUnits: [{ from: 5, to: 6 }], testUnits: [{ from: 7, to: 8 }] }`);
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

  it('lists both versions and shows the new one as the API has it: losses, curves, distributions, confusion matrix', async () => {
    await page.getByTestId('registered-version').click();
    await page.waitForURL(new RegExp(`#/models/${jobVersionId}$`));
    await page.locator('tr[data-version-id]').nth(1).waitFor();
    expect(await page.locator('tr[data-version-id]').count()).toBe(2);
    // Each version's kind and scoring method as the API names them (the PCA one's too).
    const { modelVersions } = await api(`{ modelVersions { items { id kind scoringMethod { kind } } } }`);
    expect(modelVersions.items.map((item: { scoringMethod: { kind: string } }) => item.scoringMethod.kind).sort()).toEqual([
      'pca-reconstruction-error',
      'reconstruction-error',
    ]);
    for (const item of modelVersions.items) {
      const cells = page.locator(`tr[data-version-id="${item.id}"] td`);
      expect(await cells.nth(1).textContent()).toBe(item.kind);
      expect(await cells.nth(2).textContent()).toBe(item.scoringMethod.kind);
    }

    const { modelVersion } = await api(
      `query ($id: Int!) { modelVersion(id: $id) { lineage { trainingJobId }
        evaluations { metrics { threshold recall precision confusion { tp fp tn fn } } rocCurve { falsePositiveRate }
          scoreDistribution { edges healthy anomalous } } } }`,
      { id: jobVersionId },
    );
    const [evaluation] = modelVersion.evaluations;
    const { recall, precision, confusion, threshold } = evaluation.metrics;
    const roc = page.getByTestId('roc-curve');
    await roc.waitFor();
    expect(JSON.parse((await roc.getAttribute('data-operating-points'))!)).toEqual([
      { x: confusion.fp / (confusion.fp + confusion.tn), y: recall },
    ]);
    expect(JSON.parse((await page.getByTestId('pr-curve').getAttribute('data-operating-points'))!)).toEqual([{ x: recall, y: precision }]);
    const drawnRoc = (await roc.locator('polyline').getAttribute('points'))!.split(' ');
    expect(drawnRoc).toHaveLength(evaluation.rocCurve.length);

    // The confusion matrix, cell by cell.
    for (const cell of ['tp', 'fp', 'tn', 'fn'] as const) {
      expect(await page.getByTestId('confusion-matrix').locator(`[data-cell="${cell}"]`).textContent()).toBe(String(confusion[cell]));
    }

    // The score distributions: every bin the API gives, drawn with the threshold.
    const distribution = page.getByTestId('score-distribution');
    const { edges, healthy, anomalous } = evaluation.scoreDistribution;
    expect(JSON.parse((await distribution.getAttribute('data-drawn-bins'))!)).toEqual(
      healthy.map((count: number, k: number) => ({ from: edges[k], to: edges[k + 1], healthy: count, anomalous: anomalous[k] })),
    );
    expect(Number(await distribution.getAttribute('data-threshold'))).toBe(threshold);
    expect(anomalous.reduce((sum: number, count: number) => sum + count, 0)).toBe(confusion.tp + confusion.fn);

    // The losses per epoch of the job that trained it.
    const { trainingJob } = await api(`query ($id: Int!) { trainingJob(id: $id) { epochs { epoch loss validationLoss } } }`, {
      id: modelVersion.lineage.trainingJobId,
    });
    expect(trainingJob.epochs).toHaveLength(EPOCHS);
    const losses = page.getByTestId('version-losses');
    expect(JSON.parse((await losses.getAttribute('data-epochs'))!)).toEqual(trainingJob.epochs);
    await page.getByTestId('version-loss-chart').locator('canvas').waitFor();

    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await saveScreenshot(page, 'models');
    expect(session.problems).toEqual([]);
    expect(session.blocked).toEqual([]);
  }, 120_000);

  it('activates the new version', async () => {
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
    expect(session.problems).toEqual([]);
  }, 120_000);

  it('compares the two versions: the deltas, agreement and curves drawn are those of compareModelVersions', async () => {
    const compareLink = page.getByTestId('compare-link');
    expect(await compareLink.count()).toBe(0);
    await page
      .getByRole('checkbox', { name: /^Compare v/ })
      .first()
      .waitFor();
    const { modelVersions } = await api(`{ modelVersions { items { id version } } }`);
    const label = (id: number) => `Compare v${modelVersions.items.find((item: { id: number }) => item.id === id).version}`;
    await page.getByRole('checkbox', { name: label(firstVersionId), exact: true }).check();
    await page.getByRole('checkbox', { name: label(jobVersionId), exact: true }).check();
    await compareLink.click();
    await page.waitForURL(/#\/compare\?ids=/);
    const ids = [firstVersionId, jobVersionId];
    expect(new URLSearchParams(page.url().split('?')[1]).get('ids')).toBe(ids.join(','));

    const { compareModelVersions } = await api(
      `query ($ids: [Int!]!) { compareModelVersions(ids: $ids) { commonWindows
        versions { version { id } metrics { rocAuc prAuc precision recall f1 accuracy confusion { fp tn } }
          deltas { rocAuc prAuc precision recall f1 accuracy } agreement flaggedOnlyByThis flaggedOnlyByFirst
          rocCurve { falsePositiveRate } prCurve { recall } } } }`,
      { ids },
    );
    const table = page.getByTestId('comparison-table');
    await table.waitFor({ timeout: 60_000 });
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    const metricNames = ['rocAuc', 'prAuc', 'precision', 'recall', 'f1', 'accuracy'];
    for (const [index, entry] of compareModelVersions.versions.entries()) {
      const row = rows.nth(index);
      expect(await row.getAttribute('data-version-id')).toBe(String(entry.version.id));
      for (const name of metricNames) {
        const value = entry.metrics[name];
        const delta = entry.deltas[name];
        const expected =
          value === null
            ? '—'
            : index === 0
              ? value.toFixed(3)
              : `${value.toFixed(3)} (${delta >= 0 ? '+' : '−'}${Math.abs(delta).toFixed(3)})`;
        expect(await row.locator(`[data-metric="${name}"]`).textContent()).toBe(expected);
      }
      expect(await row.locator('[data-metric="agreement"]').textContent()).toBe(`${(entry.agreement * 100).toFixed(1)}%`);
      expect(await row.locator('[data-metric="flaggedOnlyByThis"]').textContent()).toBe(String(entry.flaggedOnlyByThis));
      expect(await row.locator('[data-metric="flaggedOnlyByFirst"]').textContent()).toBe(String(entry.flaggedOnlyByFirst));
    }
    expect(compareModelVersions.versions[0].agreement).toBe(1);
    expect(await page.getByTestId('comparison-summary').textContent()).toContain(`${compareModelVersions.commonWindows} windows`);

    // One curve per version, each with its operating point.
    const roc = page.getByTestId('compare-roc');
    const polylines = roc.locator('polyline');
    expect(await polylines.count()).toBe(2);
    for (const [index, entry] of compareModelVersions.versions.entries()) {
      expect((await polylines.nth(index).getAttribute('points'))!.split(' ')).toHaveLength(entry.rocCurve.length);
    }
    expect(JSON.parse((await roc.getAttribute('data-operating-points'))!)).toEqual(
      compareModelVersions.versions.map((entry: { metrics: { recall: number; confusion: { fp: number; tn: number } } }) => ({
        x: entry.metrics.confusion.fp / (entry.metrics.confusion.fp + entry.metrics.confusion.tn),
        y: entry.metrics.recall,
      })),
    );
    expect(await page.getByTestId('compare-pr').locator('polyline').count()).toBe(2);

    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await saveScreenshot(page, 'compare');
    expect(session.problems).toEqual([]);
    expect(session.blocked).toEqual([]);
  }, 120_000);

  it('refuses a comparison of one version without asking the API', async () => {
    await page.goto(`${server.url}/#/compare?ids=${firstVersionId}`);
    expect(await page.getByRole('alert').textContent()).toContain('choose between 2 and 4 versions, not 1');
    expect(session.problems).toEqual([]);
  });
});
