export interface GroupCommitOptions {
  /**
   * The most items one call carries; callers beyond it wait for the next call.
   * @default 128
   */
  maxBatch: number;
}

interface Waiting<T, R> {
  items: readonly T[];
  resolve: (results: R[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for a batch-first call: while one call is in flight, whatever is submitted meanwhile
 * waits and goes out together in the next call, the moment the previous one returns. An idle
 * committer sends at once, so it adds no latency; a busy one pays one round trip (one transaction,
 * one WAL flush) for many callers. Each caller gets exactly the results for its own items, in order.
 *
 * A call that fails fails every caller in it: the batch was one transaction, so none of it was
 * written. Refusals of single items are results, not failures, and do not touch their neighbours.
 */
export class GroupCommitter<T, R> {
  private queue: Waiting<T, R>[] = [];
  private inFlight = false;
  /** Calls made and items sent, for tests and metrics. */
  calls = 0;
  items = 0;

  constructor(
    private readonly send: (items: readonly T[]) => Promise<R[]>,
    private readonly options: GroupCommitOptions = { maxBatch: 128 },
  ) {}

  submit(items: readonly T[]): Promise<R[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<R[]>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      if (!this.inFlight) this.flush();
    });
  }

  private flush(): void {
    if (this.queue.length === 0) {
      this.inFlight = false;
      return;
    }
    this.inFlight = true;
    // Whole callers only, at least one even if it alone is over the limit.
    let take = 0;
    let count = 0;
    while (take < this.queue.length) {
      const next = this.queue[take]!.items.length;
      if (take > 0 && count + next > this.options.maxBatch) break;
      count += next;
      take++;
    }
    const batch = this.queue.slice(0, take);
    this.queue = this.queue.slice(take);
    const items = batch.length === 1 ? batch[0]!.items : batch.flatMap((w) => w.items);
    this.calls++;
    this.items += items.length;
    const fail = (error: unknown) => batch.forEach((w) => w.reject(error));
    void Promise.resolve()
      .then(() => this.send(items))
      .then(
        (results) => {
          // The next call goes out before this one's callers run (they run once it is on its
          // way): their answers are written while the database works on the next batch.
          this.flush();
          setImmediate(() => {
            if (results.length !== items.length) {
              fail(new Error(`expected ${items.length} results, got ${results.length}`));
              return;
            }
            let at = 0;
            for (const w of batch) {
              w.resolve(results.slice(at, at + w.items.length));
              at += w.items.length;
            }
          });
        },
        (error: unknown) => {
          this.flush();
          setImmediate(() => fail(error));
        },
      );
  }
}
