// Entry point of the inference worker thread (compiled to inference-worker.js; see ./worker-script.ts and
// ./inference-thread.ts): runs forward passes off the thread that serves requests, and helps score large
// local-outlier-factor batches (chunks claimed from shared memory beside the calling thread: both cores
// for one batch).

import { parentPort, workerData } from 'node:worker_threads';
import type { AutoencoderModel } from './architecture';
import { selectBackend, type BackendName } from './backend';
import { reconstructionErrors, releaseCachedWeights, type ReconstructionErrors } from './inference';
import { lofScorer, type LofModel } from '../../local-outlier-factor/lof-model';
import { scoreClaimedChunks, type SharedLofBatch } from '../../local-outlier-factor/shared-batch';

/** A forward pass of `count` windows under the model known as `modelKey` (sent along the first time). */
export interface InferenceRequest {
  id: number;
  task: 'reconstruct';
  modelKey: string;
  model: AutoencoderModel | null;
  /** Model keys the caller no longer tracks: forgotten before this request runs. */
  forget: string[];
  x: Float32Array;
  count: number;
}

/** Chunks of a shared LOF batch under the model known as `modelKey` (sent along the first time). */
export interface LofRequest {
  id: number;
  task: 'local-outlier-factor';
  modelKey: string;
  model: LofModel | null;
  forget: string[];
  batch: SharedLofBatch;
}

export type InferenceReply =
  | { type: 'ready'; backend: string }
  | { type: 'result'; id: number; errors: ReconstructionErrors }
  | { type: 'lof-result'; id: number; chunks: number }
  | { type: 'failure'; id: number; message: string };

export interface InferenceWorkerSetup {
  backendPreference: BackendName[] | null;
}

async function serve(setup: InferenceWorkerSetup): Promise<void> {
  const port = parentPort!;
  const selection = await selectBackend(setup.backendPreference ? { preference: setup.backendPreference } : {});
  const models = new Map<string, AutoencoderModel>();
  /** LOF scorers by model key: each keeps its search's rotated points and buffers between requests. */
  const lofScorers = new Map<string, ReturnType<typeof lofScorer>>();
  port.on('message', (request: InferenceRequest | LofRequest) => {
    for (const key of request.forget) {
      models.delete(key);
      lofScorers.delete(key);
      releaseCachedWeights(key);
    }
    if (request.task === 'local-outlier-factor') {
      if (request.model) lofScorers.set(request.modelKey, lofScorer(request.model));
      try {
        const score = lofScorers.get(request.modelKey);
        if (!score) throw new Error(`model ${request.modelKey} was never sent to the inference thread`);
        const chunks = scoreClaimedChunks(score, request.batch);
        port.postMessage({ type: 'lof-result', id: request.id, chunks } satisfies InferenceReply);
      } catch (error) {
        port.postMessage({
          type: 'failure',
          id: request.id,
          message: error instanceof Error ? error.message : String(error),
        } satisfies InferenceReply);
      }
      return;
    }
    if (request.model) models.set(request.modelKey, request.model);
    const model = models.get(request.modelKey);
    try {
      if (!model) throw new Error(`model ${request.modelKey} was never sent to the inference thread`);
      const errors = reconstructionErrors(model, request.x, request.count, { cacheKey: request.modelKey });
      const buffers = [errors.windowErrors, errors.sensorErrors, errors.windowResiduals, errors.recentResiduals, errors.residualSlopes].map(
        (array) => array.buffer as ArrayBuffer,
      );
      port.postMessage({ type: 'result', id: request.id, errors } satisfies InferenceReply, buffers);
    } catch (error) {
      port.postMessage({
        type: 'failure',
        id: request.id,
        message: error instanceof Error ? error.message : String(error),
      } satisfies InferenceReply);
    }
  });
  port.postMessage({ type: 'ready', backend: selection.name } satisfies InferenceReply);
}

if (parentPort) {
  serve(workerData as InferenceWorkerSetup).catch((error) => {
    // Start-up failed (no backend): the owner sees the thread exit and fails what it sent.
    process.stderr.write(`inference worker: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
