// Forward passes on the inference worker thread: the same errors as on the calling thread, bit for bit,
// with models sent once and forgotten beyond the cache, failures kept per request, and a dead worker
// replaced by the calling thread.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initialiseModel } from './initialisation';
import { reconstructionErrors } from './inference';
import { InferenceThread, InferenceThreadError } from './inference-thread';
import { syntheticWindows, TINY, useBackend } from './test-helpers';

const bits = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

describe('InferenceThread', () => {
  let thread: InferenceThread;
  const first = initialiseModel(TINY, 'pytorch', 1);
  const second = initialiseModel(TINY, 'pytorch', 2);
  const x = syntheticWindows(TINY, 40, 3);

  beforeAll(async () => {
    await useBackend('wasm');
    thread = await InferenceThread.start({ backendPreference: ['wasm'], modelsKept: 1, inlineBelow: 0 });
  });
  afterAll(() => thread?.close());

  it('gives the errors of the calling thread, bit for bit', async () => {
    const expected = reconstructionErrors(first, x, 40);
    const actual = await thread.reconstruct(first, 'first', x, 40);
    expect(bits(actual.windowErrors)).toEqual(bits(expected.windowErrors));
    expect(bits(actual.sensorErrors)).toEqual(bits(expected.sensorErrors));
    expect(bits(actual.windowResiduals)).toEqual(bits(expected.windowResiduals));
    expect(bits(actual.recentResiduals)).toEqual(bits(expected.recentResiduals));
    for (const summary of ['residualSlopes', 'recentInputs', 'inputSlopes', 'inputDeviations'] as const) {
      expect(bits(actual[summary])).toEqual(bits(expected[summary]));
    }
    expect(actual.recentSteps).toBe(expected.recentSteps);
  });

  it('keeps concurrent requests apart and sends a forgotten model again', async () => {
    // modelsKept 1: every switch of model makes the worker forget the other one.
    const results = await Promise.all([
      thread.reconstruct(first, 'first', x, 40),
      thread.reconstruct(second, 'second', x, 40),
      thread.reconstruct(first, 'first', x.subarray(0, 7 * TINY.windowLength * TINY.features), 7),
      thread.reconstruct(second, 'second', x, 40),
    ]);
    const expectedFirst = reconstructionErrors(first, x, 40);
    const expectedSecond = reconstructionErrors(second, x, 40);
    expect(bits(results[0].windowErrors)).toEqual(bits(expectedFirst.windowErrors));
    expect(bits(results[1].windowErrors)).toEqual(bits(expectedSecond.windowErrors));
    expect(bits(results[2].windowErrors)).toEqual(bits(expectedFirst.windowErrors.subarray(0, 7)));
    expect(bits(results[3].windowErrors)).toEqual(bits(expectedSecond.windowErrors));
    expect(bits(results[1].windowErrors)).not.toEqual(bits(results[0].windowErrors));
  });

  it('fails a bad request alone and goes on serving', async () => {
    await expect(thread.reconstruct(first, 'first', x.subarray(0, 10), 40)).rejects.toThrow(/x holds 10 values, 40 windows need/);
    const after = await thread.reconstruct(first, 'first', x, 2);
    expect(after.windowErrors).toHaveLength(2);
  });

  it('runs small passes on the calling thread, without the worker', async () => {
    const inline = await InferenceThread.start({ backendPreference: ['wasm'], inlineBelow: 8 });
    await inline.close();
    // Closed: the worker would refuse, so a small pass answering proves it never went there.
    const small = await inline.reconstruct(first, 'first', x, 7);
    expect(bits(small.windowErrors)).toEqual(bits(reconstructionErrors(first, x, 7).windowErrors));
    await expect(inline.reconstruct(first, 'first', x, 8)).rejects.toBeInstanceOf(InferenceThreadError);
  });

  it('refuses work once closed', async () => {
    const closed = await InferenceThread.start({ backendPreference: ['wasm'], inlineBelow: 0 });
    await closed.close();
    await expect(closed.reconstruct(first, 'first', x, 1)).rejects.toBeInstanceOf(InferenceThreadError);
  });

  it('runs passes on the calling thread once its worker has died, and says so once', async () => {
    // A worker that starts like the real one, then exits on its first request.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inference-worker-'));
    const script = path.join(dir, 'dying-worker.js');
    fs.writeFileSync(
      script,
      "const { parentPort } = require('node:worker_threads');\nparentPort.postMessage({ type: 'ready', backend: 'none' });\nparentPort.on('message', () => process.exit(3));\n",
    );
    const crashes: Error[] = [];
    const dying = await InferenceThread.start({ workerScript: script, inlineBelow: 0, onCrash: (error) => crashes.push(error) });
    try {
      await expect(dying.reconstruct(first, 'first', x, 40)).rejects.toThrow(/exited with code 3/);
      const fallback = await dying.reconstruct(first, 'first', x, 40);
      expect(bits(fallback.windowErrors)).toEqual(bits(reconstructionErrors(first, x, 40).windowErrors));
      expect(crashes).toHaveLength(1);
    } finally {
      await dying.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
