// GET /health: the process is alive and serving HTTP (no dependency checked: a liveness probe must not
// restart a healthy process because its database is down).
// GET /ready: whether this replica should receive traffic: the database answers, every migration is
// applied, and the active model version (if any) decodes; 503 while shutting down. The JSON body says
// which check failed, without internals (hosts, SQL): those go to the log.
import express from 'express';
import { isDatabaseUnavailable } from '../db/connection-errors';
import type { Database } from '../db/database';
import { pendingMigrations, readMigrations, type Migration } from '../db/migrations';
import type { Logger } from '../observability/logger';

export interface CheckResult {
  ok: boolean;
  [detail: string]: unknown;
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready' | 'shutting_down';
  checks: { database: CheckResult; migrations: CheckResult; model: CheckResult };
}

const CHECK_TIMEOUT_MS = 3_000;

class CheckTimeout extends Error {
  constructor() {
    super(`no answer within ${CHECK_TIMEOUT_MS} ms`);
  }
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CheckTimeout()), CHECK_TIMEOUT_MS);
    }),
  ]);
}

/** What readiness needs of the model registry: the active version, and decoding it. */
export interface ActiveModelSource<Version extends { id: number; version: number }> {
  active(): Promise<Version | null>;
  load(version: Version): Promise<unknown>;
}

export class Readiness<Version extends { id: number; version: number } = { id: number; version: number }> {
  private draining = false;
  private readonly migrations: Migration[];
  /** The active version last decoded successfully (decoding is done once per version). */
  private verifiedVersionId: number | null = null;
  private running: Promise<ReadinessReport> | null = null;

  constructor(
    private readonly database: Database,
    private readonly registry: ActiveModelSource<Version>,
    private readonly logger: Logger,
  ) {
    this.migrations = readMigrations();
  }

  /** From now on /ready answers 503 shutting_down, so load balancers stop sending traffic. */
  drain(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Runs the checks; concurrent callers share one run. */
  check(): Promise<ReadinessReport> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private failure(check: string, error: unknown): CheckResult {
    const reason = error instanceof CheckTimeout ? 'timeout' : isDatabaseUnavailable(error) ? 'unreachable' : 'error';
    this.logger.warn({ err: error, check }, 'readiness check failed');
    return { ok: false, error: reason };
  }

  private async run(): Promise<ReadinessReport> {
    const skipped: CheckResult = { ok: false, error: 'skipped: the database is not reachable' };
    let database: CheckResult;
    const started = performance.now();
    try {
      await withTimeout(this.database.query('SELECT 1'));
      database = { ok: true, kind: this.database.kind, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (error) {
      database = { kind: this.database.kind, ...this.failure('database', error) };
    }
    const migrations = database.ok ? await this.checkMigrations() : skipped;
    const model = database.ok && migrations.ok ? await this.checkModel() : skipped;
    const ready = database.ok && migrations.ok && model.ok;
    return { status: this.draining ? 'shutting_down' : ready ? 'ready' : 'not_ready', checks: { database, migrations, model } };
  }

  private async checkMigrations(): Promise<CheckResult> {
    try {
      const pending = await withTimeout(pendingMigrations(this.database.query, this.migrations));
      return pending.length === 0
        ? { ok: true, applied: this.migrations.length }
        : { ok: false, error: 'migrations pending: run `npm run db:migrate`', pending };
    } catch (error) {
      if (error instanceof Error && error.name === 'MigrationError') return { ok: false, error: error.message };
      return this.failure('migrations', error);
    }
  }

  private async checkModel(): Promise<CheckResult> {
    try {
      const active = await withTimeout(this.registry.active());
      if (!active) return { ok: true, activeModelVersion: null, note: 'no model version is active: scoring needs a modelVersionId' };
      if (this.verifiedVersionId !== active.id) {
        // Decoded once per version (the registry caches it for scoring too).
        await withTimeout(this.registry.load(active));
        this.verifiedVersionId = active.id;
      }
      return { ok: true, activeModelVersion: { id: active.id, version: active.version } };
    } catch (error) {
      if (isDatabaseUnavailable(error) || error instanceof CheckTimeout) return this.failure('model', error);
      this.logger.error({ err: error }, 'the active model version cannot be loaded');
      return { ok: false, error: 'the active model version cannot be loaded' };
    }
  }
}

export function healthRouter(readiness: Readiness): express.Router {
  const router = express.Router();
  router.get('/health', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res, next) => {
    try {
      const report = await readiness.check();
      res
        .set('Cache-Control', 'no-store')
        .status(report.status === 'ready' ? 200 : 503)
        .json(report);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
