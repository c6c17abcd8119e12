// Per-engine score trajectories for the evaluation report: how each engine's anomaly score evolves
// over its cycles, and when it first crossed the alarm threshold.

import { EvaluationInputError } from './errors';

/** One scored window, identified by its engine and its last cycle. */
export interface ScoredWindow {
  engineId: number;
  endCycle: number;
  score: number;
  /** RUL at the window's last cycle, null when unknown. */
  rul: number | null;
  /** 1 anomalous / 0 normal, null when unlabelled. */
  label: number | null;
}

export interface TrajectoryPoint {
  cycle: number;
  score: number;
  rul: number | null;
  label: number | null;
}

export interface EngineScoreTrajectory {
  engineId: number;
  /** Points sorted by cycle. */
  points: TrajectoryPoint[];
  /**
   * First point with score > threshold (null if none, or when no threshold was given); its RUL is the
   * warning the alarm would have given.
   */
  firstAlarm: TrajectoryPoint | null;
}

/** Builds ScoredWindow rows from parallel columns (e.g. a WindowSet's engineIds/endCycles/ruls and model scores). */
export function zipScoredWindows(columns: {
  engineIds: ArrayLike<number>;
  endCycles: ArrayLike<number>;
  scores: ArrayLike<number>;
  ruls?: ArrayLike<number | null>;
  labels?: ArrayLike<number>;
}): ScoredWindow[] {
  const n = columns.engineIds.length;
  const lengths = [columns.endCycles.length, columns.scores.length, columns.ruls?.length, columns.labels?.length];
  if (lengths.some((length) => length !== undefined && length !== n)) {
    throw new EvaluationInputError(`columns of different lengths: ${[n, ...lengths].join(', ')}`);
  }
  return Array.from({ length: n }, (_, i) => ({
    engineId: columns.engineIds[i],
    endCycle: columns.endCycles[i],
    score: columns.scores[i],
    rul: columns.ruls ? columns.ruls[i] : null,
    label: columns.labels ? columns.labels[i] : null,
  }));
}

/**
 * Groups scored windows by engine (engines in increasing id order), each sorted by cycle. With a
 * threshold, also finds each engine's first alarm (score > threshold, the detection convention).
 * Two windows of one engine with the same end cycle are an error: they would make the trajectory ambiguous.
 */
export function engineScoreTrajectories(windows: readonly ScoredWindow[], options: { threshold?: number } = {}): EngineScoreTrajectory[] {
  const { threshold } = options;
  if (threshold !== undefined && Number.isNaN(threshold)) throw new EvaluationInputError('the threshold is NaN');
  const byEngine = new Map<number, TrajectoryPoint[]>();
  for (const window of windows) {
    if (!Number.isFinite(window.score)) {
      throw new EvaluationInputError(`engine ${window.engineId}, cycle ${window.endCycle}: score is not finite`);
    }
    let points = byEngine.get(window.engineId);
    if (points === undefined) {
      points = [];
      byEngine.set(window.engineId, points);
    }
    points.push({ cycle: window.endCycle, score: window.score, rul: window.rul, label: window.label });
  }
  return [...byEngine.entries()]
    .sort(([a], [b]) => a - b)
    .map(([engineId, points]) => {
      points.sort((a, b) => a.cycle - b.cycle);
      for (let i = 1; i < points.length; i++) {
        if (points[i].cycle === points[i - 1].cycle) {
          throw new EvaluationInputError(`engine ${engineId} has two windows ending at cycle ${points[i].cycle}`);
        }
      }
      const firstAlarm = threshold === undefined ? null : (points.find((point) => point.score > threshold) ?? null);
      return { engineId, points, firstAlarm };
    });
}
