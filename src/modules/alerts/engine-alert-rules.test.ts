// An engine's own alert rule under a version, against a real database: it judges the engine's windows
// from the next scored one (stored alerts stay), changes of the version's rule pass the engine by until
// its rule is cleared, other engines keep the version's rule, and refused changes write nothing.
import type { ModelVersion } from '@prisma/client';
import type { AppServices } from '../../main/services';
import { alertEpisodes, DEFAULT_ALERT_RULE, type AlertRuleSettings } from '../../domain/alerts/alert-rule';
import { ErrorCode } from '../../platform/errors';
import { trainUnitCycles } from '../../../test/support/cmapss-fixtures';
import { chunked, fleetCsv } from '../../../test/support/csv-fixtures';
import { describeEachDatabase } from '../../../test/support/databases';
import { zScoreVersionScenario } from '../../../test/support/scenarios';
import { serviceErrorOf } from '../../../test/support/service-errors';
import { parseImportOptions } from '../datasets/import-options';

/** FD001 train unit 8's cycles (settings and 21 sensors): it runs to failure, so alerts open. */
const unit8 = trainUnitCycles(8);

const EAGER: AlertRuleSettings = { ...DEFAULT_ALERT_RULE, k: 1, n: 1, m: 1 };

describeEachDatabase('per-engine alert rules', (db) => {
  let services: AppServices;
  let version: ModelVersion;
  const alertSpans = async (engineId: number) =>
    (await db().prisma.alert.findMany({ where: { engineId, modelVersionId: version.id }, orderBy: { openedCycle: 'asc' } })).map(
      (alert) => [alert.openedCycle, alert.closedCycle],
    );
  const sequenceOf = async (engineId: number) =>
    (
      await db().query<{ end_cycle: number; score: number; threshold: number }>(
        'SELECT end_cycle, score, threshold FROM scores WHERE engine_id = $1 AND model_version_id = $2 ORDER BY end_cycle',
        [engineId, version.id],
      )
    ).map((row) => ({ cycle: row.end_cycle, score: row.score, threshold: row.threshold }));
  const spans = (episodes: { openedCycle: number; closedCycle: number | null }[]) =>
    episodes.map((episode) => [episode.openedCycle, episode.closedCycle]);
  const periodsOf = async (engineId: number) =>
    (await db().prisma.alertRulePeriod.findMany({ where: { engineId, modelVersionId: version.id }, orderBy: { fromCycle: 'asc' } })).map(
      (period) => [period.fromCycle, period.rule],
    );

  beforeAll(async () => {
    ({ services, version } = await zScoreVersionScenario(db(), { activate: true }));
  }, 120_000);

  it("judges an engine by its own rule from its first window, and the others by the version's", async () => {
    const own = await services.liveEngines.create('ESN-own-rule', 'FD001');
    const other = await services.liveEngines.create('ESN-version-rule', 'FD001');
    expect(await services.engineAlertRules.ruleOf(own.id, version.id)).toEqual({
      engineId: own.id,
      modelVersionId: version.id,
      rule: DEFAULT_ALERT_RULE,
      overridden: false,
    });
    const set = await services.engineAlertRules.set(own.id, version.id, { k: 1, n: 1, m: 1 });
    expect(set).toEqual({ engineId: own.id, modelVersionId: version.id, rule: EAGER, overridden: true });
    expect(await services.engineAlertRules.ruleOf(own.id, version.id)).toEqual(set);
    // Not scored yet: no periods, the engine's rule judges all of it.
    expect(await periodsOf(own.id)).toEqual([]);

    for (const engine of [own, other]) await services.liveEngines.append(engine.id, unit8, { score: true });
    const ownSpans = await alertSpans(own.id);
    expect(ownSpans).toEqual(spans(alertEpisodes(await sequenceOf(own.id), EAGER)));
    expect(await alertSpans(other.id)).toEqual(spans(alertEpisodes(await sequenceOf(other.id), DEFAULT_ALERT_RULE)));
    // The same windows judged two ways: the rules differ where it shows.
    expect(ownSpans).not.toEqual(await alertSpans(other.id));
  }, 120_000);

  it("applies a rule set or cleared mid-way from the next window, and passes the engine by on the version's changes", async () => {
    const engine = await services.liveEngines.create('ESN-mid-way', 'FD001');
    const bystander = await services.liveEngines.create('ESN-bystander', 'FD001');
    const cut = unit8.length - 40;
    for (const id of [engine.id, bystander.id]) await services.liveEngines.append(id, unit8.slice(0, cut), { score: true });
    const before = await alertSpans(engine.id);

    await services.engineAlertRules.set(engine.id, version.id, { k: 1, n: 1, m: 1 });
    expect(await periodsOf(engine.id)).toEqual([
      [0, DEFAULT_ALERT_RULE],
      [cut + 1, EAGER],
    ]);
    expect(await periodsOf(bystander.id)).toEqual([]);
    expect(await alertSpans(engine.id)).toEqual(before);

    // The version's rule changes: the bystander takes it from its next window, the engine keeps its own.
    const strict: AlertRuleSettings = { ...DEFAULT_ALERT_RULE, k: 2, n: 3 };
    await services.curation.setAlertRule(version.id, { k: 2, n: 3 });
    expect(await periodsOf(engine.id)).toEqual([
      [0, DEFAULT_ALERT_RULE],
      [cut + 1, EAGER],
    ]);
    expect(await periodsOf(bystander.id)).toEqual([
      [0, DEFAULT_ALERT_RULE],
      [cut + 1, strict],
    ]);
    expect((await services.engineAlertRules.ruleOf(engine.id, version.id)).rule).toEqual(EAGER);
    expect(await services.engineAlertRules.ruleOf(bystander.id, version.id)).toMatchObject({ rule: strict, overridden: false });

    await services.liveEngines.append(engine.id, unit8.slice(cut, cut + 20), { score: true });
    // Cleared: the version's rule (now strict) judges it from its next window.
    expect(await services.engineAlertRules.clear(engine.id, version.id)).toEqual({
      engineId: engine.id,
      modelVersionId: version.id,
      rule: strict,
      overridden: false,
    });
    expect(await periodsOf(engine.id)).toEqual([
      [0, DEFAULT_ALERT_RULE],
      [cut + 1, EAGER],
      [cut + 21, strict],
    ]);
    await services.liveEngines.append(engine.id, unit8.slice(cut + 20), { score: true });
    const expected = alertEpisodes(await sequenceOf(engine.id), [
      { fromCycle: 0, settings: DEFAULT_ALERT_RULE },
      { fromCycle: cut + 1, settings: EAGER },
      { fromCycle: cut + 21, settings: strict },
    ]);
    expect(await alertSpans(engine.id)).toEqual(spans(expected));
    // Clearing again changes nothing.
    await services.engineAlertRules.clear(engine.id, version.id);
    expect(await periodsOf(engine.id)).toHaveLength(3);
  }, 120_000);

  it('refuses unknown engines and versions, inconsistent settings, archived versions and foreign engines, writing nothing', async () => {
    const engine = await services.liveEngines.create('ESN-refused', 'FD001');
    const count = async () => [await db().prisma.engineAlertRule.count(), await db().prisma.alertRulePeriod.count()];
    const written = await count();
    const refused = async (attempt: Promise<unknown>, code: string, message?: RegExp) => {
      const error = await serviceErrorOf(attempt);
      expect(error.code).toBe(code);
      if (message) expect(error.message).toMatch(message);
    };
    await refused(services.engineAlertRules.set(999_999, version.id, { k: 1 }), ErrorCode.NOT_FOUND, /engine 999999/);
    await refused(services.engineAlertRules.set(engine.id, 999_999, { k: 1 }), ErrorCode.NOT_FOUND, /model version 999999/);
    await refused(services.engineAlertRules.ruleOf(engine.id, 999_999), ErrorCode.NOT_FOUND);
    await refused(services.engineAlertRules.set(engine.id, version.id, { k: 9 }), ErrorCode.BAD_USER_INPUT, /^rule: /);
    await refused(services.engineAlertRules.set(engine.id, version.id, { drivingSensors: -1 }), ErrorCode.BAD_USER_INPUT);

    // An engine of a data set whose sensors the version does not read.
    const queued = await services.imports.upload(
      parseImportOptions({ dataset: 'renamed-fleet', filename: 'fleet.csv' }),
      chunked(fleetCsv(1)),
      1 << 30,
    );
    expect(await services.importRunner.runNext(queued.id)).toMatchObject({ status: 'SUCCEEDED' });
    const foreign = await db().prisma.engine.findFirstOrThrow({ where: { dataset: { name: 'renamed-fleet' } } });
    await refused(services.engineAlertRules.set(foreign.id, version.id, { k: 1 }), ErrorCode.BAD_USER_INPUT, /has no sensor/);

    const job = await services.jobs.enqueue({
      kind: 'z-score',
      trainUnits: [{ from: 1, to: 4 }],
      calibrationUnits: [{ from: 5, to: 6 }],
      testUnits: [{ from: 7, to: 8 }],
    });
    const spare = (await services.runner.runNext(job.id))!.modelVersionId!;
    await services.curation.archive(spare);
    const before = await count();
    await refused(services.engineAlertRules.set(engine.id, spare, { k: 1 }), ErrorCode.CONFLICT, /archived/);
    await refused(services.engineAlertRules.clear(engine.id, spare), ErrorCode.CONFLICT);
    expect(await count()).toEqual(before);
    // The spare's registration scored its test engines (periods none: no rule changed), nothing else was written.
    expect(before).toEqual(written);
  }, 120_000);
});
