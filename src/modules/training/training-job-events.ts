// The trainingJobProgress subscription's events: a training job changed (claimed, an epoch stored,
// finished, re-queued), announced after the change is stored. The event names the job only: each
// subscriber reads the job as it then stands, so a late or merged event still shows the current state.
import type { EventBus } from '../../platform/events/event-bus';

export const TRAINING_JOB_TOPIC = 'TRAINING_JOB';

export interface TrainingJobEvent {
  jobId: number;
}

export function publishTrainingJobChange(events: EventBus, jobId: number): void {
  events.publish(TRAINING_JOB_TOPIC, jobId, { jobId } satisfies TrainingJobEvent);
}
