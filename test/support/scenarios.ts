// Starting points that several service tests share, in the manner of Redwood's scenarios: data made by
// the product's own code (the import, the real training job), never inserted by hand, once per suite.
import type { ModelVersion } from '@prisma/client';
import { createServices, type AppServices } from '../../src/main/services';
import type { Database } from '../../src/platform/db/database';
import { createLogger } from '../../src/platform/observability/logger';
import { importFirstUnits } from './cmapss-fixtures';

/** FD001 units 1-4 train, 5-6 calibrate, 7-8 test: a split small enough to train in about a second. */
export const SMALL_SPLIT = {
  trainUnits: [{ from: 1, to: 4 }],
  calibrationUnits: [{ from: 5, to: 6 }],
  testUnits: [{ from: 7, to: 8 }],
};

export interface ZScoreVersionScenario {
  services: AppServices;
  /** As registered: its test engines (7 and 8) are scored and evaluated. */
  version: ModelVersion;
}

/**
 * FD001's first 8 train and test engines imported, and a z-score version named 'z-score' trained on
 * SMALL_SPLIT by the training job (made the active version when `activate`).
 */
export async function zScoreVersionScenario(database: Database, options: { activate?: boolean } = {}): Promise<ZScoreVersionScenario> {
  await importFirstUnits(database.prisma, 8);
  const services = createServices(database, createLogger('silent'));
  const job = await services.jobs.enqueue({ ...SMALL_SPLIT, name: 'z-score', kind: 'z-score', activate: options.activate ?? false });
  const finished = await services.runner.runNext(job.id);
  if (finished?.status !== 'SUCCEEDED')
    throw new Error(`the z-score job ${job.id} ended ${finished?.status}: ${JSON.stringify(finished?.error)}`);
  const version = await database.prisma.modelVersion.findUniqueOrThrow({ where: { id: finished.modelVersionId! } });
  return { services, version };
}
