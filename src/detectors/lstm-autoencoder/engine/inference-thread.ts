// Forward passes on a worker thread, so that scoring a large batch, a trajectory or a training job's
// calibration never stalls the thread that serves requests. Results are bit-identical to
// reconstructionErrors on the calling thread: the same code runs on the same backend.

import { Worker } from 'node:worker_threads';
import type { AutoencoderModel } from './architecture';
import type { BackendName } from './backend';
import { reconstructionErrors, type ReconstructionErrors } from './inference';
import type { InferenceReply, InferenceRequest, InferenceWorkerSetup } from './inference-worker';
import { resolveInferenceWorkerScript } from './worker-script';

/** How the services get reconstruction errors: on the calling thread, or on an InferenceThread. */
export type Reconstruct = (model: AutoencoderModel, modelKey: string, x: Float32Array, count: number) => Promise<ReconstructionErrors>;

/** Model keys name parameters that never change (see ReconstructionOptions.cacheKey): weights stay prepared. */
export const reconstructOnThisThread: Reconstruct = async (model, modelKey, x, count) =>
  reconstructionErrors(model, x, count, { cacheKey: modelKey });

export interface InferenceThreadOptions {
  workerScript?: string;
  backendPreference?: BackendName[];
  /** Models kept on the worker (least recently used beyond: forgotten, sent again when needed). */
  modelsKept?: number;
  /** Told once if the worker dies; passes then run on the calling thread (slower, still correct). */
  onCrash?: (error: Error) => void;
  /**
   * Passes of fewer windows run on the calling thread (default 64): for them the hop to the worker
   * costs more than it frees (measured: one window 7 -> 10 ms p50 at concurrency 1 when sent over).
   */
  inlineBelow?: number;
}

interface Pending {
  resolve(errors: ReconstructionErrors): void;
  reject(error: Error): void;
}

export class InferenceThreadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InferenceThreadError';
  }
}

export class InferenceThread {
  private readonly pending = new Map<number, Pending>();
  /** Model keys the worker holds, least recently used first. */
  private readonly sent = new Map<string, true>();
  private forget: string[] = [];
  private nextId = 1;
  private closing = false;
  private crashed = false;

  private constructor(
    private readonly worker: Worker,
    readonly backend: string,
    private readonly options: InferenceThreadOptions,
  ) {
    worker.on('message', (reply: InferenceReply) => this.settle(reply));
    worker.on('error', (error) => this.crash(new InferenceThreadError(`inference thread failed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (!this.closing) this.crash(new InferenceThreadError(`inference thread exited with code ${code}`));
    });
  }

  /** Starts the worker and waits until its backend is ready. */
  static async start(options: InferenceThreadOptions = {}): Promise<InferenceThread> {
    const setup: InferenceWorkerSetup = { backendPreference: options.backendPreference ?? null };
    const worker = new Worker(resolveInferenceWorkerScript(options.workerScript), { workerData: setup });
    const backend = await new Promise<string>((resolve, reject) => {
      const onExit = (code: number) => reject(new InferenceThreadError(`inference thread exited with code ${code} while starting`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (reply: InferenceReply) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (reply.type === 'ready') resolve(reply.backend);
        else reject(new InferenceThreadError(`unexpected first message from the inference thread: ${reply.type}`));
      });
    });
    return new InferenceThread(worker, backend, options);
  }

  /** A Reconstruct bound to this thread. */
  readonly reconstruct: Reconstruct = (model, modelKey, x, count) => {
    if (this.crashed || count < (this.options.inlineBelow ?? 64)) return reconstructOnThisThread(model, modelKey, x, count);
    if (this.closing) return Promise.reject(new InferenceThreadError('the inference thread is closed'));
    const id = this.nextId++;
    const known = this.sent.delete(modelKey);
    this.sent.set(modelKey, true);
    while (this.sent.size > (this.options.modelsKept ?? 8)) {
      const oldest = this.sent.keys().next().value as string;
      this.sent.delete(oldest);
      this.forget.push(oldest);
    }
    const request: InferenceRequest = { id, modelKey, model: known ? null : model, forget: this.forget, x, count };
    this.forget = [];
    return new Promise<ReconstructionErrors>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(request);
    });
  };

  /** Stops the worker; passes still running on it are refused. */
  async close(): Promise<void> {
    this.closing = true;
    this.failAll(new InferenceThreadError('the inference thread is closed'));
    await this.worker.terminate();
  }

  private crash(error: Error): void {
    if (this.crashed) return;
    this.crashed = true;
    this.failAll(error);
    this.options.onCrash?.(error);
  }

  private settle(reply: InferenceReply): void {
    if (reply.type === 'ready') return;
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.type === 'result') pending.resolve(reply.errors);
    else pending.reject(new InferenceThreadError(reply.message));
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
