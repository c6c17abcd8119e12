// Each model version's alert rule, against a real database: given at training (or the default), used by
// every path that raises alerts or measures engine-level metrics, changed by an operator from each
// engine's next scored window (stored alerts stay, an open alert stays the same alert), and carried by
// portable files (files without one get the default).
import { createHash } from 'node:crypto';
import type { ModelVersion } from '@prisma/client';
import type { AppServices } from '../../main/services';
import { alertEpisodes, DEFAULT_ALERT_RULE, type AlertRuleSettings } from '../../domain/alerts/alert-rule';
import { chooseAlertRule } from '../../domain/alerts/rule-choice';
import { ErrorCode } from '../../platform/errors';
import { trainUnitCycles } from '../../../test/support/cmapss-fixtures';
import { describeEachDatabase } from '../../../test/support/databases';
import { SMALL_SPLIT, zScoreVersionScenario } from '../../../test/support/scenarios';
import { serviceErrorOf } from '../../../test/support/service-errors';
import type { MetricsRecord } from '../evaluation/evaluation-records';

/** FD001 train unit 8's cycles (settings and 21 sensors): it runs to failure, so alerts open. */
const unit8 = trainUnitCycles(8);

describeEachDatabase('per-version alert rules', (db) => {
  let services: AppServices;
  let active: ModelVersion;
  const engineIdOf = async (unit: number) => (await db().prisma.engine.findFirstOrThrow({ where: { role: 'TRAIN', unit } })).id;
  const alertsOf = (engineId: number, modelVersionId: number) =>
    db().prisma.alert.findMany({ where: { engineId, modelVersionId }, orderBy: { openedCycle: 'asc' } });
  const sequenceOf = async (engineId: number, modelVersionId: number) =>
    (
      await db().query<{ end_cycle: number; score: number; threshold: number }>(
        'SELECT end_cycle, score, threshold FROM scores WHERE engine_id = $1 AND model_version_id = $2 ORDER BY end_cycle',
        [engineId, modelVersionId],
      )
    ).map((row) => ({ cycle: row.end_cycle, score: row.score, threshold: row.threshold }));
  const spans = (episodes: { openedCycle: number; closedCycle: number | null }[]) =>
    episodes.map((episode) => [episode.openedCycle, episode.closedCycle]);
  const trained = async (input: Parameters<AppServices['jobs']['enqueue']>[0]) => {
    const job = await services.jobs.enqueue(input);
    const finished = await services.runner.runNext(job.id);
    return db().prisma.modelVersion.findUniqueOrThrow({ where: { id: finished!.modelVersionId! } });
  };

  beforeAll(async () => {
    ({ services, version: active } = await zScoreVersionScenario(db(), { activate: true }));
  }, 120_000);

  it('stores the rule given at training (else the default) and raises alerts and engine-level metrics with it', async () => {
    expect(active.alertRule).toEqual(DEFAULT_ALERT_RULE);
    const eager = await trained({ ...SMALL_SPLIT, kind: 'z-score', alertRule: { k: 1, n: 1, m: 1, critical: { windows: 40 } } });
    const rule: AlertRuleSettings = { ...DEFAULT_ALERT_RULE, k: 1, n: 1, m: 1, critical: { excess: 1, windows: 40 } };
    expect(eager.alertRule).toEqual(rule);
    expect((eager.metrics as unknown as MetricsRecord).engineLevel!.rule).toEqual({ k: 1, n: 1, m: 1 });

    // Its registration's alerts on a test engine, and a trajectory read's on another engine.
    const trainEngine = await engineIdOf(3);
    await services.trajectories.trajectory(trainEngine, eager.id, {});
    for (const engineId of [await engineIdOf(7), trainEngine]) {
      const sequence = await sequenceOf(engineId, eager.id);
      expect(spans(alertEpisodes(sequence, rule))).not.toEqual(spans(alertEpisodes(sequence, DEFAULT_ALERT_RULE)));
      expect(spans(await alertsOf(engineId, eager.id))).toEqual(spans(alertEpisodes(sequence, rule)));
    }
  }, 120_000);

  it('chooses k, n and m on the calibration engines when asked, and records the choice', async () => {
    const chosen = await trained({ ...SMALL_SPLIT, kind: 'z-score', chooseAlertRule: true, alertRule: { drivingSensors: 2 } });
    const choice = (chosen.trainedOn as { alertRuleChoice: Record<string, unknown> }).alertRuleChoice;
    // The same choice from the calibration engines' windows as a trajectory read scores them (units 5 and 6 run to failure).
    const engines = [];
    for (const unit of [5, 6]) {
      const engineId = await engineIdOf(unit);
      await services.trajectories.trajectory(engineId, chosen.id, {});
      const { lastCycle } = await db().prisma.engine.findUniqueOrThrow({ where: { id: engineId } });
      const windows = (await sequenceOf(engineId, chosen.id)).map((window) => ({ ...window, rul: lastCycle - window.cycle }));
      engines.push({ engineId, windows });
    }
    const expected = chooseAlertRule(
      engines,
      chosen.threshold,
      { healthyRul: 100, anomalyRul: 30 },
      { ...DEFAULT_ALERT_RULE, drivingSensors: 2 },
    );
    expect(chosen.alertRule).toEqual(expected.rule);
    expect(choice).toMatchObject({ chosen: true, k: expected.rule.k, n: expected.rule.n, m: expected.rule.m, failingEngines: 2 });
    expect(choice.alertedBeforeFailure).toBe(expected.alertedBeforeFailure);
    expect((chosen.metrics as unknown as MetricsRecord).engineLevel!.rule).toEqual({
      k: expected.rule.k,
      n: expected.rule.n,
      m: expected.rule.m,
    });

    const refused = await serviceErrorOf(
      services.jobs.enqueue({ ...SMALL_SPLIT, kind: 'z-score', chooseAlertRule: true, alertRule: { k: 2 } }),
    );
    expect(refused.code).toBe(ErrorCode.INVALID_TRAINING_CONFIG);
  }, 120_000);

  it('refuses an inconsistent rule at training with INVALID_TRAINING_CONFIG, queuing nothing', async () => {
    const jobs = await db().prisma.trainingJob.count();
    for (const alertRule of [
      { k: 8 },
      { k: 2, n: 1 },
      { m: 0 },
      { serious: { windows: 31 } },
      { n: 1_001 },
      { critical: { excess: -1 } },
    ]) {
      const error = await serviceErrorOf(services.jobs.enqueue({ ...SMALL_SPLIT, kind: 'z-score', alertRule }));
      expect(error.code).toBe(ErrorCode.INVALID_TRAINING_CONFIG);
      expect(error.message).toMatch(/^alertRule: /);
    }
    expect(await db().prisma.trainingJob.count()).toBe(jobs);
  });

  it('refuses to change the rule of an unknown or archived version, or to an inconsistent rule, changing nothing', async () => {
    expect((await serviceErrorOf(services.curation.setAlertRule(999_999, { k: 1 }))).code).toBe(ErrorCode.NOT_FOUND);
    expect((await serviceErrorOf(services.curation.setAlertRule(active.id, { k: 9 }))).code).toBe(ErrorCode.BAD_USER_INPUT);
    expect((await serviceErrorOf(services.curation.setAlertRule(active.id, { drivingSensors: -1 }))).code).toBe(ErrorCode.BAD_USER_INPUT);
    const spare = await trained({ ...SMALL_SPLIT, kind: 'z-score' });
    await services.curation.archive(spare.id);
    expect((await serviceErrorOf(services.curation.setAlertRule(spare.id, { k: 1 }))).code).toBe(ErrorCode.CONFLICT);
    for (const id of [active.id, spare.id]) {
      expect((await db().prisma.modelVersion.findUniqueOrThrow({ where: { id } })).alertRule).toEqual(DEFAULT_ALERT_RULE);
    }
    expect(await db().prisma.alertRulePeriod.count()).toBe(0);
  }, 120_000);

  it('applies a changed rule from the next scored window: stored alerts stay, an open alert stays open, none repeats', async () => {
    // Where the default rule opens unit 8's last alert, from a first live engine fed the whole unit.
    const probe = await services.liveEngines.create('ESN-rule-probe', 'FD001');
    await services.liveEngines.append(probe.id, unit8, { score: true });
    const lastOpened = (await alertsOf(probe.id, active.id)).at(-1)!.openedCycle;

    // A second live engine fed up to two windows after that opening: the alert is open (m is 5).
    const engine = await services.liveEngines.create('ESN-rule-change', 'FD001');
    const cut = lastOpened + 2;
    await services.liveEngines.append(engine.id, unit8.slice(0, cut), { score: true });
    const before = await alertsOf(engine.id, active.id);
    expect(before.at(-1)).toMatchObject({ openedCycle: lastOpened, closedCycle: null, state: 'OPEN' });

    const strict: AlertRuleSettings = { ...DEFAULT_ALERT_RULE, k: 2, n: 3, m: 1 };
    const changed = await services.curation.setAlertRule(active.id, { k: 2, n: 3, m: 1 });
    expect(changed.alertRule).toEqual(strict);
    const periods = await db().prisma.alertRulePeriod.findMany({ where: { engineId: engine.id }, orderBy: { fromCycle: 'asc' } });
    expect(periods.map((period) => [period.fromCycle, period.rule])).toEqual([
      [0, DEFAULT_ALERT_RULE],
      [cut + 1, strict],
    ]);
    // Nothing scored since: the alerts are as they were.
    expect(await alertsOf(engine.id, active.id)).toEqual(before);

    await services.liveEngines.append(engine.id, unit8.slice(cut), { score: true });
    const after = await alertsOf(engine.id, active.id);
    const sequence = await sequenceOf(engine.id, active.id);
    const expected = alertEpisodes(sequence, [
      { fromCycle: 0, settings: DEFAULT_ALERT_RULE },
      { fromCycle: cut + 1, settings: strict },
    ]);
    expect(spans(after)).toEqual(spans(expected));
    // The alerts raised before the change are the same rows, the open one among them.
    expect(after.slice(0, before.length).map((alert) => [alert.id, alert.openedCycle])).toEqual(
      before.map((alert) => [alert.id, alert.openedCycle]),
    );
    // Judging the whole history by the new rule would have rewritten it.
    expect(spans(alertEpisodes(sequence, strict))).not.toEqual(spans(expected));

    // Engines scored only after the change, and evaluations, use the new rule throughout.
    const fresh = await engineIdOf(2);
    await services.trajectories.trajectory(fresh, active.id, {});
    expect(spans(await alertsOf(fresh, active.id))).toEqual(spans(alertEpisodes(await sequenceOf(fresh, active.id), strict)));
    const evaluation = await services.evaluations.evaluate(active.id, { units: [{ from: 7, to: 8 }] });
    expect((evaluation.metrics as unknown as MetricsRecord).engineLevel!.rule).toEqual({ k: 2, n: 3, m: 1 });

    // The same rule again changes nothing.
    await services.curation.setAlertRule(active.id, { k: 2 });
    expect(await db().prisma.alertRulePeriod.count({ where: { engineId: engine.id } })).toBe(2);
  }, 120_000);

  it('carries the rule in portable files; a file without one imports with the default', async () => {
    const exported = await services.transfer.exportVersion(active.id);
    const file = JSON.parse(exported.text) as { checksum: string; content: Record<string, unknown> };
    expect(file.content.alertRule).toEqual({ ...DEFAULT_ALERT_RULE, k: 2, n: 3, m: 1 });
    const imported = await services.transfer.importVersion(exported.text);
    expect(imported.alertRule).toEqual({ ...DEFAULT_ALERT_RULE, k: 2, n: 3, m: 1 });

    // As written before versions carried a rule: same format version, no alertRule.
    delete file.content.alertRule;
    file.checksum = `sha256:${createHash('sha256').update(JSON.stringify(file.content)).digest('hex')}`;
    const older = await services.transfer.importVersion(JSON.stringify(file));
    expect(older.alertRule).toEqual(DEFAULT_ALERT_RULE);

    // An inconsistent rule is refused like any malformed field, writing nothing.
    file.content.alertRule = { ...DEFAULT_ALERT_RULE, k: 9 };
    file.checksum = `sha256:${createHash('sha256').update(JSON.stringify(file.content)).digest('hex')}`;
    const versions = await db().prisma.modelVersion.count();
    expect((await serviceErrorOf(services.transfer.importVersion(JSON.stringify(file)))).code).toBe(ErrorCode.INVALID_VERSION_FILE);
    expect(await db().prisma.modelVersion.count()).toBe(versions);
  });
});
