// Subscribers that ask for the same thing share its work: one graphql-js subscription (one event listener,
// one execution of each event) per group of subscriptions with the same operation, variables and roles,
// whose results every member of the group receives. Each of 1,000 subscribers to one engine used to run
// its own execution of every event (`npm run bench:subscribers`, docs/benchmarks.md).
//
// A result is also serialised once per group: each member's `next` message is its id spliced around the
// group's payload text and written to its socket at once, instead of passing every member's copy of the
// result through graphql-ws's message building, validation, serialisation and awaited send (what half of
// the fan-out's CPU and most of its garbage went to). The member's stream, which graphql-ws iterates,
// yields nothing and ends when the group does (with its error) or the subscriber leaves, so graphql-ws
// still sends the `error` and `complete` messages and ends subscriptions on `complete` or a close.
import { subscribe, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { MessageType } from 'graphql-ws';

type Results = AsyncGenerator<ExecutionResult, void, void>;
type Outcome = Results | ExecutionResult;

const isResults = (outcome: Outcome): outcome is Results => Symbol.asyncIterator in outcome;

/**
 * The payload text of a graphql-ws `next` message of `result`: what graphql-ws sends without an onNext
 * hook (the result, its errors as GraphQLError.toJSON gives them, omitted when there are none).
 */
export function nextPayloadText(result: ExecutionResult): string {
  const { errors, ...rest } = result;
  return JSON.stringify(errors ? { ...rest, errors: errors.map((error) => error.toJSON()) } : rest);
}

/** A graphql-ws `next` message of subscription `id` with a payload already serialised. */
export function nextMessageText(id: string, payloadText: string): string {
  return `{"id":${JSON.stringify(id)},"type":"${MessageType.Next}","payload":${payloadText}}`;
}

/** Where a member's results go: its `next` messages, written to its connection (none once it is closed). */
export interface MemberSink {
  /** The subscription's id on its connection. */
  id: string;
  send(message: string): void;
}

/** One subscriber: receives its group's results (from its joining on, in order) through its sink. */
class Member implements AsyncGenerator<ExecutionResult, void, void> {
  private waiting: { resolve(result: IteratorResult<ExecutionResult, void>): void; reject(error: unknown): void } | null = null;
  private failure: { error: unknown } | null = null;
  private done = false;

  constructor(
    private readonly sink: MemberSink,
    private readonly leave: (member: Member) => void,
  ) {}

  deliver(payloadText: string): void {
    if (!this.done) this.sink.send(nextMessageText(this.sink.id, payloadText));
  }

  /** The group's source ended (error: with that error, after what was delivered). */
  end(error?: unknown): void {
    if (error !== undefined) this.failure = { error };
    this.done = true;
    const waiting = this.waiting;
    this.waiting = null;
    if (!waiting) return;
    if (this.failure) waiting.reject(this.failure.error);
    else waiting.resolve({ done: true, value: undefined });
  }

  /** Pends until the group ends or the member leaves: results never pass through here (see deliver). */
  next(): Promise<IteratorResult<ExecutionResult, void>> {
    if (this.failure) {
      const { error } = this.failure;
      this.failure = null;
      return Promise.reject(error);
    }
    if (this.done) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<ExecutionResult, void>> {
    if (!this.done) {
      this.end();
      this.leave(this);
    }
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(error: unknown): Promise<IteratorResult<ExecutionResult, void>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

interface Group {
  members: Set<Member>;
  source: Promise<Outcome>;
}

export class SharedSubscriptions {
  private readonly groups = new Map<string, Group>();

  /**
   * The stream of `args` (a subscription operation) for one subscriber, whose results go to `sink`: those
   * of the running group under `key`, or of a new one run with `args` (its context then serves the whole
   * group). The stream yields nothing and ends with the group; an outcome that is not a stream (the
   * subscription failed) is returned as is. `afterEach` runs after each result of the group, once its
   * members have it. `key` must name everything the results depend on (the operation, its variables, the
   * roles of the principal).
   */
  async subscribe(key: string, args: ExecutionArgs, sink: MemberSink, afterEach: () => void): Promise<Outcome> {
    const group = this.groups.get(key) ?? this.start(key, args, afterEach);
    // Joined before the source is ready: no result of the group is missed.
    const member = new Member(sink, (left) => this.leave(key, group, left));
    group.members.add(member);
    const outcome = await group.source;
    if (isResults(outcome)) return member;
    group.members.delete(member);
    return outcome;
  }

  private start(key: string, args: ExecutionArgs, afterEach: () => void): Group {
    const group: Group = { members: new Set(), source: Promise.resolve(subscribe(args)) };
    this.groups.set(key, group);
    void group.source.then(
      async (outcome) => {
        if (!isResults(outcome)) {
          this.forget(key, group);
          return;
        }
        let failure: unknown;
        try {
          for await (const result of outcome) {
            const payloadText = nextPayloadText(result);
            for (const member of group.members) member.deliver(payloadText);
            afterEach();
          }
        } catch (error) {
          failure = error ?? new Error('subscription source failed');
        }
        this.forget(key, group);
        for (const member of group.members) member.end(failure);
      },
      (error: unknown) => {
        this.forget(key, group);
        for (const member of group.members) member.end(error ?? new Error('subscription failed'));
      },
    );
    return group;
  }

  private leave(key: string, group: Group, member: Member): void {
    group.members.delete(member);
    if (group.members.size > 0) return;
    this.forget(key, group);
    void group.source.then((outcome) => (isResults(outcome) ? outcome.return() : undefined)).catch(() => undefined);
  }

  private forget(key: string, group: Group): void {
    if (this.groups.get(key) === group) this.groups.delete(key);
  }
}
