// The use case behind a training job, the same for every detector kind: prepare the data set (sensors,
// normalisation, windows, engine-disjoint split), let the kind fit and calibrate, evaluate on the test
// engines, and register the model version with its evaluation and the scores of the test windows, all in
// one transaction with the job's success.
import { dataFingerprint } from '../../domain/data/fingerprint';
import { CODE_VERSION } from '../../platform/repository';
import type { Prisma, PrismaClient, TrainingJob } from '@prisma/client';
import type { EngineSeries } from '../../domain/data/series';
import { labelledTrajectories, prepareDataset, type PreparedDataset } from '../../domain/data/splits';
import { evaluateScores, type Evaluation } from '../../domain/evaluation/metrics';
import { scoreHistogram, type ScoreHistogram } from '../../domain/evaluation/score-histogram';
import { windowBatch, type FitData, type FittedDetector, type LabelledWindows } from '../../detectors/detector';
import { preprocessingFingerprint } from '../../detectors/preprocessing';
import { detectorKind } from '../../detectors/registry';
import { exactFloat, exactJson } from '../../platform/db/exact-floats';
import type { Logger } from '../../platform/observability/logger';
import { loadDatasetSeries } from '../engines/engine-series';
import { engineLevelRecord, insertEvaluation, metricsRecord, type EngineLevelRecord } from '../evaluation/evaluation-records';
import { labelledEngines } from '../../domain/evaluation/engine-level';
import { missingVersions, REGISTRY_LOCK_KEY, type ModelRegistry } from '../registry/model-registry';
import { storeEngineWindowScores, transactionExecutor } from '../scoring/window-store';
import type { AlertNotifier, AlertOutcome } from '../alerts/alert-notifier';
import { alertRuleJson } from '../alerts/alert-rule-store';
import type { AlertRuleSettings } from '../../domain/alerts/alert-rule';
import { chooseAlertRule } from '../../domain/alerts/rule-choice';
import type { JobHooks } from './training-job-runner';
import { storedTrainingRequest, type TrainingRequest } from './training-request';

// Registration writes thousands of window and score rows.
const REGISTRATION_TIMEOUT_MS = 5 * 60 * 1000;

/** The data a kind fits on: the prepared split's windows, and the labelled trajectories when asked for. */
/** The regime model as a version stores it: with the names of the settings it is defined on. */
export function storedRegimesOf(dataset: PreparedDataset) {
  return dataset.regimes ? { settings: [...dataset.settingNames], ...dataset.regimes } : null;
}

export function fitDataOf(series: readonly EngineSeries[], dataset: PreparedDataset, thresholdQuantile: number): FitData {
  const trajectories = (units: readonly number[]) => {
    let labelled: Promise<LabelledWindows> | null = null;
    return () => {
      labelled ??= Promise.resolve().then(() => {
        const { windows, labels } = labelledTrajectories(series, units, dataset);
        return { windows: windowBatch(windows), labels, engines: windows.engineIds };
      });
      return labelled;
    };
  };
  return {
    sensors: dataset.sensorNames,
    windowLength: dataset.windowLength,
    train: windowBatch(dataset.train),
    calibration: windowBatch(dataset.calibration),
    thresholdQuantile,
    preprocessing: preprocessingFingerprint({
      sensors: dataset.sensorNames,
      windowLength: dataset.windowLength,
      normalisation: dataset.normalisation,
      regimes: storedRegimesOf(dataset),
    }),
    trainTrajectories: trajectories(dataset.spec.trainUnits),
    calibrationTrajectories: trajectories(dataset.spec.calibrationUnits),
  };
}

