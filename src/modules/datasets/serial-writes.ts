/**
 * The statements of a stager, sent one at a time and in order while the file is still being read. A
 * failure surfaces where the queue is awaited (room() or drain()), never as an unhandled rejection; and
 * drain() waits for the statement in flight even when reading failed, so that no write is left running
 * when the import's transaction ends (an unawaited write once made closing the database hang).
 */
export class SerialWrites {
  private pending: Promise<unknown> = Promise.resolve();
  private inFlight = 0;

  /** Queues `write` after the writes already queued. */
  enqueue(write: () => Promise<unknown>): void {
    this.inFlight++;
    this.pending = this.pending.then(write).finally(() => this.inFlight--);
    this.pending.catch(() => undefined); // handled where it is awaited: room() or drain()
  }

  /** Null while at most one write waits; else what the producer awaits before reading on. */
  room(): Promise<void> | null {
    return this.inFlight > 1 ? this.pending.then(() => undefined) : null;
  }

  /** Runs the producer, queues the last batch through `flush`, and waits for every write. */
  async drain(produce: () => Promise<void>, flush: () => void): Promise<void> {
    try {
      await produce();
    } catch (error) {
      await this.pending.catch(() => undefined);
      throw error;
    }
    flush();
    await this.pending;
  }
}
