// Reads engine histories from the database as EngineSeries, the data pipeline's input: one query for the
// engines, one ordered scan of their cycles (the primary key order), sensors as arrays.
import type { Engine, EngineRole, PrismaClient } from '@prisma/client';
import { SENSOR_COUNT, SETTING_COUNT } from '../../domain/data/cmapss';
import type { EngineSeries } from '../../domain/data/series';

const SENSOR_ARRAY = `ARRAY[${Array.from({ length: SENSOR_COUNT }, (_, index) => `sensor_${index + 1}`).join(', ')}]`;
const SETTING_ARRAY = `ARRAY[${Array.from({ length: SETTING_COUNT }, (_, index) => `setting_${index + 1}`).join(', ')}]`;

/**
 * Remaining useful life at each cycle, when it is known: training engines ran to failure at their last
 * cycle; test engines had `rulAfterLastCycle` cycles left after theirs; live engines are unknown.
 */
export function rulOf(engine: Pick<Engine, 'role' | 'lastCycle' | 'rulAfterLastCycle'>, cycles: readonly number[]): number[] | null {
  if (engine.role === 'TRAIN') return cycles.map((cycle) => engine.lastCycle - cycle);
  if (engine.role === 'TEST' && engine.rulAfterLastCycle !== null) {
    return cycles.map((cycle) => engine.rulAfterLastCycle! + engine.lastCycle - cycle);
  }
  return null;
}

interface CycleRow {
  engine_id: number;
  cycle: number;
  sensors: number[];
  settings: number[];
}

/** Series of the given engines (in the order given), with every stored cycle, or those from `fromCycle`. */
export async function loadSeries(prisma: PrismaClient, engines: readonly Engine[], fromCycle = 1): Promise<EngineSeries[]> {
  if (engines.length === 0) return [];
  const rows = await prisma.$queryRawUnsafe<CycleRow[]>(
    `SELECT engine_id, cycle, ${SENSOR_ARRAY} AS sensors, ${SETTING_ARRAY} AS settings FROM cycles
      WHERE engine_id = ANY($1::int4[]) AND cycle >= $2 ORDER BY engine_id, cycle`,
    engines.map((engine) => engine.id),
    fromCycle,
  );
  const byEngine = new Map<number, { cycles: number[]; readings: number[][]; settings: number[][] }>(
    engines.map((engine) => [engine.id, { cycles: [], readings: [], settings: [] }]),
  );
  for (const row of rows) {
    const target = byEngine.get(row.engine_id)!;
    target.cycles.push(row.cycle);
    target.readings.push(row.sensors);
    target.settings.push(row.settings);
  }
  return engines.map((engine) => {
    const { cycles, readings, settings } = byEngine.get(engine.id)!;
    return { engineId: engine.id, unit: engine.unit, cycles, readings, settings, rul: rulOf(engine, cycles) };
  });
}

/** Series of every engine of one data set and role, in unit order. */
export async function loadDatasetSeries(prisma: PrismaClient, dataset: string, role: EngineRole): Promise<EngineSeries[]> {
  const engines = await prisma.engine.findMany({ where: { dataset, role }, orderBy: { unit: 'asc' } });
  return loadSeries(prisma, engines);
}
