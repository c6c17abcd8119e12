// Alerts as data against a real database: raised by the scoring paths that write engine scores (a
// version's registration on its test engines, a stored engine's trajectory, scores stored before alerts
// existed), never duplicated when the same windows are scored again, listed with cursors and filters, and
// moved by operators.
import type { AppServices } from '../../main/services';
import { alertEpisodes, DEFAULT_ALERT_RULE } from '../../domain/alerts/alert-rule';
import { ErrorCode } from '../../platform/errors';
import { describeEachDatabase } from '../../../test/support/databases';
import { zScoreVersionScenario } from '../../../test/support/scenarios';
import { refreshEngineAlerts } from './alert-store';

describeEachDatabase('alerts', (db) => {
  let services: AppServices;
  let versionId: number;
  const engineIdOf = async (unit: number) => (await db().prisma.engine.findFirstOrThrow({ where: { role: 'TRAIN', unit } })).id;
  const alertsOf = (engineId: number) =>
    db().prisma.alert.findMany({ where: { engineId, modelVersionId: versionId }, orderBy: { openedCycle: 'asc' } });

  beforeAll(async () => {
    const scenario = await zScoreVersionScenario(db());
    services = scenario.services;
    versionId = scenario.version.id;
  });

  /** What the rule says of an engine's stored scores, recomputed here from the scores table. */
  async function expectedEpisodes(engineId: number) {
    const rows = await db().query<{ end_cycle: number; score: number; threshold: number }>(
      'SELECT end_cycle, score, threshold FROM scores WHERE engine_id = $1 AND model_version_id = $2 ORDER BY end_cycle',
      [engineId, versionId],
    );
    return alertEpisodes(
      rows.map((row) => ({ cycle: row.end_cycle, score: row.score, threshold: row.threshold })),
      DEFAULT_ALERT_RULE,
    );
  }

  it('raises the alerts of the test engines when a version is registered', async () => {
    for (const unit of [7, 8]) {
      const engineId = await engineIdOf(unit);
      const expected = await expectedEpisodes(engineId);
      expect(expected.length).toBeGreaterThan(0); // both run to failure
      const stored = await alertsOf(engineId);
      expect(stored.map((alert) => [alert.openedCycle, alert.closedCycle, alert.severity, alert.lastCycle])).toEqual(
        expected.map((episode) => [episode.openedCycle, episode.closedCycle, episode.severity, episode.lastCycle]),
      );
      const last = stored.at(-1)!;
      expect(last.state).toBe(last.closedCycle === null ? 'OPEN' : 'CLOSED');
      expect((last.drivingSensors as { sensor: string }[]).length).toBe(DEFAULT_ALERT_RULE.drivingSensors);
    }
  });

  it('raises alerts when a stored engine trajectory is scored, and never duplicates them', async () => {
    const engineId = await engineIdOf(5);
    expect(await alertsOf(engineId)).toEqual([]);
    await services.trajectories.trajectory(engineId, versionId, {});
    const first = await alertsOf(engineId);
    expect(first.map((alert) => alert.openedCycle)).toEqual((await expectedEpisodes(engineId)).map((episode) => episode.openedCycle));
    expect(first.length).toBeGreaterThan(0);

    // The same windows again, through every path that reaches them.
    await services.trajectories.trajectory(engineId, versionId, {});
    await services.evaluations.evaluate(versionId, { units: [{ from: 5, to: 8 }] });
    const version = await services.models.get(versionId);
    await refreshEngineAlerts(db().query, engineId, version);
    expect(await alertsOf(engineId)).toEqual(first);
  });

  it('raises the alerts of scores stored without them when their trajectory is read, once', async () => {
    const engineId = await engineIdOf(6);
    await services.trajectories.trajectory(engineId, versionId, {});
    const raised = await alertsOf(engineId);
    expect(raised.length).toBeGreaterThan(0);
    // As scores stored before the alerts table: the scores are there, their alerts are not.
    await db().prisma.alert.deleteMany({ where: { engineId, modelVersionId: versionId } });
    await services.trajectories.trajectory(engineId, versionId, {});
    const again = await alertsOf(engineId);
    const summary = (alerts: typeof raised) => alerts.map((alert) => [alert.openedCycle, alert.closedCycle, alert.severity, alert.state]);
    expect(summary(again)).toEqual(summary(raised));
    await services.trajectories.trajectory(engineId, versionId, { fromCycle: 40 });
    expect(await alertsOf(engineId)).toEqual(again);
  });

  it('refuses a second alert for the same engine, version and opening window', async () => {
    const [alert] = await db().prisma.alert.findMany({ take: 1 });
    await expect(
      db().query(
        `INSERT INTO alerts (engine_id, model_version_id, opened_cycle, last_cycle, severity, driving_sensors, peak_score, threshold)
         VALUES ($1, $2, $3, $3, 'WARNING', '[]', 1, 1)`,
        [alert.engineId, alert.modelVersionId, alert.openedCycle],
      ),
    ).rejects.toThrow(/alerts_engine_id_model_version_id_opened_cycle_key/);
  });

  it('lists alerts newest first, page by page with cursors, and by engine, state and severity', async () => {
    const all = await db().prisma.alert.findMany({ orderBy: { id: 'desc' } });
    const seen: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await services.alerts.list({}, { first: 2, after });
      expect(page.totalCount).toBe(all.length);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...page.edges.map((edge) => edge.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.map((alert) => alert.id));

    const engineId = await engineIdOf(7);
    const byEngine = await services.alerts.list({ engineId }, { first: 500 });
    expect(byEngine.edges.map((edge) => edge.node.id)).toEqual(all.filter((alert) => alert.engineId === engineId).map((alert) => alert.id));
    const critical = await services.alerts.list({ severity: 'CRITICAL', state: 'OPEN' }, { first: 500 });
    expect(critical.edges.map((edge) => edge.node.id)).toEqual(
      all.filter((alert) => alert.severity === 'CRITICAL' && alert.state === 'OPEN').map((alert) => alert.id),
    );
  });

  it('refuses bad pages with BAD_USER_INPUT', async () => {
    await expect(services.alerts.list({}, { first: 0 })).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    await expect(services.alerts.list({}, { first: 501 })).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    await expect(services.alerts.list({}, { first: 10, after: 'not-a-cursor' })).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
  });

  it('lets operators acknowledge then resolve an alert, and refuses transitions that do not apply', async () => {
    const [open] = await db().prisma.alert.findMany({ where: { state: 'OPEN' }, take: 1 });
    const acknowledged = await services.alerts.acknowledge(open.id);
    expect(acknowledged).toMatchObject({ id: open.id, state: 'ACKNOWLEDGED' });
    expect(acknowledged.acknowledgedAt).toBeInstanceOf(Date);
    await expect(services.alerts.acknowledge(open.id)).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
    const resolved = await services.alerts.resolve(open.id);
    expect(resolved).toMatchObject({ state: 'RESOLVED' });
    await expect(services.alerts.resolve(open.id)).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
    await expect(services.alerts.acknowledge(999_999)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });

    // Scoring the same windows again keeps the operator's state.
    const version = await services.models.get(versionId);
    await refreshEngineAlerts(db().query, open.engineId, version);
    expect((await db().prisma.alert.findUniqueOrThrow({ where: { id: open.id } })).state).toBe('RESOLVED');
  });
});
