// When an import creates every engine it names (its data set holds none yet), nothing has to be compared
// with stored cycles, so rows skip the staging table: they are COPYed straight into `cycles`, in batches,
// each batch after the engines first seen in it are created. This saves PostgreSQL one of its two passes
// over the rows. All or nothing still holds: everything runs in the import's transaction, which any
// error rolls back.
import { Readable } from 'node:stream';
import type { Session } from '../../platform/db/database';
import { SerialWrites } from './serial-writes';
import { POSTGRES_EPOCH_MS, SIGNATURE, writeFloatArray, type Stager } from './staging-rows';

// Large enough that a batch's statement and engine check cost little per row, small enough to keep
// memory flat (at most two batches wait while a third is filled) and the engine check's transition
// table within PostgreSQL's work_mem (4 MB by default): 16 MiB batches cost PostgreSQL ~15% more CPU.
const BATCH_BYTES = 4 << 20;
const COPY_SQL = 'COPY cycles (engine_id, cycle, recorded_at, settings, sensors) FROM STDIN (FORMAT binary)';

/**
 * Creates the engines of the assets numbered `from`..`to` (keys in order of first appearance) and
 * resolves with their ids, in the same order.
 */
export type CreateEngines = (from: number, to: number) => Promise<number[]>;

/** Encodes rows for COPY cycles FROM STDIN (FORMAT binary), a batch at a time. */
export class DirectCycleWriter implements Stager {
  /**
   * Buffers of batches whose COPY PostgreSQL has answered, reused: a new 4 MiB buffer per batch (250 for a
   * million rows) kept V8's garbage collector busy with external memory.
   */
  private readonly spare: Buffer[] = [];
  private buffer = DirectCycleWriter.newBatch();
  private view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.length);
  private offset = SIGNATURE.length + 8;
  /** Where each row of the batch holds its asset key, replaced by its engine id once that exists. */
  private engineFields: number[] = [];
  /** Engine ids by asset key (index 0 unused). */
  private readonly engineIds: number[] = [0];
  private highestKey = 0;
  private highestCreatedKey = 0;
  private readonly writes = new SerialWrites();
  private rows = 0;

  constructor(
    private readonly session: Session,
    private readonly settingCount: number,
    private readonly createEngines: CreateEngines,
  ) {}

  private static newBatch(): Buffer {
    const buffer = Buffer.allocUnsafe(BATCH_BYTES);
    SIGNATURE.copy(buffer, 0);
    buffer.writeInt32BE(0, SIGNATURE.length); // flags
    buffer.writeInt32BE(0, SIGNATURE.length + 4); // header extension
    return buffer;
  }

  async stage(produce: () => Promise<void>): Promise<number> {
    await this.writes.drain(produce, () => this.flush());
    return this.rows;
  }

  room(): Promise<void> | null {
    return this.writes.room();
  }

  row(_line: number, asset: number, cycle: number, recordedAt: number | null, values: Float64Array): void {
    const settings = this.settingCount;
    const size = 2 + 2 * 8 + 12 + 2 * (4 + 20) + values.length * 12;
    if (this.offset + size + 2 > BATCH_BYTES) this.flush();
    const view = this.view;
    let at = this.offset;
    view.setInt16(at, 5);
    view.setInt32(at + 2, 4);
    this.engineFields.push(at + 6);
    view.setInt32(at + 6, asset);
    view.setInt32(at + 10, 4);
    view.setInt32(at + 14, cycle);
    at += 18;
    if (recordedAt === null) {
      view.setInt32(at, -1);
      at += 4;
    } else {
      view.setInt32(at, 8);
      view.setBigInt64(at + 4, BigInt(recordedAt - POSTGRES_EPOCH_MS) * 1000n);
      at += 12;
    }
    at = writeFloatArray(view, at, values, 0, settings);
    at = writeFloatArray(view, at, values, settings, values.length);
    this.offset = at;
    if (asset > this.highestKey) this.highestKey = asset;
    this.rows++;
  }

  /** Sends the current batch after the statements already queued, creating its new engines first. */
  private flush(): void {
    const fields = this.engineFields;
    if (fields.length === 0) return;
    const buffer = this.buffer;
    buffer.writeInt16BE(-1, this.offset);
    const batch = buffer.subarray(0, this.offset + 2);
    const from = this.highestCreatedKey + 1;
    const to = this.highestKey;
    this.highestCreatedKey = to;
    this.buffer = this.spare.pop() ?? DirectCycleWriter.newBatch();
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.length);
    this.offset = SIGNATURE.length + 8;
    this.engineFields = [];
    this.writes.enqueue(async () => {
      if (to >= from) this.engineIds.push(...(await this.createEngines(from, to)));
      for (const field of fields) batch.writeInt32BE(this.engineIds[batch.readInt32BE(field)], field);
      await this.session.copyFrom!(COPY_SQL, Readable.from([batch], { objectMode: false }));
      this.spare.push(buffer);
    });
  }
}
