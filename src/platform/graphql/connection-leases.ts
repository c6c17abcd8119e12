// How many WebSocket connections an API key holds, for CONNECTIONS_PER_KEY. On PostgreSQL every API
// process counts the connections of all of them: a row per open connection (subscription_connections),
// taken at connection_init under a per-key advisory lock (two processes cannot both take the last place),
// leased for LEASE_MS and renewed by its process's heartbeat, so that the rows of a process that died stop
// counting once their lease runs out. On PGlite (one process) the process's own count is the whole count.
// Should the database fail at connection_init, the process's own count decides, as before sharing.
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database';
import type { Logger } from '../observability/logger';

/** A taken connection place, or the connections the key holds when it has none left. */
export type LeaseOutcome = { id: string } | { held: number };

export interface ConnectionLeases {
  /** Takes one of the key's `max` places, unless all are taken. */
  acquire(keyId: number, max: number): Promise<LeaseOutcome>;
  /** Gives a place back (its connection closed). */
  release(id: string): Promise<void>;
  /** Gives back every place of this process and stops renewing them. */
  close(): Promise<void>;
}

/** How long a connection counts without its process renewing it. */
export const LEASE_MS = 30_000;
/** Renewals per lease: a process that misses one or two (a slow database) keeps its places. */
const RENEWALS_PER_LEASE = 3;
/** Advisory lock class of the per-key count (the key id is the second half of the lock). */
const CONNECTION_LOCK_CLASS = 7_301_100;

/** The places this process holds, by key. */
class LocalCount {
  private readonly keys = new Map<string, number>();
  private readonly held = new Map<number, number>();

  count(keyId: number): number {
    return this.held.get(keyId) ?? 0;
  }

  add(id: string, keyId: number): void {
    this.keys.set(id, keyId);
    this.held.set(keyId, this.count(keyId) + 1);
  }

  remove(id: string): void {
    const keyId = this.keys.get(id);
    if (keyId === undefined) return;
    this.keys.delete(id);
    const held = this.count(keyId) - 1;
    if (held === 0) this.held.delete(keyId);
    else this.held.set(keyId, held);
  }
}

/** This process's connections only (PGlite, or a single process). */
export function localConnectionLeases(): ConnectionLeases {
  const local = new LocalCount();
  return {
    acquire: async (keyId, max) => {
      const held = local.count(keyId);
      if (held >= max) return { held };
      const id = randomUUID();
      local.add(id, keyId);
      return { id };
    },
    release: async (id) => local.remove(id),
    close: async () => undefined,
  };
}

/** Every process's connections on this PostgreSQL database. */
export function sharedConnectionLeases(
  database: Pick<Database, 'query' | 'transaction'>,
  logger: Logger,
  leaseMs = LEASE_MS,
): ConnectionLeases {
  const processId = randomUUID();
  const local = new LocalCount();
  const leaseInterval = `${leaseMs} milliseconds`;
  const heartbeat = setInterval(() => {
    database
      .query(`UPDATE subscription_connections SET lease_until = now() + $2::interval WHERE process_id = $1`, [processId, leaseInterval])
      .catch((error: unknown) => logger.warn({ err: error }, 'could not renew the leases of the WebSocket connections'));
  }, leaseMs / RENEWALS_PER_LEASE);
  heartbeat.unref();

  return {
    acquire: async (keyId, max) => {
      const id = randomUUID();
      let held: number | null;
      try {
        held = await database.transaction(async ({ query }) => {
          await query('SELECT pg_advisory_xact_lock($1, $2)', [CONNECTION_LOCK_CLASS, keyId]);
          const [{ count }] = await query<{ count: number }>(
            'SELECT count(*)::int AS count FROM subscription_connections WHERE key_id = $1 AND lease_until > now()',
            [keyId],
          );
          if (count >= max) return count;
          await query(
            `INSERT INTO subscription_connections (id, key_id, process_id, lease_until) VALUES ($1, $2, $3, now() + $4::interval)`,
            [id, keyId, processId, leaseInterval],
          );
          await query('DELETE FROM subscription_connections WHERE key_id = $1 AND lease_until <= now()', [keyId]);
          return null;
        });
      } catch (error) {
        logger.warn({ err: error }, "could not count the key's WebSocket connections on the database: counting this process's");
        held = local.count(keyId) >= max ? local.count(keyId) : null;
      }
      if (held !== null) return { held };
      local.add(id, keyId);
      return { id };
    },
    release: async (id) => {
      local.remove(id);
      // Should this fail, the row stops counting when its lease runs out.
      await database
        .query('DELETE FROM subscription_connections WHERE id = $1', [id])
        .catch((error: unknown) => logger.warn({ err: error }, 'could not release a WebSocket connection lease'));
    },
    close: async () => {
      clearInterval(heartbeat);
      await database
        .query('DELETE FROM subscription_connections WHERE process_id = $1', [processId])
        .catch((error: unknown) => logger.warn({ err: error }, 'could not release the WebSocket connection leases'));
    },
  };
}
