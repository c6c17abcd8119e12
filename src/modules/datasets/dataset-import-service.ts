// Imports as clients see them: an upload is stored whole (in chunks, in one transaction) with its import
// record, QUEUED, and answered at once; a job runner then parses, validates and writes it (./csv-import.ts),
// recording rows read as it goes and the outcome: SUCCEEDED with its counts, or FAILED with the first
// problem, located. Nothing of a failed import is stored.
import fs from 'node:fs';
import type { DatasetImport, ImportStatus, Prisma, PrismaClient } from '@prisma/client';
import type { Database, Session } from '../../platform/db/database';
import { resolvePage, toPage, type Page, type PageRequest } from '../../platform/db/pagination';
import { copiedBytes } from '../../platform/db/binary-copy';
import { keysetConnection, type Connection, type ConnectionRequest } from '../../platform/db/connection';
import { notFound } from '../../platform/errors';
import type { Logger } from '../../platform/observability/logger';
import { importCsv, type ImportCounts } from './csv-import';
import { importErrorRecord } from './import-errors';
import type { ImportOptions } from './import-options';
import { datasetNamed } from './dataset-service';

/** Bytes of one stored chunk of an upload. */
export const UPLOAD_CHUNK_BYTES = 1 << 20;
/** Least time between two progress writes of a running import. */
const PROGRESS_INTERVAL_MS = 500;

export class UploadTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`the upload is larger than IMPORT_BODY_LIMIT_BYTES (${limitBytes} bytes)`);
    this.name = 'UploadTooLargeError';
  }
}

/** An upload as stored: a runner may claim it as soon as it is. */
export interface QueuedImport {
  id: number;
  status: 'QUEUED';
  dataset: string;
  fileName: string;
  bytes: number;
}

export interface ImportFilter {
  status?: ImportStatus | null;
  dataset?: string | null;
}

function optionsRecord(options: ImportOptions): Prisma.InputJsonObject {
  const { dataset: _dataset, fileName: _fileName, ...rest } = options;
  return rest as unknown as Prisma.InputJsonObject;
}

