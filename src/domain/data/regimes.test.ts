import { readSubsetFiles } from '../../modules/datasets/cmapss-files';
import { SHIPPED_DATASET_DIR } from '../../platform/repository';
import { DataError } from './errors';
import { detectRegimes, fitRegimeModel, regimeOf, settingRowsOf, type RegimeClusters } from './regimes';
import { seriesFromTrajectories, type EngineSeries } from './series';
import { prepareDataset, REFERENCE_SPLIT } from './splits';
import { columnStats } from './stats';

const fd001 = seriesFromTrajectories(readSubsetFiles(SHIPPED_DATASET_DIR, 'FD001').train);

// Three operating conditions (altitude in kft, Mach, throttle), as C-MAPSS FD002 flies six.
const CONDITIONS = [
  { settings: [0, 0, 100], offset: 0 },
  { settings: [20, 0.7, 100], offset: -40 },
  { settings: [42, 0.84, 60], offset: 25 },
];

/**
 * FD001 flown at three conditions: each cycle gets a condition (a fixed pseudo-random pattern), its settings
 * are that condition's set point with a little noise, and sensor s reads its value plus (s + 1) times the
 * condition's offset (whole units, so that each sensor keeps its recording resolution).
 */
function multiCondition(series: readonly EngineSeries[]): EngineSeries[] {
  let state = 12345;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return series.map((engine) => {
    const conditions = engine.readings.map(() => Math.floor(next() * CONDITIONS.length));
    return {
      ...engine,
      settings: conditions.map((c) => CONDITIONS[c].settings.map((value) => value + (next() - 0.5) * 1e-3)),
      readings: engine.readings.map((reading, r) => reading.map((value, sensor) => value + (sensor + 1) * CONDITIONS[conditions[r]].offset)),
    };
  });
}

describe('detectRegimes', () => {
  it('finds no regimes on single-condition data (FD001: its settings are noise around one set point)', () => {
    expect(detectRegimes(settingRowsOf(fd001), { mode: 'auto' })).toBeNull();
    expect(detectRegimes(settingRowsOf(fd001), { mode: 'off' })).toBeNull();
  });

  it('finds the operating conditions of multi-condition data, and assigns each row to its own', () => {
    const engines = multiCondition(fd001.slice(0, 20));
    const clusters = detectRegimes(settingRowsOf(engines), { mode: 'auto' })!;
    expect(clusters.centroids).toHaveLength(3);
    expect(clusters.withinShare).toBeLessThan(0.001);
    const regimeOfCondition = CONDITIONS.map((condition) => regimeOf(clusters, condition.settings));
    expect(new Set(regimeOfCondition).size).toBe(3);
    for (const engine of engines) {
      engine.settings!.forEach((settings) => {
        const condition = CONDITIONS.findIndex((candidate) => Math.abs(candidate.settings[0] - settings[0]) < 0.01);
        expect(regimeOf(clusters, settings)).toBe(regimeOfCondition[condition]);
      });
    }
  });

  it('takes a fixed number of regimes, and refuses an impossible one', () => {
    const rows = settingRowsOf(multiCondition(fd001.slice(0, 5)));
    expect(detectRegimes(rows, { mode: 'fixed', count: 2 })!.centroids).toHaveLength(2);
    expect(() => detectRegimes(rows, { mode: 'fixed', count: 11 })).toThrow(DataError);
    expect(() => detectRegimes([[]], { mode: 'fixed', count: 2 })).toThrow(/need setting columns/);
  });
});

describe('fitRegimeModel', () => {
  it("keeps each regime's mean and std of every selected sensor over its healthy training rows", () => {
    const engines = multiCondition(fd001.slice(0, 10));
    const clusters = detectRegimes(settingRowsOf(engines), { mode: 'auto' }) as RegimeClusters;
    const model = fitRegimeModel(engines, clusters, [1, 6], 100);
    const regime = regimeOf(clusters, CONDITIONS[2].settings);
    const rows = engines.flatMap((engine) =>
      engine.readings.filter((_, r) => engine.rul![r] > 100 && regimeOf(clusters, engine.settings![r]) === regime),
    );
    expect(model.rows[regime]).toBe(rows.length);
    expect(model.mean[regime]).toEqual([columnStats(rows, 1).mean, columnStats(rows, 6).mean]);
    expect(model.std[regime]).toEqual([columnStats(rows, 1).std, columnStats(rows, 6).std]);
  });

  it('refuses a regime without healthy training rows, naming it', () => {
    const engines = multiCondition(fd001.slice(0, 3));
    const clusters = detectRegimes(settingRowsOf(engines), { mode: 'auto' })!;
    expect(() => fitRegimeModel(engines, clusters, [1], 10_000)).toThrow(/operating regime 1 of 3 has no healthy training rows \(RUL > 10000\)/);
  });
});

describe('prepareDataset with operating regimes', () => {
  it('leaves single-condition data exactly as without regimes (FD001)', () => {
    const auto = prepareDataset(fd001, REFERENCE_SPLIT, {});
    const off = prepareDataset(fd001, REFERENCE_SPLIT, { regimes: { mode: 'off' } });
    expect(auto.regimes).toBeNull();
    expect(auto.sensors).toEqual(off.sensors);
    expect(auto.normalisation).toEqual(off.normalisation);
    expect(Buffer.from(auto.train.x.buffer).equals(Buffer.from(off.train.x.buffer))).toBe(true);
    expect(Buffer.from(auto.test.x.buffer).equals(Buffer.from(off.test.x.buffer))).toBe(true);
  });

  it('takes each condition out of multi-condition data: the same sensors, and windows close to the single-condition ones', () => {
    const single = prepareDataset(fd001, REFERENCE_SPLIT, {});
    const multi = prepareDataset(multiCondition(fd001), REFERENCE_SPLIT, {});
    expect(multi.regimes?.centroids).toHaveLength(3);
    expect(multi.sensorNames).toEqual(single.sensorNames);
    // Each regime is normalised with its own healthy statistics, so a reading's z-score is about the same
    // as in the single-condition data (the regimes' statistics come from different subsets of the rows).
    let worst = 0;
    for (let i = 0; i < single.test.x.length; i++) worst = Math.max(worst, Math.abs(multi.test.x[i] - single.test.x[i]));
    expect(worst).toBeLessThan(0.6);
    const off = prepareDataset(multiCondition(fd001), REFERENCE_SPLIT, { regimes: { mode: 'off' } });
    let worstOff = 0;
    for (let i = 0; i < single.test.x.length; i++) worstOff = Math.max(worstOff, Math.abs(off.test.x[i] - single.test.x[i]));
    expect(worstOff).toBeGreaterThan(10 * worst);
  });
});
