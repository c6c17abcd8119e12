// The engineScores subscription's events: each window score an append stored, published once the
// append's transaction has committed.
import { batchesForEvents, eachItemOf, type EventBus } from '../../platform/events/event-bus';
import type { Trajectory } from '../scoring/trajectory-service';

export const ENGINE_SCORES_TOPIC = 'ENGINE_SCORES';

export interface EngineScoreEvent {
  engineId: number;
  modelVersionId: number;
  threshold: number;
  endCycle: number;
  score: number;
  reconstructionError: number;
  isAnomaly: boolean;
}

/** Announces the scores of a committed append, in cycle order. */
export function publishEngineScores(events: EventBus, scored: Trajectory): void {
  const scores: EngineScoreEvent[] = scored.points.map((point) => ({
    engineId: scored.engineId,
    modelVersionId: scored.modelVersionId,
    threshold: scored.threshold,
    endCycle: point.endCycle,
    score: point.score,
    reconstructionError: point.reconstructionError,
    isAnomaly: point.isAnomaly,
  }));
  for (const batch of batchesForEvents(scores)) events.publish(ENGINE_SCORES_TOPIC, scored.engineId, batch);
}

/** Each score stored for `engineId` from now on. */
export function engineScoresOf(events: EventBus, engineId: number): AsyncIterableIterator<EngineScoreEvent> {
  return eachItemOf(events.subscribe(ENGINE_SCORES_TOPIC, engineId) as AsyncIterable<EngineScoreEvent[]>);
}
