// Scheduling priority of the calling thread. A server that trains in worker threads lowers their
// priority so that request handling keeps its latency while both cores are busy with training: the
// training only takes the CPU time that serving leaves.
//
// Linux applies setpriority(PRIO_PROCESS, tid) to one thread, and Node exposes it as os.setPriority;
// the thread id comes from /proc/thread-self. Elsewhere nothing is changed.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Sets this thread's niceness (0 normal, 19 lowest); returns whether it was applied. */
export function setThreadNiceness(niceness: number): boolean {
  if (!Number.isInteger(niceness) || niceness < 0 || niceness > 19)
    throw new RangeError(`niceness must be an integer in [0, 19], got ${niceness}`);
  let threadId: number;
  try {
    threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return false;
  }
  if (!Number.isInteger(threadId) || threadId <= 0) return false;
  try {
    setPriority(threadId, niceness);
    return true;
  } catch {
    return false;
  }
}
