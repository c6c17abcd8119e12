// Imports a C-MAPSS subset (train and test trajectories, test RUL) into the database as the data set of
// that name with the C-MAPSS catalogue: all or nothing, and idempotent: engines already present with the
// same history are left as they are.
import type { PrismaClient } from '@prisma/client';
import { CMAPSS_CATALOGUE } from '../../domain/data/catalogue';
import { isSubset, SUBSETS, type Subset, type UnitTrajectory } from '../../domain/data/cmapss';
import { readSubsetFiles } from './cmapss-files';
import { insertCycles, type CycleInsert } from '../engines/cycle-rows';
import { ErrorCode, ServiceError } from '../../platform/errors';
import { DatasetService } from './dataset-service';

/** From NASA's readme (operating conditions and fault modes of each subset). */
export const SUBSET_DESCRIPTIONS: Record<Subset, string> = {
  FD001: 'NASA C-MAPSS FD001: one operating condition (sea level), one fault mode (HPC degradation)',
  FD002: 'NASA C-MAPSS FD002: six operating conditions, one fault mode (HPC degradation)',
  FD003: 'NASA C-MAPSS FD003: one operating condition (sea level), two fault modes (HPC and fan degradation)',
  FD004: 'NASA C-MAPSS FD004: six operating conditions, two fault modes (HPC and fan degradation)',
};

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

/** "train-7": C-MAPSS units are numbered per file, so a unit's identifier in its data set names its file. */
export function cmapssExternalId(role: ImportedRole, unit: number): string {
  return `${role.toLowerCase()}-${unit}`;
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
      const dataset = await new DatasetService(prisma).ensure(tx, {
        name: subset,
        description: SUBSET_DESCRIPTIONS[subset],
        catalogue: CMAPSS_CATALOGUE,
        format: 'CMAPSS',
      });
      const existing = await tx.engine.findMany({
        where: { datasetId: dataset.id, role: { in: ['TRAIN', 'TEST'] } },
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
          datasetId: dataset.id,
          role: plan.role,
          unit: plan.trajectory.unit,
          externalId: cmapssExternalId(plan.role, plan.trajectory.unit),
          labelling: plan.role === 'TRAIN' ? ('RUN_TO_FAILURE' as const) : ('RUL_AFTER_LAST_CYCLE' as const),
          lastCycle: plan.trajectory.records.length,
          rulAfterLastCycle: plan.rulAfterLastCycle,
        })),
      });
      const createdEngines = await tx.engine.findMany({
        where: { datasetId: dataset.id, role: { in: ['TRAIN', 'TEST'] } },
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
