// Subscribers that ask for the same thing share its work: one graphql-js subscription (one event listener,
// one execution of each event) per group of subscriptions with the same operation, variables and roles,
// whose results every member of the group receives. Each of 1,000 subscribers to one engine used to run
// its own execution of every event (`npm run bench:subscribers`, docs/benchmarks.md).
import { subscribe, type ExecutionArgs, type ExecutionResult } from 'graphql';

type Results = AsyncGenerator<ExecutionResult, void, void>;
type Outcome = Results | ExecutionResult;

const isResults = (outcome: Outcome): outcome is Results => Symbol.asyncIterator in outcome;

/** One subscriber's stream of its group's results, from its joining on, in order. */
class Member implements AsyncGenerator<ExecutionResult, void, void> {
  private queue: ExecutionResult[] = [];
  private waiting: { resolve(result: IteratorResult<ExecutionResult, void>): void; reject(error: unknown): void } | null = null;
  private failure: { error: unknown } | null = null;
  private done = false;

  constructor(private readonly leave: (member: Member) => void) {}

  deliver(result: ExecutionResult): void {
    if (this.done) return;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ done: false, value: result });
    } else {
      this.queue.push(result);
    }
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

  next(): Promise<IteratorResult<ExecutionResult, void>> {
    if (this.queue.length > 0) return Promise.resolve({ done: false, value: this.queue.shift()! });
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
      this.queue = [];
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
   * The results of `args` (a subscription operation) for one subscriber: those of the running group under
   * `key`, or of a new one run with `args` (its context then serves the whole group). `afterEach` runs
   * after each result of the group, once its members have it. `key` must name everything the results
   * depend on (the operation, its variables, the roles of the principal).
   */
  async subscribe(key: string, args: ExecutionArgs, afterEach: () => void): Promise<Outcome> {
    const group = this.groups.get(key) ?? this.start(key, args, afterEach);
    // Joined before the source is ready: no result of the group is missed.
    const member = new Member((left) => this.leave(key, group, left));
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
            for (const member of group.members) member.deliver(result);
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
