// Entry point of the inference worker thread (compiled to inference-worker.js; see ./worker-script.ts and
// ./inference-thread.ts): runs forward passes off the thread that serves requests.

import { parentPort, workerData } from 'node:worker_threads';
import type { AutoencoderModel } from './architecture';
import { selectBackend, type BackendName } from './backend';
import { reconstructionErrors, releaseCachedWeights, type ReconstructionErrors } from './inference';

/** A forward pass of `count` windows under the model known as `modelKey` (sent along the first time). */
export interface InferenceRequest {
  id: number;
  modelKey: string;
  model: AutoencoderModel | null;
  /** Model keys the caller no longer tracks: forgotten before this request runs. */
  forget: string[];
  x: Float32Array;
  count: number;
}

export type InferenceReply =
  | { type: 'ready'; backend: string }
  | { type: 'result'; id: number; errors: ReconstructionErrors }
  | { type: 'failure'; id: number; message: string };

export interface InferenceWorkerSetup {
  backendPreference: BackendName[] | null;
}

async function serve(setup: InferenceWorkerSetup): Promise<void> {
  const port = parentPort!;
  const selection = await selectBackend(setup.backendPreference ? { preference: setup.backendPreference } : {});
  const models = new Map<string, AutoencoderModel>();
  port.on('message', (request: InferenceRequest) => {
    for (const key of request.forget) {
      models.delete(key);
      releaseCachedWeights(key);
    }
    if (request.model) models.set(request.modelKey, request.model);
    const model = models.get(request.modelKey);
    try {
      if (!model) throw new Error(`model ${request.modelKey} was never sent to the inference thread`);
      const errors = reconstructionErrors(model, request.x, request.count, { cacheKey: request.modelKey });
      const buffers = [
        errors.windowErrors,
        errors.sensorErrors,
        errors.windowResiduals,
        errors.recentResiduals,
        errors.residualSlopes,
        errors.recentInputs,
        errors.inputSlopes,
        errors.inputDeviations,
      ].map((array) => array.buffer as ArrayBuffer);
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
