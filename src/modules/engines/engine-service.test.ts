// EngineService on a real database: listing and paging, live engines, all-or-nothing appends that
// continue an engine's numbering, the append race, and cycle reads over ranges.
import { ErrorCode } from '../../platform/errors';
import { describeEachDatabase } from '../../../test/support/databases';
import { serviceErrorOf } from '../../../test/support/service-errors';
import { importFirstUnits } from '../../../test/support/cmapss-fixtures';
import { EngineService, MAX_APPEND_CYCLES, type NewCycle } from './engine-service';

const SENSORS = 21;
const cycle = (value: number): NewCycle => ({ settings: [0, 0, 100], sensors: Array.from({ length: SENSORS }, (_, i) => value + i) });

describeEachDatabase('EngineService', (db) => {
  const service = () => new EngineService(db().prisma, db().query);
  const fd001 = async () => db().prisma.dataset.findUniqueOrThrow({ where: { name: 'FD001' } });
  let liveCount = 0;
  const newLive = async () => service().createLive(`live-${++liveCount}`, await fd001());

  beforeAll(async () => {
    await importFirstUnits(db().prisma, 3);
  });

  it('lists engines by data set (any case) and role, in a stable order, one page at a time', async () => {
    const all = await service().list({ dataset: 'fd001' });
    expect(all.totalCount).toBe(6);
    expect(all.items.map((engine) => [engine.role, engine.unit])).toEqual([
      ['TRAIN', 1],
      ['TRAIN', 2],
      ['TRAIN', 3],
      ['TEST', 1],
      ['TEST', 2],
      ['TEST', 3],
    ]);
    const page = await service().list({ dataset: 'FD001', role: 'TEST' }, { offset: 1, limit: 1 });
    expect(page.totalCount).toBe(3);
    expect(page.items.map((engine) => engine.unit)).toEqual([2]);
    expect((await service().list({ dataset: 'FD004' })).totalCount).toBe(0);
  });

  it('reads engines by id in the order asked, null where absent, and names a missing one', async () => {
    const [first, second] = (await service().list({ dataset: 'FD001' }, { limit: 2 })).items;
    expect((await service().findMany([second.id, 999_999, first.id])).map((engine) => engine?.id ?? null)).toEqual([
      second.id,
      null,
      first.id,
    ]);
    const missing = await serviceErrorOf(service().get(999_999));
    expect([missing.code, missing.message]).toEqual([ErrorCode.NOT_FOUND, 'engine 999999 does not exist']);
  });

  it('creates live engines with a trimmed external id, unique within the data set', async () => {
    const dataset = await fd001();
    const engine = await service().createLive('  tail-42 ', dataset);
    expect(engine).toMatchObject({ role: 'LIVE', externalId: 'tail-42', lastCycle: 0, datasetId: dataset.id });
    const duplicate = await serviceErrorOf(service().createLive('tail-42', dataset));
    expect(duplicate.code).toBe(ErrorCode.CONFLICT);
    expect((await serviceErrorOf(service().createLive('   ', dataset))).code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(await db().prisma.engine.count({ where: { externalId: 'tail-42' } })).toBe(1);
  });

  it('appends cycles that continue the numbering, and reads them back over a range', async () => {
    const engine = await newLive();
    expect((await service().appendCycles(engine.id, [cycle(1), cycle(2)])).cycles).toEqual([1, 2]);
    const next = await service().appendCycles(engine.id, [{ ...cycle(3), cycle: 3 }]);
    expect([next.cycles, next.engine.lastCycle]).toEqual([[3], 3]);
    const [cycles] = await service().cyclesOf([engine.id], { from: 2 });
    expect(cycles.map((row) => [row.cycle, row.sensors[0], row.sensors[SENSORS - 1]])).toEqual([
      [2, 2, 2 + SENSORS - 1],
      [3, 3, 3 + SENSORS - 1],
    ]);
  });

  it('writes nothing when any cycle of an append is wrong, and says which', async () => {
    const engine = await newLive();
    await service().appendCycles(engine.id, [cycle(1)]);
    const cases: [NewCycle[], string][] = [
      [[cycle(2), { ...cycle(3), sensors: [1, 2] }], 'cycles[1].sensors must hold 21 values, got 2'],
      [[cycle(2), { ...cycle(3), settings: [0, Number.NaN, 100] }], 'cycles[1].settings[1] must be a finite number, got NaN'],
      [[{ ...cycle(2), cycle: 5 }], 'cycles[0].cycle must be 2'],
      [[], 'cycles must hold at least one cycle'],
    ];
    for (const [cycles, message] of cases) {
      const error = await serviceErrorOf(service().appendCycles(engine.id, cycles));
      expect([error.code, error.message]).toEqual([ErrorCode.BAD_USER_INPUT, expect.stringContaining(message)]);
    }
    const tooMany = await serviceErrorOf(
      service().appendCycles(
        engine.id,
        Array.from({ length: MAX_APPEND_CYCLES + 1 }, () => cycle(2)),
      ),
    );
    expect(tooMany.code).toBe(ErrorCode.BATCH_TOO_LARGE);
    expect(await db().prisma.cycle.count({ where: { engineId: engine.id } })).toBe(1);
    expect((await service().get(engine.id)).lastCycle).toBe(1);
  });

  it('refuses appends to engines that are not live', async () => {
    const [trainEngine] = (await service().list({ dataset: 'FD001', role: 'TRAIN' }, { limit: 1 })).items;
    const before = await db().prisma.cycle.count({ where: { engineId: trainEngine.id } });
    const error = await serviceErrorOf(service().appendCycles(trainEngine.id, [cycle(1)]));
    expect([error.code, error.message]).toEqual([ErrorCode.BAD_USER_INPUT, expect.stringContaining('only LIVE engines accept new cycles')]);
    expect(await db().prisma.cycle.count({ where: { engineId: trainEngine.id } })).toBe(before);
  });

  it('lets one of two appends planned on the same history win: the other gets CONFLICT and writes nothing', async () => {
    const engine = await newLive();
    const first = await service().planAppend(engine.id, [cycle(1)]);
    const second = await service().planAppend(engine.id, [cycle(10), cycle(11)]);
    await db().prisma.$transaction((tx) => service().storeAppend(tx, first));
    const lost = await serviceErrorOf(db().prisma.$transaction((tx) => service().storeAppend(tx, second)));
    expect(lost.code).toBe(ErrorCode.CONFLICT);
    const [cycles] = await service().cyclesOf([engine.id]);
    expect(cycles.map((row) => [row.cycle, row.sensors[0]])).toEqual([[1, 1]]);
  });

  it('reads several engines in one call, grouped in the order asked, and refuses a reversed range', async () => {
    const [a, b] = (await service().list({ dataset: 'FD001', role: 'TRAIN' }, { limit: 2 })).items;
    const [ofB, ofA] = await service().cyclesOf([b.id, a.id], { from: 5, to: 7 });
    expect(ofB.map((row) => row.cycle)).toEqual([5, 6, 7]);
    expect(ofA.map((row) => row.cycle)).toEqual([5, 6, 7]);
    expect(ofA[0].sensors).toHaveLength(SENSORS);
    expect(ofA[0].sensors).not.toEqual(ofB[0].sensors);
    const reversed = await serviceErrorOf(service().cyclesOf([a.id], { from: 7, to: 5 }));
    expect([reversed.code, reversed.message]).toEqual([ErrorCode.BAD_USER_INPUT, 'cycles from (7) must not exceed to (5)']);
  });
});