export class TrainingPipeline {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly registry: ModelRegistry,
    private readonly logger: Logger,
    private readonly alertNotifier: AlertNotifier,
  ) {}

  /** The runner's executor: see JobExecutor. */
  readonly execute = async (job: TrainingJob, hooks: JobHooks): Promise<void> => {
    const request = storedTrainingRequest(job.config);
    const kind = detectorKind(request.kind);
    const series = await loadDatasetSeries(this.prisma, request.dataset, 'TRAIN');
    const dataset = prepareDataset(series, request.split, {
      windowLength: request.windowLength,
      stride: request.stride,
      regimes: request.regimes,
    });
    this.logger.info(
      {
        jobId: job.id,
        kind: kind.name,
        counts: dataset.counts,
        sensors: dataset.sensorNames,
        regimes: dataset.regimes?.centroids.length ?? 1,
      },
      'training data prepared',
    );

    const started = performance.now();
    const fitted = await kind.fit(fitDataOf(series, dataset, request.thresholdQuantile), request.options, {
      signal: hooks.signal,
      onProgress: (progress) =>
        hooks.onEpoch({
          epoch: progress.step,
          loss: progress.loss,
          validationLoss: progress.validationLoss,
          learningRate: progress.learningRate,
          elapsedMs: progress.elapsedMs,
        }),
      runtime: this.registry.runtime,
      cacheKey: `training-job:${job.id}:${job.attempts}`,
    });
    const trainingMs = Math.round(performance.now() - started);
    const test = await fitted.detector.score(windowBatch(dataset.test));
    // Unlabelled engines are scored, not evaluated: the version has no metrics and says why (trainedOn.labelled).
    const evaluation = dataset.testLabels ? evaluateScores(dataset.testLabels, test.scores, fitted.threshold) : null;
    const distribution = dataset.testLabels ? scoreHistogram(dataset.testLabels, test.scores, fitted.threshold) : null;
    const { rule: alertRule, choice: alertRuleChoice } = await this.alertRuleOf(request, series, dataset, fitted);
    const engineLevel = dataset.testLabels
      ? engineLevelRecord(labelledEngines({ ...dataset.test, scores: test.scores }), fitted.threshold, request.split, alertRule)
      : null;
    this.logger.info(
      {
        jobId: job.id,
        labelled: dataset.labelled,
        rocAuc: evaluation?.rocAuc,
        precision: evaluation?.precision,
        recall: evaluation?.recall,
        threshold: fitted.threshold,
        alertedShare: engineLevel?.alertedShare,
      },
      evaluation ? 'model evaluated on the test engines' : 'model scored on the test engines (unlabelled: not evaluated)',
    );
    if (hooks.signal.aborted) throw new Error('training job stopped before registration');

    const alerted: AlertOutcome[] = [];
    await this.prisma.$transaction(
      async (tx) => {
        // Under the registry's lock, as an import or an activation: the version number and the activation
        // are decided on a registry no other change is moving.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${REGISTRY_LOCK_KEY})`;
        // Deletion refuses the members of a queued or running job; should one vanish anyway (a direct
        // database change), nothing is registered on it.
        const vanished = await missingVersions(tx, kind.referencedVersions?.(request.options) ?? []);
        if (vanished.length > 0) {
          throw new Error(
            `model version(s) ${vanished.join(', ')} this ${request.kind} builds on were deleted while the job ran: nothing was registered`,
          );
        }
        const { trainUnits, calibrationUnits, testUnits } = request.split;
        const fingerprint = dataFingerprint(series, [...trainUnits, ...calibrationUnits, ...testUnits]);
        const version = await this.registerVersion(
          tx,
          { ...request, alertRule },
          alertRuleChoice,
          dataset,
          fitted,
          trainingMs,
          { evaluation, distribution, engineLevel },
          fingerprint,
        );
        await storeEngineWindowScores(
          transactionExecutor(tx),
          version,
          dataset.test.endCycles.map((endCycle, index) => ({ engineId: dataset.test.engineIds[index], endCycle, index })),
          { ...test, features: dataset.sensors.length },
        );
        for (const engineId of new Set(dataset.test.engineIds)) {
          alerted.push(await this.alertNotifier.refresh(transactionExecutor(tx), engineId, { ...version, sensors: dataset.sensorNames }));
        }
        await hooks.markSucceeded(tx, version.id);
        if (request.activate) {
          await tx.modelVersion.updateMany({ where: { isActive: true }, data: { isActive: false } });
          await tx.modelVersion.update({ where: { id: version.id }, data: { isActive: true, activatedAt: new Date() } });
        }
      },
      { timeout: REGISTRATION_TIMEOUT_MS, maxWait: REGISTRATION_TIMEOUT_MS },
    );
    await this.alertNotifier.announce(...alerted);
  };

  /**
   * The version's rule: the request's, with k, n and m chosen on the calibration engines (every window
   * scored by the fitted detector) when asked and the engines are labelled; and what the choice found.
   */
  private async alertRuleOf(
    request: TrainingRequest,
    series: readonly EngineSeries[],
    dataset: PreparedDataset,
    fitted: FittedDetector,
  ): Promise<{ rule: AlertRuleSettings; choice: Record<string, unknown> | null }> {
    if (!request.chooseAlertRule) return { rule: request.alertRule, choice: null };
    if (!dataset.labelled) {
      return { rule: request.alertRule, choice: { chosen: false, reason: 'the calibration engines have no RUL: the rule was kept' } };
    }
    const { windows } = labelledTrajectories(series, request.split.calibrationUnits, dataset);
    const { scores } = await fitted.detector.score(windowBatch(windows));
    const { rule, ...facts } = chooseAlertRule(labelledEngines({ ...windows, scores }), fitted.threshold, request.split, request.alertRule);
    return { rule, choice: { chosen: true, k: rule.k, n: rule.n, m: rule.m, ...facts } };
  }

  private async registerVersion(
    tx: Prisma.TransactionClient,
    request: TrainingRequest,
    alertRuleChoice: Record<string, unknown> | null,
    dataset: PreparedDataset,
    fitted: FittedDetector,
    trainingMs: number,
    {
      evaluation,
      distribution,
      engineLevel,
    }: { evaluation: Evaluation | null; distribution: ScoreHistogram | null; engineLevel: EngineLevelRecord | null },
    fingerprint: string,
  ) {
    // The method's name goes with its definition (modelVersion.scoringMethod.kind reads it): the autoencoder's
    // and the ensemble's definitions name it already, the classic kinds' do not.
    const scoringMethod = { kind: fitted.scoring.method, ...fitted.scoring.definition };
    const version = await tx.modelVersion.create({
      data: {
        version: await this.registry.nextVersionNumber(tx),
        name: request.name,
        kind: request.kind,
        options: request.options as Prisma.InputJsonObject,
        summary: fitted.summary as Prisma.InputJsonObject,
        sensors: dataset.sensorNames,
        windowLength: request.windowLength,
        normalisation: dataset.normalisation as unknown as Prisma.InputJsonObject,
        scoringMethod: scoringMethod as Prisma.InputJsonObject,
        threshold: fitted.threshold,
        thresholdQuantile: request.thresholdQuantile,
        artifact: fitted.artifact.json as Prisma.InputJsonObject,
        artifactBinary: fitted.artifact.binary ? new Uint8Array(fitted.artifact.binary) : null,
        alertRule: alertRuleJson(request.alertRule),
        backend: typeof fitted.summary.backend === 'string' ? fitted.summary.backend : 'js',
        trainingMs,
        trainedOn: {
          dataset: request.dataset,
          split: { ...request.split },
          stride: request.stride,
          labelled: dataset.labelled,
          counts: { ...dataset.counts },
          // Lineage: the data the train, calibration and test engines held, and the code that fitted it.
          dataFingerprint: fingerprint,
          codeVersion: CODE_VERSION,
          ...(alertRuleChoice ? { alertRuleChoice } : {}),
        } as unknown as Prisma.InputJsonObject,
      },
    });
    // Rewritten as text: Prisma rounds numbers it sends (see platform/db/exact-floats.ts), and scoring with
    // a reloaded version must reproduce these values bit for bit.
    await tx.$executeRawUnsafe(
      `UPDATE model_versions SET threshold = $2::text::float8, normalisation = $3::text::jsonb, scoring_method = $4::text::jsonb,
              metrics = $5::text::jsonb, artifact = $6::text::jsonb, regimes = $7::text::jsonb WHERE id = $1`,
      version.id,
      exactFloat(fitted.threshold),
      exactJson(dataset.normalisation),
      exactJson(scoringMethod),
      evaluation ? exactJson(metricsRecord(evaluation, engineLevel ?? undefined)) : null,
      exactJson(fitted.artifact.json),
      dataset.regimes ? exactJson(storedRegimesOf(dataset)) : null,
    );
    if (evaluation && distribution && engineLevel) {
      await insertEvaluation(tx, {
        modelVersionId: version.id,
        dataset: request.dataset,
        split: { role: 'TRAIN', units: request.split.testUnits, anomalyRul: request.split.anomalyRul, overlapsTraining: false },
        evaluation,
        distribution,
        engineLevel,
      });
    }
    return { ...version, threshold: fitted.threshold };
  }
}
