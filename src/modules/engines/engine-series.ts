// Reads engine histories from the database as EngineSeries, the data pipeline's input: one query for the
// engines' data sets, one ordered scan of their cycles (the primary key order), readings as arrays in
// their data set's catalogue order.
import type { Engine, EngineRole, PrismaClient } from '@prisma/client';
import { columnNames } from '../../domain/data/catalogue';
import type { EngineSeries } from '../../domain/data/series';
import { catalogueOf, datasetNamed } from '../datasets/dataset-service';

/**
 * Remaining useful life at each cycle, when it is known: run-to-failure engines failed at their last
 * cycle; others may have a known RUL after their last cycle (a RUL file); unlabelled ones are unknown.
 */
export function rulOf(engine: Pick<Engine, 'labelling' | 'lastCycle' | 'rulAfterLastCycle'>, cycles: readonly number[]): number[] | null {
  if (engine.labelling === 'RUN_TO_FAILURE') return cycles.map((cycle) => engine.lastCycle - cycle);
  if (engine.labelling === 'RUL_AFTER_LAST_CYCLE' && engine.rulAfterLastCycle !== null) {
    return cycles.map((cycle) => engine.rulAfterLastCycle! + engine.lastCycle - cycle);
  }
  return null;
}

interface CycleRow {
  engine_id: number;
  cycle: number;
  settings: number[];
  sensors: number[];
}

/** Series of the given engines (in the order given), with every stored cycle, or those from `fromCycle`. */
export async function loadSeries(prisma: PrismaClient, engines: readonly Engine[], fromCycle = 1): Promise<EngineSeries[]> {
  if (engines.length === 0) return [];
  const datasets = await prisma.dataset.findMany({ where: { id: { in: [...new Set(engines.map((engine) => engine.datasetId))] } } });
  const names = new Map(
    datasets.map((dataset) => {
      const catalogue = catalogueOf(dataset);
      return [dataset.id, { sensorNames: columnNames(catalogue.sensors), settingNames: columnNames(catalogue.settings) }];
    }),
  );
  const rows = await prisma.$queryRawUnsafe<CycleRow[]>(
    `SELECT engine_id, cycle, settings, sensors FROM cycles
      WHERE engine_id = ANY($1::int4[]) AND cycle >= $2 ORDER BY engine_id, cycle`,
    engines.map((engine) => engine.id),
    fromCycle,
  );
  const byEngine = new Map<number, { cycles: number[]; settings: number[][]; readings: number[][] }>(
    engines.map((engine) => [engine.id, { cycles: [], settings: [], readings: [] }]),
  );
  for (const row of rows) {
    const target = byEngine.get(row.engine_id)!;
    target.cycles.push(row.cycle);
    target.settings.push(row.settings);
    target.readings.push(row.sensors);
  }
  return engines.map((engine) => {
    const { cycles, settings, readings } = byEngine.get(engine.id)!;
    return {
      engineId: engine.id,
      unit: engine.unit,
      ...names.get(engine.datasetId)!,
      cycles,
      settings,
      readings,
      rul: rulOf(engine, cycles),
    };
  });
}

/** Series of every engine of one data set (named in any case) and role, in unit order. */
export async function loadDatasetSeries(prisma: PrismaClient, dataset: string, role: EngineRole): Promise<EngineSeries[]> {
  const engines = await prisma.engine.findMany({ where: { dataset: datasetNamed(dataset), role }, orderBy: { unit: 'asc' } });
  return loadSeries(prisma, engines);
}
