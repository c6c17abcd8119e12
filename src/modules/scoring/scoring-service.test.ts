// ScoringService on a real database, with a z-score version trained by the real job: both input forms
// score alike, stored scores are reused, batches are all or nothing, and every refusal is typed.
import type { ModelVersion } from '@prisma/client';
import type { AppServices } from '../../main/services';
import { ErrorCode } from '../../platform/errors';
import { describeEachDatabase } from '../../../test/support/databases';
import { serviceErrorOf } from '../../../test/support/service-errors';
import { zScoreVersionScenario } from '../../../test/support/scenarios';
import { MAX_BATCH_WINDOWS, type WindowInput } from './scoring-service';

describeEachDatabase('ScoringService', (db) => {
  let services: AppServices;
  let version: ModelVersion;
  /** Rows (cycles) x the version's sensors of FD001 training engine `unit`, cycles from..from+29. */
  let rowsOf: (unit: number, from: number) => Promise<number[][]>;
  const counts = async () => ({ windows: await db().prisma.window.count(), scores: await db().prisma.score.count() });

  beforeAll(async () => {
    ({ services, version } = await zScoreVersionScenario(db(), { activate: true }));
    rowsOf = async (unit, from) => {
      const engine = await db().prisma.engine.findFirstOrThrow({ where: { dataset: { name: 'FD001' }, role: 'TRAIN', unit } });
      const cycles = await db().prisma.cycle.findMany({
        where: { engineId: engine.id, cycle: { gte: from, lt: from + version.windowLength } },
        orderBy: { cycle: 'asc' },
      });
      return cycles.map((cycle) => version.sensors.map((name) => cycle.sensors[Number(name.replace('sensor', '')) - 1]));
    };
  });

  it('scores a window given as rows or as named columns alike, and reuses the stored score the second time', async () => {
    const values = await rowsOf(7, 1);
    const before = await counts();
    const first = await services.scoring.scoreWindow({ values }, version.id);
    expect(first).toMatchObject({ modelVersionId: version.id, threshold: version.threshold, cached: false, engineId: null });
    expect(first.isAnomaly).toBe(first.score > version.threshold);
    expect(first.contributions.map((entry) => entry.sensor).sort()).toEqual([...version.sensors].sort());
    expect(await counts()).toEqual({ windows: before.windows + 1, scores: before.scores + 1 });

    const columns = version.sensors.map((sensor, s) => ({ sensor, values: values.map((row) => row[s]) }));
    const again = await services.scoring.scoreWindow({ columns }); // the active version
    expect(again).toMatchObject({ windowId: first.windowId, score: first.score, cached: true });
    expect(await counts()).toEqual({ windows: before.windows + 1, scores: before.scores + 1 });
  });

  it("scores a batch in the order given, each distinct window once, and an engine's last window above its first", async () => {
    const early = await rowsOf(8, 1);
    const engine8 = await db().prisma.engine.findFirstOrThrow({ where: { dataset: { name: 'FD001' }, role: 'TRAIN', unit: 8 } });
    const late = await rowsOf(8, engine8.lastCycle - version.windowLength + 1); // its last window, just before failure
    const results = await services.scoring.scoreWindows([{ values: early }, { values: late }, { values: early }], version.id);
    expect(results[0].windowId).toBe(results[2].windowId);
    expect(results[1].windowId).not.toBe(results[0].windowId);
    expect(results[1].score).toBeGreaterThan(results[0].score);
  });

  it("scores windows sent with some of their engine's earlier cycles in one batch, storing each window's own rows", async () => {
    const history = [...(await rowsOf(7, 1)), ...(await rowsOf(7, 31)), ...(await rowsOf(7, 61))]; // cycles 1-90
    const window = (earlier: number) => ({ values: history.slice(60 - earlier) }); // cycles 61-90 after `earlier` ones
    const results = await services.scoring.scoreWindows([window(50), window(10), window(0)], version.id);
    // a z-score version does not look back: the earlier rows change nothing but the stored window's identity
    expect(new Set(results.map((result) => result.score)).size).toBe(1);
    expect(new Set(results.map((result) => result.windowId)).size).toBe(3);
    const stored = await db().prisma.window.findMany({ where: { id: { in: results.map((result) => result.windowId) } } });
    expect(stored.map((row) => row.values!.length)).toEqual(stored.map(() => version.windowLength * version.sensors.length * 8));
    const alone = await services.scoring.scoreWindow({ values: history.slice(60) }, version.id);
    expect(alone).toMatchObject({ windowId: results[2].windowId, cached: true });
  });

  it('writes nothing when any window of a batch is wrong, and names the window and the reading', async () => {
    const good = await rowsOf(7, 40);
    const broken = good.map((row) => [...row]);
    broken[3][2] = Number.NaN;
    const extreme = good.map((row) => [...row]);
    extreme[0][0] = 1e30;
    const cases: [WindowInput[], RegExp][] = [
      [[{ values: good }, { values: broken }], /^windows\[1\]: reading of \S+ at row 3 is not a finite number$/],
      [[{ values: good }, { values: extreme }], /^windows\[1\]: reading of \S+ at row 0 is 1e\+30, more than/],
      [
        [{ values: good.slice(1) }],
        /^windows\[0\]: values must hold 30 rows \(one per cycle\), or up to 80 with the engine's 50 earlier cycles first, got 29$/,
      ],
      [[{ values: [...good, ...good, ...good].slice(0, 81) }], /^windows\[0\]: values must hold 30 rows .* got 81$/],
      [
        [{ columns: version.sensors.map((sensor, s) => ({ sensor, values: good.slice(s === 1 ? 1 : 0).map((row) => row[s]) })) }],
        new RegExp(`^windows\\[0\\]: column ${version.sensors[1]} must hold as many readings as ${version.sensors[0]} \\(30\\), got 29$`),
      ],
      [[{ values: good, columns: [] }], /give either values \(rows of readings\) or columns/],
      [[{ columns: [{ sensor: 'vibration', values: [1] }] }], /unknown sensor "vibration"/],
      [[{ values: good, engineId: 1 }], /engineId and endCycle go together/],
    ];
    const before = await counts();
    for (const [windows, message] of cases) {
      const error = await serviceErrorOf(services.scoring.scoreWindows(windows, version.id));
      expect([error.code, error.message]).toEqual([ErrorCode.INVALID_WINDOW, expect.stringMatching(message)]);
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses empty and oversized batches, unknown versions and unknown engines with their own codes', async () => {
    const values = await rowsOf(7, 60);
    expect((await serviceErrorOf(services.scoring.scoreWindows([], version.id))).code).toBe(ErrorCode.BAD_USER_INPUT);
    const oversized = await serviceErrorOf(services.scoring.scoreWindows(Array(MAX_BATCH_WINDOWS + 1).fill({ values }), version.id));
    expect([oversized.code, oversized.details]).toEqual([ErrorCode.BATCH_TOO_LARGE, { limit: MAX_BATCH_WINDOWS }]);
    expect((await serviceErrorOf(services.scoring.scoreWindow({ values }, 999_999))).code).toBe(ErrorCode.NOT_FOUND);
    const engine = await serviceErrorOf(services.scoring.scoreWindow({ values, engineId: 999_999, endCycle: 89 }, version.id));
    expect([engine.code, engine.message]).toEqual([ErrorCode.NOT_FOUND, 'engine 999999 does not exist']);
  });
});
