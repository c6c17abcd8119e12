// Latency of reconstructionErrors on the calling thread: one window (median of many calls) and batches.

import { AutoencoderModel, windowSize } from '../src/detectors/lstm-autoencoder/engine/architecture';
import { reconstructionErrors } from '../src/detectors/lstm-autoencoder/engine/inference';

export interface LatencyFigures {
  batch1P50Ms: number;
  batch1P99Ms: number;
  batches: Array<{ windows: number; medianMs: number; windowsPerSecond: number }>;
}

function percentile(sortedMs: number[], q: number): number {
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor(q * sortedMs.length))];
}

/** `windows`: at least max(batchSizes) windows to draw from (cycled if shorter). */
export function measureInferenceLatency(
  model: AutoencoderModel,
  windows: Float32Array,
  batchSizes: number[] = [256, 1024],
  singleRuns = 300,
  batchRuns = 15,
): LatencyFigures {
  const size = windowSize(model.architecture);
  const available = windows.length / size;
  const batchOf = (count: number) => {
    const out = new Float32Array(count * size);
    for (let n = 0; n < count; n++) out.set(windows.subarray((n % available) * size, ((n % available) + 1) * size), n * size);
    return out;
  };

  const one = batchOf(1);
  for (let i = 0; i < 30; i++) reconstructionErrors(model, one, 1);
  const singles: number[] = [];
  for (let i = 0; i < singleRuns; i++) {
    const start = performance.now();
    reconstructionErrors(model, windows.subarray((i % available) * size, ((i % available) + 1) * size), 1);
    singles.push(performance.now() - start);
  }
  singles.sort((a, b) => a - b);

  const batches = batchSizes.map((count) => {
    const batch = batchOf(count);
    reconstructionErrors(model, batch, count);
    const times: number[] = [];
    for (let i = 0; i < batchRuns; i++) {
      const start = performance.now();
      reconstructionErrors(model, batch, count);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const medianMs = percentile(times, 0.5);
    return { windows: count, medianMs, windowsPerSecond: (count / medianMs) * 1000 };
  });
  return { batch1P50Ms: percentile(singles, 0.5), batch1P99Ms: percentile(singles, 0.99), batches };
}
