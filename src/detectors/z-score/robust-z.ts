// Robust per-sensor z-scores: how many robust standard deviations each sensor reads from its healthy
// median. Median and MAD x 1.4826 (the MAD of a normal distribution is 0.6745 of its standard deviation)
// ignore the few outlying healthy readings that a mean and a standard deviation would follow.
import type { WindowBatch, WindowScores } from '../detector';

/** MAD x this = a standard deviation, for normally distributed readings. */
export const MAD_TO_STD = 1.4826;

export interface RobustScale {
  /** [sensors] the median normalised reading. */
  median: Float64Array;
  /** [sensors] MAD x 1.4826; 1 for a sensor whose MAD is 0, so that it is centred but not divided by 0. */
  scale: Float64Array;
}

/** numpy's median of `values` (sorted in place): the middle value, or the mean of the two middle ones. */
function medianInPlace(values: Float64Array): number {
  values.sort();
  const middle = values.length >> 1;
  return values.length % 2 === 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

/**
 * Median and MAD x 1.4826 of each sensor over every cycle of every window: a cycle counts once per window
 * that holds it, which is the healthy data as the detector sees it.
 */
export function fitRobustScale(windows: WindowBatch): RobustScale {
  const { count, windowLength, features: sensors, x } = windows;
  const cells = count * windowLength;
  const values = new Float64Array(cells);
  const median = new Float64Array(sensors);
  const scale = new Float64Array(sensors);
  for (let s = 0; s < sensors; s++) {
    for (let c = 0; c < cells; c++) values[c] = x[c * sensors + s];
    median[s] = medianInPlace(values);
    for (let c = 0; c < cells; c++) values[c] = Math.abs(x[c * sensors + s] - median[s]);
    const spread = medianInPlace(values) * MAD_TO_STD;
    scale[s] = spread > 0 ? spread : 1;
  }
  return { median, scale };
}

/**
 * Per sensor, the mean |z| over the window's last `recentSteps` cycles (its contribution) and the mean
 * signed z (its direction); the window's score is the mean of its `topSensors` largest per-sensor scores
 * (every sensor's when `topSensors` is the number of sensors).
 */
export function scoreRobustZ(windows: WindowBatch, robust: RobustScale, recentSteps: number, topSensors: number): WindowScores {
  const { count, windowLength: length, features: sensors, x } = windows;
  const scores = new Float64Array(count);
  const contributions = new Float32Array(count * sensors);
  const directions = new Float32Array(count * sensors);
  const perSensor = new Float64Array(sensors);
  const cells = length * sensors;
  for (let w = 0; w < count; w++) {
    for (let s = 0; s < sensors; s++) {
      let absolute = 0;
      let signed = 0;
      for (let t = length - recentSteps; t < length; t++) {
        const z = (x[w * cells + t * sensors + s] - robust.median[s]) / robust.scale[s];
        absolute += Math.abs(z);
        signed += z;
      }
      perSensor[s] = absolute / recentSteps;
      contributions[w * sensors + s] = perSensor[s];
      directions[w * sensors + s] = signed / recentSteps;
    }
    if (topSensors < sensors) perSensor.sort();
    let sum = 0;
    for (let s = sensors - topSensors; s < sensors; s++) sum += perSensor[s];
    scores[w] = sum / topSensors;
  }
  return { scores, raw: scores.slice(), contributions, directions };
}
