// A live engine reports its last 60 cycles over HTTP with appendCycles(score: true): an alert opens and
// its severity rises, as the alerts query shows; an operator acknowledges it; bad requests get typed errors.
import { importFirstUnits, trainUnitCycles } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';

/** FD001 train unit 8's cycles as CycleInput (settings and 21 sensors); it fails after its last one. */
const unit8 = trainUnitCycles(8);

const SEVERITY_ORDER = ['WARNING', 'SERIOUS', 'CRITICAL'];

describe('alerts over HTTP from a live engine', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;

  const graphql = (query: string, variables: Record<string, unknown> = {}) => server.graphql(query, variables);

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 8);
    server = await startTestServer(testDatabase.database);
    // The live engine replays unit 8, which neither fits nor calibrates this version.
    const job = await server.services.jobs.enqueue({
      kind: 'z-score',
      trainUnits: [{ from: 1, to: 4 }],
      calibrationUnits: [{ from: 5, to: 6 }],
      testUnits: [{ from: 7, to: 7 }],
      activate: true,
    });
    expect((await server.services.runner.runNext(job.id))?.status).toBe('SUCCEEDED');
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await testDatabase?.dispose();
  });

  it('opens an alert whose severity rises as the engine nears failure', async () => {
    const created = await graphql('mutation { createEngine(input: { externalId: "ESN-unit-8", dataset: "FD001" }) { id } }');
    const engineId = created.data.createEngine.id as number;
    const history = unit8.slice(0, -60);
    const append = (cycles: unknown[], score: boolean) =>
      graphql(
        'mutation ($id: Int!, $cycles: [CycleInput!]!, $score: Boolean!) { appendCycles(engineId: $id, cycles: $cycles, score: $score) { appendedCycles } }',
        {
          id: engineId,
          cycles,
          score,
        },
      );
    expect((await append(history, false)).errors).toBeUndefined();

    const seen: { cycle: number; severity: string; state: string; openedCycle: number }[] = [];
    for (let from = unit8.length - 60; from < unit8.length; from += 5) {
      expect((await append(unit8.slice(from, from + 5), true)).errors).toBeUndefined();
      const response = await graphql(
        'query ($id: Int!) { alerts(filter: { engineId: $id }, first: 10) { items { id engineId openedCycle severity state lastCycle drivingSensors { sensor share } } hasNextPage } }',
        { id: engineId },
      );
      expect(response.errors).toBeUndefined();
      const [latest] = response.data.alerts.items;
      if (latest) seen.push({ cycle: from + 5, severity: latest.severity, state: latest.state, openedCycle: latest.openedCycle });
    }

    expect(seen.length).toBeGreaterThan(0);
    const last = seen.at(-1)!;
    expect(last.state).toBe('OPEN');
    // Severity of the alert open at failure, as seen after each append: never falls, and rises.
    const ofLast = seen.filter((entry) => entry.openedCycle === last.openedCycle).map((entry) => SEVERITY_ORDER.indexOf(entry.severity));
    expect(ofLast).toEqual([...ofLast].sort((a, b) => a - b));
    expect(ofLast.at(-1)!).toBeGreaterThan(ofLast[0]);

    // Reading the trajectory scores the history appended without scores; reading it again raises nothing more.
    const trajectory = () => graphql('query ($id: Int!) { engine(id: $id) { trajectory { firstFlaggedCycle } } }', { id: engineId });
    expect((await trajectory()).errors).toBeUndefined();
    const before = await testDatabase.database.prisma.alert.findMany({ where: { engineId }, orderBy: { id: 'asc' } });
    expect((await trajectory()).errors).toBeUndefined();
    expect(await testDatabase.database.prisma.alert.findMany({ where: { engineId }, orderBy: { id: 'asc' } })).toEqual(before);

    const alert = await testDatabase.database.prisma.alert.findFirstOrThrow({ where: { engineId, openedCycle: last.openedCycle } });
    const acknowledged = await graphql('mutation ($id: Int!) { acknowledgeAlert(id: $id) { id state acknowledgedAt } }', { id: alert.id });
    expect(acknowledged.data.acknowledgeAlert).toMatchObject({ id: alert.id, state: 'ACKNOWLEDGED' });
    const again = await graphql('mutation ($id: Int!) { acknowledgeAlert(id: $id) { id } }', { id: alert.id });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('shows in a trajectory the alerts that overlap its windows, in opening order', async () => {
    const engine = await testDatabase.database.prisma.engine.findFirstOrThrow({ where: { externalId: 'ESN-unit-8' } });
    const all = await testDatabase.database.prisma.alert.findMany({ where: { engineId: engine.id }, orderBy: { openedCycle: 'asc' } });
    expect(all.length).toBeGreaterThan(0);
    const read = async (range: { fromCycle?: number; toCycle?: number }) => {
      const response = await graphql(
        'query ($id: Int!, $from: Int, $to: Int) { engine(id: $id) { trajectory(fromCycle: $from, toCycle: $to) { alerts { id openedCycle closedCycle severity state } } } }',
        { id: engine.id, from: range.fromCycle, to: range.toCycle },
      );
      expect(response.errors).toBeUndefined();
      return (response.data.engine.trajectory.alerts as { id: number }[]).map((alert) => alert.id);
    };
    expect(await read({})).toEqual(all.map((alert) => alert.id));
    const last = all.at(-1)!;
    const before = await read({ toCycle: last.openedCycle - 1 });
    expect(before).toEqual(all.filter((alert) => alert.openedCycle < last.openedCycle).map((alert) => alert.id));
    expect(before).not.toContain(last.id);
    expect(await read({ fromCycle: last.openedCycle })).toEqual(
      all.filter((alert) => alert.closedCycle === null || alert.closedCycle >= last.openedCycle).map((alert) => alert.id),
    );
  });

  it('answers bad alert requests with typed errors', async () => {
    const missing = await graphql('mutation { resolveAlert(id: 999999) { id } }');
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const badPage = await graphql('{ alerts(first: 0) { hasNextPage } }');
    expect(badPage.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badCursor = await graphql('{ alerts(after: "bm90LWEtY3Vyc29y") { hasNextPage } }');
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badSeverity = await graphql('{ alerts(filter: { severity: LOUD }) { hasNextPage } }');
    expect(badSeverity.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it("shows and changes a version's alert rule, refusing bad settings with typed errors", async () => {
    const RULE = 'k n m serious { excess windows } critical { excess windows } drivingSensors';
    const { id } = (await graphql('{ activeModelVersion { id } }')).data!.activeModelVersion as { id: number };
    const shown = await graphql(`{ modelVersion(id: ${id}) { alertRule { ${RULE} } } }`);
    expect(shown.data?.modelVersion).toEqual({
      alertRule: { k: 4, n: 7, m: 5, serious: { excess: 0.5, windows: 15 }, critical: { excess: 1, windows: 30 }, drivingSensors: 3 },
    });
    const set = `mutation ($id: Int!, $rule: AlertRuleInput!) { setAlertRule(modelVersionId: $id, rule: $rule) { id alertRule { ${RULE} } } }`;
    for (const [rule, code] of [
      [{ k: 8 }, 'BAD_USER_INPUT'],
      [{ serious: { excess: 0 } }, 'BAD_USER_INPUT'],
      [{ critical: { windows: 2_000_000 } }, 'BAD_USER_INPUT'],
      [{ k: 'four' }, 'BAD_USER_INPUT'],
    ] as const) {
      expect((await graphql(set, { id, rule })).errors?.[0]?.extensions?.code).toBe(code);
    }
    expect((await graphql(set, { id: 999_999, rule: { k: 1 } })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const changed = await graphql(set, { id, rule: { k: 3, n: 5, critical: { windows: 40 } } });
    expect(changed.data?.setAlertRule).toEqual({
      id,
      alertRule: { k: 3, n: 5, m: 5, serious: { excess: 0.5, windows: 15 }, critical: { excess: 1, windows: 40 }, drivingSensors: 3 },
    });
  });

  it('gives one engine its own alert rule over HTTP, shown on the engine, and clears it', async () => {
    const { id: modelVersionId } = (await graphql('{ activeModelVersion { id } }')).data!.activeModelVersion as { id: number };
    const created = await graphql('mutation { createEngine(input: { externalId: "ESN-own-rule", dataset: "FD001" }) { id } }');
    const engineId = created.data.createEngine.id as number;
    const shown = async () =>
      (
        await graphql('query ($id: Int!) { engine(id: $id) { alertRule { engineId modelVersionId overridden rule { k n m } } } }', {
          id: engineId,
        })
      ).data?.engine.alertRule;
    const versionRule = (await graphql(`{ modelVersion(id: ${modelVersionId}) { alertRule { k n m } } }`)).data!.modelVersion.alertRule;
    expect(await shown()).toEqual({ engineId, modelVersionId, overridden: false, rule: versionRule });

    const set =
      'mutation ($e: Int!, $v: Int!, $rule: AlertRuleInput!) { setEngineAlertRule(engineId: $e, modelVersionId: $v, rule: $rule) { overridden rule { k n m } } }';
    for (const [variables, code] of [
      [{ e: engineId, v: modelVersionId, rule: { k: 99 } }, 'BAD_USER_INPUT'],
      [{ e: 999_999, v: modelVersionId, rule: { k: 1 } }, 'NOT_FOUND'],
      [{ e: engineId, v: 999_999, rule: { k: 1 } }, 'NOT_FOUND'],
    ] as const) {
      expect((await graphql(set, variables)).errors?.[0]?.extensions?.code).toBe(code);
    }
    const changed = await graphql(set, { e: engineId, v: modelVersionId, rule: { k: 1, n: 2, m: 1 } });
    expect(changed.data?.setEngineAlertRule).toEqual({ overridden: true, rule: { k: 1, n: 2, m: 1 } });
    expect(await shown()).toEqual({ engineId, modelVersionId, overridden: true, rule: { k: 1, n: 2, m: 1 } });

    const cleared = await graphql(
      'mutation ($e: Int!, $v: Int!) { clearEngineAlertRule(engineId: $e, modelVersionId: $v) { overridden rule { k n m } } }',
      {
        e: engineId,
        v: modelVersionId,
      },
    );
    expect(cleared.data?.clearEngineAlertRule).toEqual({ overridden: false, rule: versionRule });
  });
});
