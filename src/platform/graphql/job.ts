// The fields every queued job shows (training jobs, batch jobs), declared once: the Job interface that
// their GraphQL types implement, and the state enum it shows.
import { JobStatus } from '@prisma/client';
import { DateTimeResolver } from 'graphql-scalars';
import { Field, Int, InterfaceType, registerEnumType } from 'type-graphql';

/** The stored statuses and ORPHANED, which is derived (see platform/jobs/job-liveness.ts). */
export const JobState = { ...JobStatus, ORPHANED: 'ORPHANED' } as const;

/** A job's state as clients see it: the stored status, or ORPHANED for a RUNNING job whose runner is dead. */
export type JobState = (typeof JobState)[keyof typeof JobState];

registerEnumType(JobState, {
  name: 'JobStatus',
  description: 'State of a training job or a batch job.',
  valuesConfig: {
    QUEUED: { description: 'Waiting for a worker (a re-queued job waits until retryAt).' },
    RUNNING: { description: 'Training, calibrating, evaluating or scoring.' },
    ORPHANED: {
      description:
        'Was running, but its worker stopped sending heartbeats (TRAINING_STALE_AFTER_MS): the next worker that looks re-queues it with a backoff, fails it after the maximum attempts, or cancels it when a cancel was asked. Its progress is that of the interrupted attempt.',
    },
    SUCCEEDED: { description: "Finished: a training job's model version is registered, a batch job's results are stored." },
    FAILED: { description: 'Stopped by an error (see error).' },
    CANCELLED: { description: 'Cancelled by a client.' },
  },
});

@InterfaceType({
  description:
    'Background work from a queue that every worker shares (a training job, a batch job): its state, attempts and times. A worker claims it, keeps it alive by a heartbeat and retries it when its worker died.',
})
export abstract class Job {
  @Field(() => Int, { description: 'Identifier of the job.' })
  id: number;

  @Field(() => JobState, { description: 'Current state.' })
  status: JobState;

  @Field(() => Int, { description: 'Times the job was started (a job interrupted by a crash is retried).' })
  attempts: number;

  @Field(() => String, { nullable: true, description: 'Why the job failed, or a note on its last interruption.' })
  error: string | null;

  @Field(() => Boolean, { description: 'Whether a cancellation was asked.' })
  cancelRequested: boolean;

  @Field(() => DateTimeResolver, { description: 'When the job was queued.' })
  createdAt: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the current attempt started.' })
  startedAt: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the job finished.' })
  finishedAt: Date | null;

  @Field(() => DateTimeResolver, {
    nullable: true,
    description: 'A job re-queued after its worker died is not started again before this time (the wait doubles with each attempt).',
  })
  retryAt: Date | null;
}
