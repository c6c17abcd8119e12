// The background loop of a queue runner (training jobs, batch jobs, imports, webhook deliveries): runs
// an iteration, then again at once when it found work, else after pollIntervalMs or sooner on wake().
// A wake() during an iteration is not lost: the next iteration starts without sleeping.
import type { Logger } from '../observability/logger';

export class PollingLoop {
  private loop: Promise<void> | null = null;
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  /** Which start() the loop belongs to: a loop left by a stop() that a start() overtook ends. */
  private generation = 0;

  /** `iterate` resolves true when it found work (the next iteration runs without sleeping). */
  constructor(
    private readonly name: string,
    private readonly pollIntervalMs: number,
    private readonly iterate: () => Promise<boolean>,
    private readonly logger: Logger,
  ) {}

  /** True from stop() until the next start(): claim nothing more. */
  get stopping(): boolean {
    return this.stopped;
  }

  /** Starts looping in the background (after a stop still in progress, if any). */
  start(): void {
    if (this.loop && !this.stopped) return;
    this.stopped = false;
    const generation = ++this.generation;
    const previous = this.loop ?? Promise.resolve();
    this.loop = previous.then(() => this.run(generation)).catch((error) => this.logger.error({ err: error }, `${this.name} crashed`));
  }

  /** Runs the next iteration now rather than after the poll interval. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops after the iteration in progress; resolves false when a start() came meanwhile. */
  async stop(): Promise<boolean> {
    this.stopped = true;
    this.wake();
    const loop = this.loop;
    await loop;
    if (this.loop !== loop) return false;
    this.loop = null;
    return true;
  }

  private async run(generation: number): Promise<void> {
    while (!this.stopped && this.generation === generation) {
      this.woken = false;
      try {
        if (await this.iterate()) continue;
      } catch (error) {
        this.logger.error({ err: error }, `${this.name} iteration failed`);
      }
      if (this.woken || this.stopped) continue;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wakeUp = null;
          resolve();
        };
        const timer = setTimeout(done, this.pollIntervalMs);
        this.wakeUp = done;
      });
    }
  }
}
