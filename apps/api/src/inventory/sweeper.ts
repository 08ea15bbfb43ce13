/**
 * Periodic background work (expiring holds, purging old keys). A run never overlaps the previous
 * one, and a failed run is logged and tried again next time.
 */
export class Sweeper {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly log: (message: string, error?: unknown) => void) {}

  every(ms: number, work: () => Promise<unknown>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      work()
        .catch((error: unknown) => this.log('background work failed', error))
        .finally(() => (running = false));
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
  }
}