export class DatasetImportService {
  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    /** Called once an upload is queued, to wake the runner. */
    private readonly notify: () => void = () => undefined,
  ) {}

  private get prisma(): PrismaClient {
    return this.database.prisma;
  }

  /**
   * Stores `body` (streamed, never held whole) and its QUEUED import record in one transaction: an
   * upload that fails or exceeds `limitBytes` (UploadTooLargeError) leaves nothing behind.
   */
  async upload(options: ImportOptions, body: AsyncIterable<Buffer>, limitBytes: number): Promise<QueuedImport> {
    const queued = await this.database.transaction(async (session) => {
      const [{ id }] = await session.query<{ id: number }>(
        `INSERT INTO imports (dataset, format, file_name, options, status) VALUES ($1, 'CSV', $2, $3::text::jsonb, 'QUEUED') RETURNING id`,
        [options.dataset, options.fileName, JSON.stringify(optionsRecord(options))],
      );
      let bytes = 0;
      let seq = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const store = async () => {
        if (pendingBytes === 0) return;
        await session.query('INSERT INTO import_chunks (import_id, seq, data) VALUES ($1, $2, $3)', [
          id,
          seq++,
          Buffer.concat(pending, pendingBytes),
        ]);
        pending = [];
        pendingBytes = 0;
      };
      for await (const chunk of body) {
        bytes += chunk.length;
        if (bytes > limitBytes) throw new UploadTooLargeError(limitBytes);
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= UPLOAD_CHUNK_BYTES) await store();
      }
      await store();
      await session.query('UPDATE imports SET bytes = $2 WHERE id = $1', [id, bytes]);
      return { id, status: 'QUEUED' as const, dataset: options.dataset, fileName: options.fileName, bytes };
    });
    this.notify();
    return queued;
  }

  async get(id: number): Promise<DatasetImport> {
    const [found] = await this.findMany([id]);
    if (!found) throw notFound('import', id);
    return found;
  }

  /** Imports by id, in the order asked, null where absent (for batch loading). */
  async findMany(ids: readonly number[]): Promise<(DatasetImport | null)[]> {
    const found = await this.prisma.datasetImport.findMany({ where: { id: { in: [...ids] } } });
    const byId = new Map(found.map((entry) => [entry.id, entry]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Newest first. */
  async list(filter: ImportFilter = {}, pageRequest?: PageRequest | null): Promise<Page<DatasetImport>> {
    const { offset, limit } = resolvePage(pageRequest);
    const where: Prisma.DatasetImportWhereInput = {
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.dataset ? { dataset: (datasetNamed(filter.dataset) as { name: Prisma.StringFilter }).name } : {}),
    };
    const [items, totalCount] = await Promise.all([
      this.prisma.datasetImport.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: offset, take: limit }),
      this.prisma.datasetImport.count({ where }),
    ]);
    return toPage(items, totalCount, offset, limit);
  }

  /** Imports newest first (in id order, descending), as a cursor connection. */
  connection(filter: ImportFilter = {}, request?: ConnectionRequest | null): Promise<Connection<DatasetImport>> {
    const where: Prisma.DatasetImportWhereInput = {
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.dataset ? { dataset: (datasetNamed(filter.dataset) as { name: Prisma.StringFilter }).name } : {}),
    };
    return keysetConnection('datasetImport', 'desc', request, {
      rows: (id, order, take) => this.prisma.datasetImport.findMany({ where: { AND: [where, { id }] }, orderBy: { id: order }, take }),
      count: () => this.prisma.datasetImport.count({ where }),
    });
  }

  /**
   * Runs an import that `claimedBy` has claimed (RUNNING), reading its stored upload, to SUCCEEDED or
   * FAILED; resolves either way. `source` replaces the stored upload (the CLI reads a local file).
   */
  async run(job: DatasetImport, claimedBy: string, source?: AsyncIterable<Buffer>): Promise<DatasetImport> {
    const options = { ...(job.options as unknown as ImportOptions), dataset: job.dataset, fileName: job.fileName };
    const progress = new ProgressWriter(this.prisma, job.id, this.logger);
    const own = `id = $1 AND status = 'RUNNING' AND claimed_by = $2`;
    // PostgreSQL reads the upload on another connection (the import's is busy with COPY), as one binary
    // COPY: no round trip per chunk, and bytes rather than bytea's hex text (1.0 s of the server's CPU
    // for 175 MB). PGlite has one connection.
    const copyOut = this.database.copyOut;
    const copied = !source && copyOut ? copiedBytes(copyOut(storedUploadCopy(job.id))) : null;
    try {
      const upload = (session: Session) => source ?? copied ?? this.storedUpload(job.id, session.query);
      const counts = await importCsv(this.database, options, upload, {
        onRowsRead: (rows) => progress.rowsRead(rows),
        beforeCommit: async (session: Session, result: ImportCounts) => {
          const marked = await session.query<{ id: number }>(
            `UPDATE imports SET status = 'SUCCEEDED', dataset = $3, rows_read = $4, rows_written = $5, engines_created = $6,
                    engines_unchanged = $7, error = NULL, finished_at = clock_timestamp()
              WHERE ${own} RETURNING id`,
            [job.id, claimedBy, result.dataset, result.rowsRead, result.rowsWritten, result.enginesCreated, result.enginesUnchanged],
          );
          if (marked.length !== 1) throw new Error(`import ${job.id} is no longer claimed by ${claimedBy}`);
          await session.query('DELETE FROM import_chunks WHERE import_id = $1', [job.id]);
        },
      });
      this.logger.info({ importId: job.id, ...counts }, 'import succeeded');
    } catch (error) {
      const record = importErrorRecord(error, job.fileName);
      if (record.code === 'INTERNAL_SERVER_ERROR') this.logger.error({ err: error, importId: job.id }, 'import failed');
      else this.logger.info({ importId: job.id, error: record }, 'import refused');
      await this.database.transaction(async (session) => {
        await session.query(
          `UPDATE imports SET status = 'FAILED', error = $3::text::jsonb, rows_read = $4, finished_at = clock_timestamp() WHERE ${own}`,
          [job.id, claimedBy, JSON.stringify(record), progress.lastRowsRead],
        );
        await session.query('DELETE FROM import_chunks WHERE import_id = $1', [job.id]);
      });
    } finally {
      await progress.settled();
      // An import that stopped reading (a bad row) leaves the COPY of its upload to be closed.
      await copied?.return(undefined);
    }
    return this.get(job.id);
  }

  /**
   * Imports a local file at once (the CLI): an import record claimed by `claimedBy`, run here without
   * storing the file.
   */
  async importFile(options: ImportOptions, path: string, claimedBy: string): Promise<DatasetImport> {
    const job = await this.prisma.datasetImport.create({
      data: {
        dataset: options.dataset,
        format: 'CSV',
        fileName: options.fileName,
        options: optionsRecord(options),
        bytes: fs.statSync(path).size,
        status: 'RUNNING',
        claimedBy,
        startedAt: new Date(),
        heartbeatAt: new Date(),
        attempts: 1,
      },
    });
    return this.run(job, claimedBy, fs.createReadStream(path, { highWaterMark: UPLOAD_CHUNK_BYTES }));
  }

  /** The stored chunks of an upload, in order, one query each (PGlite, inside the import's transaction). */
  private async *storedUpload(importId: number, query: Session['query']): AsyncGenerator<Buffer> {
    for (let seq = 0; ; seq++) {
      const rows = await query<{ data: Uint8Array }>('SELECT data FROM import_chunks WHERE import_id = $1 AND seq = $2', [importId, seq]);
      if (rows.length === 0) return;
      yield Buffer.from(rows[0].data.buffer, rows[0].data.byteOffset, rows[0].data.byteLength);
    }
  }
}

/** COPY's statement for the stored chunks of an upload, in order (COPY takes no parameters). */
function storedUploadCopy(importId: number): string {
  return `COPY (SELECT data FROM import_chunks WHERE import_id = ${Math.trunc(importId)} ORDER BY seq) TO STDOUT (FORMAT binary)`;
}

/**
 * Records rows read at most every PROGRESS_INTERVAL_MS, one write at a time and not awaited by the
 * import (on PGlite the writes wait for the import's transaction; once the import is finished they match
 * no RUNNING row), but by the end of run(): a Prisma write still in flight when its client disconnects
 * fails ("Unknown transaction status") holding its pool connection, and closing the pool never ends
 * (the CLI closes it as soon as its import resolves).
 */
class ProgressWriter {
  lastRowsRead = 0;
  private writing: Promise<void> | null = null;
  private lastWriteAt = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly importId: number,
    private readonly logger: Logger,
  ) {}

  rowsRead(rows: number): void {
    this.lastRowsRead = rows;
    if (this.writing || Date.now() - this.lastWriteAt < PROGRESS_INTERVAL_MS) return;
    this.lastWriteAt = Date.now();
    this.writing = this.prisma.datasetImport
      .updateMany({ where: { id: this.importId, status: 'RUNNING' }, data: { rowsRead: rows, heartbeatAt: new Date() } })
      .then(
        () => undefined,
        (error: unknown) => this.logger.warn({ err: error, importId: this.importId }, 'could not record import progress'),
      )
      .finally(() => (this.writing = null));
  }

  /** Resolves once no write is in flight. */
  async settled(): Promise<void> {
    await this.writing;
  }
}
