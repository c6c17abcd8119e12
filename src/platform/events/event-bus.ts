// Events for GraphQL subscriptions (type-graphql's PubSub). On PostgreSQL they cross processes: a
// publication is a NOTIFY on one channel (sent through the pool, so only once the caller's transaction
// has committed and returned), and every process LISTENs on a dedicated connection, its own
// publications included, then hands each event to its local subscribers. The embedded database is one
// process: its events stay in memory.
import { createPubSub } from '@graphql-yoga/subscription';
import pg from 'pg';
import type { Database } from '../db/database';
import type { Logger } from '../observability/logger';

export const EVENT_CHANNEL = 'engine_health_events';
/** PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more. */
export const MAX_EVENT_BYTES = 7_900;
const RECONNECT_DELAY_MS = 1_000;

export interface EventBus {
  publish(routingKey: string, ...args: unknown[]): void;
  subscribe(routingKey: string, dynamicId?: unknown): AsyncIterable<unknown>;
  /**
   * Subscribers of this process that will hear the next publication (on PostgreSQL, once the LISTEN
   * connection is up): what a client can wait for before it publishes.
   */
  readySubscribers(): number;
  /** Stops listening (PostgreSQL) and ends nothing else: subscribers are ended by their transport. */
  close(): Promise<void>;
}

/** An in-process EventTarget that counts its listeners. */
class CountingEventTarget extends EventTarget {
  listeners = 0;

  override addEventListener(type: string, listener: Listener): void {
    this.listeners++;
    super.addEventListener(type, listener);
  }

  override removeEventListener(type: string, listener: Listener): void {
    this.listeners--;
    super.removeEventListener(type, listener);
  }
}

type Listener = Parameters<EventTarget['addEventListener']>[1];

interface WireEvent {
  type: string;
  detail: unknown;
}

/**
 * An EventTarget whose dispatches go through PostgreSQL: NOTIFY on the pool (batched per tick, in
 * order), LISTEN on a dedicated client started with the first listener and reconnected when lost.
 */
class PostgresEventTarget {
  readonly local = new CountingEventTarget();
  private pending: string[] = [];
  private flushing: Promise<void> = Promise.resolve();
  /** The LISTEN client, once it listens. */
  listener: pg.Client | null = null;
  private listening: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
  ) {}

  addEventListener(type: string, listener: Listener): void {
    this.local.addEventListener(type, listener);
    this.listening ??= this.listen();
  }

  removeEventListener(type: string, listener: Listener): void {
    this.local.removeEventListener(type, listener);
  }

  dispatchEvent(event: Event): boolean {
    const payload = JSON.stringify({ type: event.type, detail: (event as CustomEvent).detail } satisfies WireEvent);
    if (Buffer.byteLength(payload) > MAX_EVENT_BYTES) {
      this.logger.error({ type: event.type, bytes: Buffer.byteLength(payload) }, 'event too large for NOTIFY: not published');
      return false;
    }
    if (this.pending.length === 0) queueMicrotask(() => this.flush());
    this.pending.push(payload);
    return true;
  }

  /** Sends the events dispatched so far in one statement, after the previous one (order is kept). */
  private flush(): void {
    const payloads = this.pending;
    this.pending = [];
    if (payloads.length === 0) return;
    this.flushing = this.flushing.then(() =>
      this.pool
        .query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) WITH ORDINALITY AS events(payload, n) ORDER BY n', [
          EVENT_CHANNEL,
          payloads,
        ])
        .then(
          () => undefined,
          (error: unknown) => this.logger.error({ err: error, events: payloads.length }, 'could not publish events (NOTIFY)'),
        ),
    );
  }

  private async listen(): Promise<void> {
    while (!this.closed) {
      const client = new pg.Client({ ...this.pool.options });
      try {
        const lost = new Promise<void>((resolve) => {
          client.on('error', (error) => {
            this.logger.warn({ err: error }, 'event listener connection lost: reconnecting');
            resolve();
          });
          client.on('end', () => resolve());
        });
        client.on('notification', (message) => this.deliver(message.payload));
        await client.connect();
        if (!this.closed) {
          await client.query(`LISTEN ${EVENT_CHANNEL}`);
          this.listener = client;
          await lost;
        }
      } catch (error) {
        if (!this.closed) this.logger.warn({ err: error }, 'cannot listen for events: retrying');
      }
      this.listener = null;
      await client.end().catch(() => undefined);
      if (!this.closed) await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS).unref());
    }
  }

  private deliver(payload: string | undefined): void {
    if (!payload) return;
    let event: WireEvent;
    try {
      event = JSON.parse(payload) as WireEvent;
    } catch {
      this.logger.warn({ channel: EVENT_CHANNEL }, 'ignored a notification that is not an event');
      return;
    }
    this.local.dispatchEvent(new CustomEvent(event.type, { detail: event.detail }));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.listener?.end().catch(() => undefined);
    await this.listening;
  }
}

/** The event bus of a process on `database`. */
export function createEventBus(database: Pick<Database, 'pool'>, logger: Logger): EventBus {
  if (!database.pool) {
    const local = new CountingEventTarget();
    const pubSub = createPubSub({ eventTarget: local });
    return {
      publish: (key, ...args) => pubSub.publish(key, ...(args as [])),
      subscribe: (key, id) => pubSub.subscribe(key, id as never),
      readySubscribers: () => local.listeners,
      close: async () => undefined,
    };
  }
  const target = new PostgresEventTarget(database.pool, logger);
  const pubSub = createPubSub({ eventTarget: target as unknown as EventTarget });
  return {
    publish: (key, ...args) => pubSub.publish(key, ...(args as [])),
    subscribe: (key, id) => pubSub.subscribe(key, id as never),
    readySubscribers: () => (target.listener ? target.local.listeners : 0),
    close: () => target.close(),
  };
}

/**
 * The items of `batches` one by one. Events carry batches (a NOTIFY payload holds several items, and a
 * subscriber falls behind by batches, not items); ending the iterator ends the subscription at once,
 * even while it waits for the next batch.
 */
export function eachItemOf<T>(batches: AsyncIterable<readonly T[]>): AsyncIterableIterator<T> {
  const source = batches[Symbol.asyncIterator]();
  let batch: readonly T[] = [];
  let next = 0;
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      while (next >= batch.length) {
        const result = await source.next();
        if (result.done) return { done: true, value: undefined };
        batch = result.value;
        next = 0;
      }
      return { done: false, value: batch[next++] };
    },
    async return() {
      batch = [];
      await source.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** `items` in consecutive batches whose JSON stays within a NOTIFY payload (with room for the envelope). */
export function batchesForEvents<T>(items: readonly T[], maxBytes = MAX_EVENT_BYTES - 400): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 2;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (current.length > 0 && bytes + size > maxBytes) {
      batches.push(current);
      current = [];
      bytes = 2;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** The events of `events` that `accept` keeps; ending it ends the subscription at once, as eachItemOf. */
export function eventsMatching<T>(events: AsyncIterable<T>, accept: (event: T) => boolean): AsyncIterableIterator<T> {
  const source = events[Symbol.asyncIterator]();
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      for (;;) {
        const result = await source.next();
        if (result.done || accept(result.value)) return result;
      }
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
