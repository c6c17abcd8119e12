// The process's handling of errors nothing caught, in child processes running the built code (the
// handlers are process-wide): the tfjs WebAssembly loader installs handlers that rethrow every unhandled
// rejection and uncaught exception, selectBackend removes them, and handleProcessErrors logs each stray
// error with its operation, fails that operation alone and keeps the process serving.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPOSITORY_ROOT } from '../platform/repository';

const run = promisify(execFile);
const DIST = path.join(REPOSITORY_ROOT, 'dist', 'src');

async function node(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['-e', script], { cwd: REPOSITORY_ROOT, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const COUNT = `[process.listenerCount('unhandledRejection'), process.listenerCount('uncaughtException')]`;

describe('errors nothing caught', () => {
  it('the WebAssembly backend still installs process handlers that rethrow (when it stops, withoutLibraryProcessHandlers can go)', async () => {
    const result = await node(`
      const tf = require('@tensorflow/tfjs');
      require('@tensorflow/tfjs-backend-wasm');
      tf.setBackend('wasm').then(() => tf.ready()).then(() => {
        console.log(JSON.stringify(${COUNT}));
        process.exit(0);
      });`);
    expect(result).toMatchObject({ code: 0 });
    expect(JSON.parse(result.stdout)).toEqual([1, 1]);
  });

  it('keeps the process serving: logs each stray error with its operation and fails that operation alone', async () => {
    const result = await node(`
      const { selectBackend } = require(${JSON.stringify(path.join(DIST, 'detectors/lstm-autoencoder/engine/backend.js'))});
      const { handleProcessErrors } = require(${JSON.stringify(path.join(DIST, 'main/process-errors.js'))});
      const { runOperation } = require(${JSON.stringify(path.join(DIST, 'platform/observability/operations.js'))});
      const { createLogger } = require(${JSON.stringify(path.join(DIST, 'platform/observability/logger.js'))});
      selectBackend({ preference: ['wasm'] }).then((selection) => {
        console.log(JSON.stringify({ backend: selection.name, listeners: ${COUNT} }));
        handleProcessErrors(createLogger('error', { write: (line) => process.stdout.write(line) }));
        const job = { kind: 'training-job', id: '7', fail: (error) => console.log(JSON.stringify({ failed: '7', because: error.message })) };
        runOperation(job, () => {
          Promise.resolve().then(() => { throw new Error('progress write lost'); });
        });
        Promise.reject(new Error('outside any operation'));
        runOperation({ ...job, id: '8', fail: () => console.log(JSON.stringify({ failed: '8' })) }, () => {
          setTimeout(() => { throw new Error('thrown in a timer'); }, 10);
        });
        setTimeout(() => { console.log(JSON.stringify({ alive: true })); process.exit(0); }, 300);
      });`);
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0]).toEqual({ backend: 'wasm', listeners: [0, 0] });
    const logged = lines.filter((line) => line.level === 50);
    expect(logged).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          msg: 'unhandled rejection in training-job 7, which is failed: the process keeps serving',
          operation: { kind: 'training-job', id: '7' },
          err: expect.objectContaining({ message: 'progress write lost' }),
        }),
        expect.objectContaining({
          msg: 'unhandled rejection: the process keeps serving',
          operation: null,
          err: expect.objectContaining({ message: 'outside any operation' }),
        }),
        expect.objectContaining({
          msg: 'uncaught exception in training-job 8, which is failed: the process keeps serving',
          err: expect.objectContaining({ message: 'thrown in a timer' }),
        }),
      ]),
    );
    expect(lines).toContainEqual({ failed: '7', because: 'progress write lost' });
    expect(lines).toContainEqual({ failed: '8' });
    expect(lines[lines.length - 1]).toEqual({ alive: true });
  });
});
