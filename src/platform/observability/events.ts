// Instrumentation events published by the services through node:diagnostics_channel. Publishing costs
// next to nothing while no one listens; the metrics of src/platform/observability/metrics.ts subscribe. The
// services only call the report* functions below (one line each), so they stay free of metrics code.
import diagnosticsChannel from 'node:diagnostics_channel';

export interface WindowsScoredEvent {
  modelVersionId: number;
  /** Windows whose score was computed by this call. */
  computed: number;
  /** Windows whose stored score was returned. */
  stored: number;
  /** Windows flagged anomalous among all returned. */
  anomalies: number;
}

export type BatchSource = 'dynamic' | 'request';

export interface ScoringBatchEvent {
  /** Windows in one forward pass request: a dynamic batch of single-window calls, or a scoreWindows call. */
  size: number;
  source: BatchSource;
}

/** How a training job attempt ended in this process. */
export type TrainingOutcome = 'succeeded' | 'failed' | 'cancelled' | 'interrupted' | 'orphan_requeued' | 'orphan_failed';

export interface TrainingJobEvent {
  jobId: number;
  outcome: TrainingOutcome;
  /** Duration of the attempt, when known. */
  durationMs: number | null;
}

/** How a webhook delivery attempt ended: accepted, to be retried, or the last one failed. */
export type WebhookAttemptOutcome = 'delivered' | 'retry' | 'failed';

export interface WebhookAttemptEvent {
  outcome: WebhookAttemptOutcome;
}

export const windowsScoredChannel = diagnosticsChannel.channel('engine-health:windows-scored');
export const webhookAttemptChannel = diagnosticsChannel.channel('engine-health:webhook-attempt');
export const scoringBatchChannel = diagnosticsChannel.channel('engine-health:scoring-batch');
export const trainingJobChannel = diagnosticsChannel.channel('engine-health:training-job');

/** Reports scored windows; `results` are what the caller returns (cached: served from storage). */
export function reportWindowsScored(modelVersionId: number, results: readonly { cached: boolean; isAnomaly: boolean }[]): void {
  if (!windowsScoredChannel.hasSubscribers || results.length === 0) return;
  let stored = 0;
  let anomalies = 0;
  for (const result of results) {
    if (result.cached) stored++;
    if (result.isAnomaly) anomalies++;
  }
  windowsScoredChannel.publish({ modelVersionId, computed: results.length - stored, stored, anomalies } satisfies WindowsScoredEvent);
}

export function reportScoringBatch(size: number, source: BatchSource): void {
  if (scoringBatchChannel.hasSubscribers) scoringBatchChannel.publish({ size, source } satisfies ScoringBatchEvent);
}

export function reportTrainingJob(jobId: number, outcome: TrainingOutcome, startedAt: Date | null): void {
  if (!trainingJobChannel.hasSubscribers) return;
  const durationMs = startedAt ? Math.max(0, Date.now() - startedAt.getTime()) : null;
  trainingJobChannel.publish({ jobId, outcome, durationMs } satisfies TrainingJobEvent);
}

export function reportWebhookAttempt(outcome: WebhookAttemptOutcome): void {
  if (webhookAttemptChannel.hasSubscribers) webhookAttemptChannel.publish({ outcome } satisfies WebhookAttemptEvent);
}
