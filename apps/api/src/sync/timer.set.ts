/** Timers owned by one object: each forgets itself when it fires, and closing cancels the rest. */
export class TimerSet {
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Runs `fn` after `ms` milliseconds, unless the set is closed first (or already). */
  after(ms: number, fn: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Cancels every pending timer; later calls to {@link TimerSet.after} do nothing. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
