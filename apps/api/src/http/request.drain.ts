import type { ServerResponse } from 'node:http';

/**
 * Counts requests in flight, so that a stopping instance can finish them before it closes. Once
 * draining, responses ask the client to close the connection, so keep-alive clients move on.
 */
export class RequestDrain {
  private inFlight = 0;
  private draining = false;
  private readonly waiters = new Set<() => void>();

  /**
   * Counts `res` as in flight until it closes: a response emits `close` once, when it is sent or
   * when its connection ends first.
   */
  track(res: ServerResponse): void {
    this.inFlight++;
    // `close` comes once per response: `on` spares the wrapper `once` would make for each.
    res.on('close', this.release);
  }

  /** One listener for every response, made once: most of a store's requests are quick reads. */
  private readonly release = () => {
    this.inFlight--;
    if (this.inFlight === 0) for (const wake of this.waiters) wake();
  };

  get requests(): number {
    return this.inFlight;
  }

  isDraining(): boolean {
    return this.draining;
  }

  /** From now on `GET /ready` says 503 and connections are not kept alive. */
  begin(): void {
    this.draining = true;
  }

  /** Resolves true once no request is in flight, or false after `timeoutMs`. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(idle);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiters.add(wake);
    });
  }
}
