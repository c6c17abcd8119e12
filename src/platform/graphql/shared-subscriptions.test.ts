// Shared subscriptions over a real graphql-js schema: one execution and one serialisation of each event
// per group, each member sent graphql-ws's own `next` message under its id (compared with what graphql-ws's
// stringifyMessage makes of the same result), a member's stream ending with the group's error, and the
// source ended when its last member leaves. End to end, with graphql-ws clients: test/api/subscriptions.test.ts.
import { buildSchema, GraphQLError, parse, type ExecutionArgs } from 'graphql';
import { MessageType, stringifyMessage } from 'graphql-ws';
import { nextMessageText, nextPayloadText, SharedSubscriptions, type MemberSink } from './shared-subscriptions';

const schema = buildSchema(`
  type Query { unused: Int }
  type Tick { n: Int!, label: String }
  type Subscription { ticks: Tick! }
`);

/** A source of events the test pushes, that records its executions and whether it was ended. */
class Ticks {
  private readonly pending: { resolve(value: IteratorResult<unknown>): void; reject(error: unknown): void }[] = [];
  private readonly queued: ({ value: unknown } | { error: unknown })[] = [];
  executions = 0;
  subscriptions = 0;
  ended = false;

  push(value: unknown): void {
    const waiting = this.pending.shift();
    if (waiting) waiting.resolve({ done: false, value });
    else this.queued.push({ value });
  }

  fail(error: unknown): void {
    const waiting = this.pending.shift();
    if (waiting) waiting.reject(error);
    else this.queued.push({ error });
  }

  iterator(): AsyncIterableIterator<unknown> {
    this.subscriptions++;
    const iterator: AsyncIterableIterator<unknown> = {
      next: () => {
        const item = this.queued.shift();
        if (item) return 'error' in item ? Promise.reject(item.error) : Promise.resolve({ done: false, value: item.value });
        return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
      },
      return: () => {
        this.ended = true;
        this.pending.splice(0).forEach(({ resolve }) => resolve({ done: true, value: undefined }));
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}

function argsOf(ticks: Ticks): ExecutionArgs {
  return {
    schema,
    document: parse('subscription { ticks { n label } }'),
    rootValue: {
      ticks: () => ticks.iterator(),
    },
    // Each event executes `label` once per group: counted here.
    fieldResolver: (source, _args, _context, info) => {
      const value = (source as Record<string, unknown>)[info.fieldName];
      if (info.fieldName === 'label') {
        ticks.executions++;
        if (value instanceof Error) throw value;
      }
      return value;
    },
  };
}

/** A member's sink that keeps what it was sent. */
function sinkOf(id: string): MemberSink & { sent: string[] } {
  const sent: string[] = [];
  return { id, sent, send: (message) => sent.push(message) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('shared subscriptions', () => {
  it('executes and serialises each event once per group, sending each member graphql-ws’s next message under its id', async () => {
    const shared = new SharedSubscriptions();
    const ticks = new Ticks();
    const args = argsOf(ticks);
    let afterEach = 0;
    const sinks = [sinkOf('a1'), sinkOf('b-"2"')];
    const streams = await Promise.all(sinks.map((sink) => shared.subscribe('same', args, sink, () => afterEach++)));
    expect(ticks.subscriptions).toBe(1);

    ticks.push({ ticks: { n: 1, label: 'one' } });
    ticks.push({ ticks: { n: 2, label: new Error('no label') } });
    await settle();

    expect(ticks.executions).toBe(2);
    expect(afterEach).toBe(2);
    const expected = (id: string) => [
      { id, type: 'next', payload: { data: { ticks: { n: 1, label: 'one' } } } },
      {
        id,
        type: 'next',
        payload: {
          data: { ticks: { n: 2, label: null } },
          errors: [{ message: 'no label', locations: [{ line: 1, column: 26 }], path: ['ticks', 'label'] }],
        },
      },
    ];
    expect(sinks.map((sink) => sink.sent.map((message) => JSON.parse(message) as unknown))).toEqual(sinks.map((sink) => expected(sink.id)));
    await Promise.all(streams.map((stream) => ('return' in stream ? stream.return() : undefined)));
  });

  it('writes a payload as graphql-ws does, with its errors and extensions', () => {
    const result = {
      data: { ticks: { n: 3, label: null } },
      errors: [new GraphQLError('bad', { path: ['ticks', 'label'], extensions: { code: 'X' } })],
      extensions: { cost: 2 },
    };
    const { errors, ...rest } = result;
    expect(nextMessageText('7', nextPayloadText(result))).toBe(
      stringifyMessage({ id: '7', type: MessageType.Next, payload: { ...rest, errors: errors.map((error) => error.toJSON()) } }),
    );
  });

  it("ends every member's stream with the source's error, after what was sent", async () => {
    const shared = new SharedSubscriptions();
    const ticks = new Ticks();
    const sink = sinkOf('x');
    const stream = await shared.subscribe('failing', argsOf(ticks), sink, () => undefined);
    if (!('next' in stream)) throw new Error('expected a stream');
    const next = stream.next();
    ticks.push({ ticks: { n: 1, label: 'one' } });
    ticks.fail(new Error('source broke'));
    await expect(next).rejects.toThrow('source broke');
    expect(sink.sent).toHaveLength(1);
    // A new subscription under the key starts a new group.
    await shared.subscribe('failing', argsOf(ticks), sinkOf('y'), () => undefined);
    expect(ticks.subscriptions).toBe(2);
  });

  it('sends nothing more to a member that left, and ends the source when the last one leaves', async () => {
    const shared = new SharedSubscriptions();
    const ticks = new Ticks();
    const args = argsOf(ticks);
    const [first, second] = [sinkOf('1'), sinkOf('2')];
    const [firstStream, secondStream] = await Promise.all(
      [first, second].map((sink) => shared.subscribe('k', args, sink, () => undefined)),
    );
    if (!('return' in firstStream) || !('return' in secondStream)) throw new Error('expected streams');

    ticks.push({ ticks: { n: 1, label: 'one' } });
    await settle();
    await firstStream.return();
    ticks.push({ ticks: { n: 2, label: 'two' } });
    await settle();
    expect([first.sent.length, second.sent.length]).toEqual([1, 2]);
    expect(ticks.ended).toBe(false);
    await expect(firstStream.next()).resolves.toEqual({ done: true, value: undefined });

    await secondStream.return();
    await settle();
    expect(ticks.ended).toBe(true);
  });

  it('returns an outcome that is not a stream (the subscription failed) as is', async () => {
    const shared = new SharedSubscriptions();
    const args: ExecutionArgs = {
      schema,
      document: parse('subscription { ticks { n } }'),
      rootValue: { ticks: () => Promise.reject(new Error('refused')) },
    };
    const outcome = await shared.subscribe('bad', args, sinkOf('z'), () => undefined);
    expect('errors' in outcome && outcome.errors?.map((error) => error.message)).toEqual(['refused']);
  });
});
