import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { setThreadNiceness } from './thread-priority';

const onLinux = fs.existsSync('/proc/thread-self');

// /proc/<tid>/stat field 19 is the niceness of that thread.
function nicenessOf(threadPath: string): number {
  return Number(fs.readFileSync(`/proc/${threadPath}/stat`, 'utf8').split(') ')[1].split(' ')[16]);
}

describe('setThreadNiceness', () => {
  it('rejects values outside 0-19', () => {
    expect(() => setThreadNiceness(20)).toThrow(RangeError);
    expect(() => setThreadNiceness(-1)).toThrow(RangeError);
  });

  (onLinux ? it : it.skip)('lowers the priority of the calling thread only', async () => {
    const mainBefore = nicenessOf(fs.readlinkSync('/proc/thread-self'));
    // A worker renices itself and reports its thread and niceness; the main thread keeps its own.
    const source = `
      const { parentPort } = require('node:worker_threads');
      const fs = require('node:fs');
      const { setThreadNiceness } = require(${JSON.stringify(require.resolve('../../../../dist/src/detectors/lstm-autoencoder/engine/thread-priority.js'))});
      const applied = setThreadNiceness(7);
      const self = fs.readlinkSync('/proc/thread-self');
      const niceness = Number(fs.readFileSync('/proc/' + self + '/stat', 'utf8').split(') ')[1].split(' ')[16]);
      parentPort.postMessage({ applied, niceness });`;
    const reported = await new Promise<{ applied: boolean; niceness: number }>((resolve, reject) => {
      const worker = new Worker(source, { eval: true });
      worker.once('message', (message) => {
        resolve(message);
        void worker.terminate();
      });
      worker.once('error', reject);
    });
    expect(reported).toEqual({ applied: true, niceness: 7 });
    expect(nicenessOf(fs.readlinkSync('/proc/thread-self'))).toBe(mainBefore);
  });
});
