// The batchJobProgress subscription's events: a batch job changed (claimed, an engine finished, ended,
// re-queued), announced after the change is stored. Like training jobs' events, an event names the job
// only and each subscriber reads the job as it then stands.
import type { EventBus } from '../../platform/events/event-bus';

export const BATCH_JOB_TOPIC = 'BATCH_JOB';

export interface BatchJobEvent {
  jobId: number;
}

export function publishBatchJobChange(events: EventBus, jobId: number): void {
  events.publish(BATCH_JOB_TOPIC, jobId, { jobId } satisfies BatchJobEvent);
}
