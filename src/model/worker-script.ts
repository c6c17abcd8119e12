// Where the compiled training worker lives. Worker threads run JavaScript, so:
//  - running compiled (dist/src/model/*.js): the sibling training-worker.js;
//  - running from TypeScript sources (ts-jest, tools): the compiled copy of the same sources under
//    <repo>/dist/src/model/ (`npm test` builds before running jest), or wherever the environment variable
//    ENGINE_HEALTH_TRAINING_WORKER points (e.g. a private build: tsc -p tsconfig.build.json --outDir DIR
//    with DIR/node_modules linked to the repository's node_modules);
//  - an explicit path passed by the caller wins over both.
// No TypeScript loader runs inside the worker: what it executes is always plain, prebuilt JavaScript.

import { existsSync } from 'node:fs';
import path from 'node:path';

export const TRAINING_WORKER_ENV = 'ENGINE_HEALTH_TRAINING_WORKER';
const WORKER_FILE = 'training-worker.js';

export class WorkerScriptNotFoundError extends Error {
  constructor(readonly searched: string[]) {
    super(
      `compiled training worker not found (looked at ${searched.join(', ')}). Build the project first ` +
        `(npm run build, i.e. tsc -p tsconfig.build.json) or set ${TRAINING_WORKER_ENV} to a compiled ${WORKER_FILE}.`,
    );
    this.name = 'WorkerScriptNotFoundError';
  }
}

export function resolveTrainingWorkerScript(explicit?: string): string {
  const candidates: string[] = [];
  if (explicit) candidates.push(path.resolve(explicit));
  else if (process.env[TRAINING_WORKER_ENV]) candidates.push(path.resolve(process.env[TRAINING_WORKER_ENV] as string));
  else if (__filename.endsWith('.js')) candidates.push(path.join(__dirname, WORKER_FILE));
  else candidates.push(path.resolve(__dirname, '..', '..', 'dist', 'src', 'model', WORKER_FILE));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) throw new WorkerScriptNotFoundError(candidates);
  return found;
}
