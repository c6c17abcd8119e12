// What the service is running on and what it holds, for operators and client programs.
import { version as tfjsVersion } from '@tensorflow/tfjs';
import type { PrismaClient } from '@prisma/client';
import { activeBackendName } from '../../detectors/lstm-autoencoder/engine';
import { CODE_VERSION } from '../../platform/repository';
import type { DatabaseKind } from '../../platform/db/database';
import type { ModelRegistry, VersionSummary } from '../registry/model-registry';
import type { TrainingJobRunner } from '../training/training-job-runner';

const startedAt = new Date();

/** The one id of serviceInfo and its counts: one service whichever replica answers, one client cache entry. */
export const SERVICE_INFO_ID = 'service';

export interface ServiceCounts {
  id: string;
  engines: number;
  cycles: number;
  windows: number;
  scores: number;
  modelVersions: number;
  trainingJobs: number;
}

export interface ServiceInfo {
  id: string;
  serviceVersion: string;
  nodeVersion: string;
  tfjsVersion: string;
  tfjsBackend: string;
  databaseKind: DatabaseKind;
  activeModelVersion: VersionSummary | null;
  runningTrainingJobId: number | null;
  startedAt: Date;
  counts: ServiceCounts;
}

export class ServiceInfoService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly databaseKind: DatabaseKind,
    private readonly registry: ModelRegistry,
    private readonly runner: TrainingJobRunner,
  ) {}

  async info(): Promise<ServiceInfo> {
    const [engines, cycles, windows, scores, modelVersions, trainingJobs] = await Promise.all([
      this.prisma.engine.count(),
      this.prisma.cycle.count(),
      this.prisma.window.count(),
      this.prisma.score.count(),
      this.prisma.modelVersion.count(),
      this.prisma.trainingJob.count(),
    ]);
    return {
      id: SERVICE_INFO_ID,
      serviceVersion: CODE_VERSION,
      nodeVersion: process.version,
      tfjsVersion: tfjsVersion.tfjs,
      tfjsBackend: activeBackendName(),
      databaseKind: this.databaseKind,
      activeModelVersion: await this.registry.active(),
      runningTrainingJobId: this.runner.runningJobId,
      startedAt,
      counts: { id: SERVICE_INFO_ID, engines, cycles, windows, scores, modelVersions, trainingJobs },
    };
  }
}
