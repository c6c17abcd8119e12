// Imports a C-MAPSS subset (train and test trajectories, test RUL) into the database: all or nothing,
// and idempotent: engines already present with the same history are left as they are.
import type { PrismaClient } from '@prisma/client';
import { isSubset, SUBSETS, type Subset, type UnitTrajectory } from '../../domain/data/cmapss';
import { readSubsetFiles } from './cmapss-files';
import { insertCycles, type CycleInsert } from '../engines/cycle-rows';
import { ErrorCode, ServiceError } from '../../platform/errors';

export interface ImportSummary {
  subset: Subset;
  enginesCreated: number;
  enginesUnchanged: number;
  cyclesInserted: number;
  durationMs: number;
}

type ImportedRole = 'TRAIN' | 'TEST';

interface PlannedEngine {
  role: ImportedRole;
  trajectory: UnitTrajectory;
  rulAfterLastCycle: number | null;
}

// Imports write tens of thousands of rows in one transaction.
const IMPORT_TRANSACTION_TIMEOUT_MS = 10 * 60 * 1000;

function plannedEngines(train: UnitTrajectory[], test: UnitTrajectory[], testRul: number[]): PlannedEngine[] {
  return [
    ...train.map((trajectory) => ({ role: 'TRAIN' as const, trajectory, rulAfterLastCycle: null })),
    ...test.map((trajectory, index) => ({ role: 'TEST' as const, trajectory, rulAfterLastCycle: testRul[index] })),
  ];
}

export function parseSubset(value: string): Subset {
  const upper = value.toUpperCase();
  if (!isSubset(upper)) {
    throw new ServiceError(ErrorCode.BAD_USER_INPUT, `unknown C-MAPSS subset "${value}": expected one of ${SUBSETS.join(', ')}`);
  }
  return upper;
}

/** Reads, validates and imports `subset` from `dir`. Nothing is written unless every file is valid. */
export async function importSubset(prisma: PrismaClient, subset: Subset, dir: string): Promise<ImportSummary> {
  const started = performance.now();
  let files;
  try {
    files = readSubsetFiles(dir, subset);
  } catch (error) {
    throw new ServiceError(ErrorCode.DATASET_ERROR, (error as Error).message);
  }
  const planned = plannedEngines(files.train, files.test, files.testRul);

  const { created, inserted } = await prisma.$transaction(
    async (tx) => {
      const existing = await tx.engine.findMany({
        where: { dataset: subset, role: { in: ['TRAIN', 'TEST'] } },
        select: { id: true, role: true, unit: true, lastCycle: true, rulAfterLastCycle: true },
      });
      const byKey = new Map(existing.map((engine) => [`${engine.role}:${engine.unit}`, engine]));
      const missing: PlannedEngine[] = [];
      for (const plan of planned) {
        const stored = byKey.get(`${plan.role}:${plan.trajectory.unit}`);
        if (!stored) {
          missing.push(plan);
          continue;
        }
        const lastCycle = plan.trajectory.records.length;
        if (stored.lastCycle !== lastCycle || stored.rulAfterLastCycle !== plan.rulAfterLastCycle) {
          throw new ServiceError(
            ErrorCode.CONFLICT,
            `${subset} ${plan.role.toLowerCase()} unit ${plan.trajectory.unit} is already stored with a different history ` +
              `(${stored.lastCycle} cycles stored, ${lastCycle} in the files): nothing was imported`,
          );
        }
      }
      if (missing.length === 0) return { created: 0, inserted: 0 };

      await tx.engine.createMany({
        data: missing.map((plan) => ({
          dataset: subset,
          role: plan.role,
          unit: plan.trajectory.unit,
          lastCycle: plan.trajectory.records.length,
          rulAfterLastCycle: plan.rulAfterLastCycle,
        })),
      });
      const createdEngines = await tx.engine.findMany({
        where: { dataset: subset, role: { in: ['TRAIN', 'TEST'] } },
        select: { id: true, role: true, unit: true },
      });
      const idByKey = new Map(createdEngines.map((engine) => [`${engine.role}:${engine.unit}`, engine.id]));
      const rows: CycleInsert[] = missing.flatMap((plan) => {
        const engineId = idByKey.get(`${plan.role}:${plan.trajectory.unit}`) as number;
        return plan.trajectory.records.map((record) => ({
          engineId,
          cycle: record.cycle,
          settings: record.settings,
          sensors: record.sensors,
        }));
      });
      return { created: missing.length, inserted: await insertCycles(tx, rows) };
    },
    { timeout: IMPORT_TRANSACTION_TIMEOUT_MS, maxWait: IMPORT_TRANSACTION_TIMEOUT_MS },
  );

  return {
    subset,
    enginesCreated: created,
    enginesUnchanged: planned.length - created,
    cyclesInserted: inserted,
    durationMs: Math.round(performance.now() - started),
  };
}
