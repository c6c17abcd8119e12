// Where the compiled worker scripts (training-worker.js, inference-worker.js) live. Worker threads run
// JavaScript, so:
//  - running compiled (dist/src/detectors/lstm-autoencoder/engine/*.js): the sibling file;
//  - running from TypeScript sources (ts-jest, tools): the compiled copy of the same sources under
//    <repo>/dist/src/detectors/lstm-autoencoder/engine/ (`npm test` builds before running jest), or wherever the environment variable
//    ENGINE_HEALTH_TRAINING_WORKER points (e.g. a private build: tsc -p tsconfig.build.json --outDir DIR
//    with DIR/node_modules linked to the repository's node_modules);
//  - an explicit path passed by the caller wins over both.
// No TypeScript loader runs inside the worker: what it executes is always plain, prebuilt JavaScript.

import { existsSync } from 'node:fs';
import path from 'node:path';

export const TRAINING_WORKER_ENV = 'ENGINE_HEALTH_TRAINING_WORKER';
const WORKER_FILE = 'training-worker.js';
const INFERENCE_WORKER_FILE = 'inference-worker.js';

export class WorkerScriptNotFoundError extends Error {
  constructor(
    readonly searched: string[],
    file: string = WORKER_FILE,
  ) {
    super(
      `compiled worker ${file} not found (looked at ${searched.join(', ')}). Build the project first ` +
        `(npm run build, i.e. tsc -p tsconfig.build.json) or set ${TRAINING_WORKER_ENV} to a compiled ${WORKER_FILE}.`,
    );
    this.name = 'WorkerScriptNotFoundError';
  }
}

export function resolveTrainingWorkerScript(explicit?: string): string {
  return resolveWorkerScript(WORKER_FILE, explicit ?? process.env[TRAINING_WORKER_ENV]);
}

/** The compiled inference worker (next to the training worker; see the header). */
export function resolveInferenceWorkerScript(explicit?: string): string {
  const trainingOverride = process.env[TRAINING_WORKER_ENV];
  const sibling = trainingOverride ? path.join(path.dirname(path.resolve(trainingOverride)), INFERENCE_WORKER_FILE) : undefined;
  return resolveWorkerScript(INFERENCE_WORKER_FILE, explicit ?? sibling);
}

function resolveWorkerScript(file: string, explicit: string | undefined): string {
  const candidates: string[] = [];
  if (explicit) candidates.push(path.resolve(explicit));
  else if (__filename.endsWith('.js')) candidates.push(path.join(__dirname, file));
  else candidates.push(path.resolve(__dirname, '..', '..', '..', '..', 'dist', 'src', 'detectors', 'lstm-autoencoder', 'engine', file));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) throw new WorkerScriptNotFoundError(candidates, file);
  return found;
}
