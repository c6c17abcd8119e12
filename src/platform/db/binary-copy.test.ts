// copiedBytes on PostgreSQL's own binary COPY output, cut into pieces at every possible place.
import { copiedBytes } from './binary-copy';
import { openPostgres, type Database } from './database';
import { createDatabaseFromTemplate } from '../../../test/support/postgres';

async function collect(pieces: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of pieces) parts.push(piece);
  return Buffer.concat(parts);
}

async function* split(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe('copiedBytes', () => {
  let scratch: Awaited<ReturnType<typeof createDatabaseFromTemplate>>;
  let database: Database;
  beforeAll(async () => {
    scratch = await createDatabaseFromTemplate();
    database = await openPostgres(scratch.url, 2);
  });
  afterAll(async () => {
    await database.close();
    await scratch.drop();
  });

  const values = [Buffer.from('engine,cycle\nA,1\n'), Buffer.alloc(0), Buffer.from([0, 255, 10, 13, 92]), Buffer.alloc(3000, 7)];
  const copy = `COPY (SELECT v FROM unnest(ARRAY[${values.map((value) => `'\\x${value.toString('hex')}'::bytea`).join(', ')}]) WITH ORDINALITY AS t(v, n) ORDER BY n) TO STDOUT (FORMAT binary)`;

  it('gives the values of a one-column COPY back to back, however the stream is cut', async () => {
    const output = await collect(database.copyOut!(copy));
    const expected = Buffer.concat(values);
    for (const size of [1, 2, 3, 5, 7, 19, 64, 1000, output.length]) {
      expect(await collect(copiedBytes(split(output, size)))).toEqual(expected);
    }
  });

  it('refuses a stream that is cut short or is no binary COPY', async () => {
    const output = await collect(database.copyOut!(copy));
    await expect(collect(copiedBytes(split(output.subarray(0, output.length - 10), 100)))).rejects.toThrow(/ended early/);
    await expect(collect(copiedBytes(split(Buffer.from('engine,cycle\nA,1,2,3,4,5\n'), 100)))).rejects.toThrow(/not a binary COPY/);
  });

  it('closes the connection of a COPY left unfinished', async () => {
    const reading = database.copyOut!(copy);
    await reading.next();
    await reading.return(undefined);
    const stats = database.poolStats()!;
    expect(stats.total - stats.idle).toBe(0); // none left checked out
    expect(await database.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
