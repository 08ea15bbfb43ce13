import { ERROR_CODES, StockwireError } from '@stockwire/domain';
import type { Dependency, Readiness } from '../http/health.routes.js';
import type { Logger } from '../telemetry/logger.js';

/**
 * A reason the store cannot serve that waiting will not mend (its own location does not exist):
 * thrown by the load, it ends {@link ReadinessGate.open} at once, with this message for the log.
 */
export class StartRefused extends Error {
  override readonly name = 'StartRefused';
}

/** Whether each dependency answers now. */
export type Probes = Record<Dependency, () => Promise<boolean>>;

export interface GateOptions {
  /**
   * The first pause between two rounds of probes, doubled after each round, in milliseconds.
   * @default 250
   */
  initialDelayMs?: number;
  /**
   * The longest pause between two rounds, in milliseconds.
   * @default 5000
   */
  maxDelayMs?: number;
}

type Phase =
  | { kind: 'waiting'; missing: Dependency[] }
  | { kind: 'loading'; failure: string | null }
  | { kind: 'serving' }
  | { kind: 'stopped' };

const NAMES: Record<Dependency, string> = { redis: 'Redis', database: 'the database' };
const named = (missing: readonly Dependency[]) => missing.map((d) => NAMES[d]).join(' and ');

/**
 * Holds a store back until Redis and the database answer, so that it can be started whatever is
 * up: the port is open from the start, `/ready` says what it waits for, and every other request is
 * refused with `not_ready` (nothing is done) until the cache is loaded and the store serves.
 */
export class ReadinessGate {
  private phase: Phase = { kind: 'waiting', missing: [] };
  private readonly stopping = new AbortController();

  constructor(
    private readonly log: Logger,
    private readonly options: GateOptions = {},
  ) {}

  /**
   * Probes every dependency, and once all answer runs `load` (the cache's first sync); a round
   * that finds one missing, or a load that fails, is tried again after a pause that doubles from
   * `initialDelayMs` up to `maxDelayMs`. Logs when what it waits for changes, not every round.
   * Resolves once `load` succeeded; rejects if {@link stop} is called first, or with the
   * {@link StartRefused} that `load` threw (logged, never retried).
   */
  async open(probes: Probes, load: () => Promise<void>): Promise<void> {
    const { initialDelayMs = 250, maxDelayMs = 5000 } = this.options;
    let waited = false;
    for (let delay = initialDelayMs; ; delay = Math.min(delay * 2, maxDelayMs)) {
      this.throwIfStopped();
      const dependencies = Object.keys(probes) as Dependency[];
      const answers = await Promise.all(dependencies.map((d) => probes[d]().catch(() => false)));
      this.throwIfStopped();
      const missing = dependencies.filter((_, i) => !answers[i]);
      if (missing.length > 0) {
        this.waitFor(missing, delay);
        waited = true;
      } else {
        if (this.phase.kind === 'waiting' && waited) {
          this.log(`Redis and the database answer; loading the cache`);
        }
        try {
          if (this.phase.kind !== 'loading') this.phase = { kind: 'loading', failure: null };
          await load();
          this.throwIfStopped();
          return;
        } catch (error) {
          this.throwIfStopped();
          if (error instanceof StartRefused) {
            this.log(error.message);
            this.phase = { kind: 'stopped' };
            throw error;
          }
          if (this.phase.kind === 'loading' && this.phase.failure === null) {
            this.log('loading the cache failed; retrying', error);
          }
          this.phase = {
            kind: 'loading',
            failure: error instanceof Error ? error.message : 'failed',
          };
        }
      }
      await this.pause(delay);
    }
  }

  private waitFor(missing: Dependency[], delay: number): void {
    const before = this.phase.kind === 'waiting' ? this.phase.missing : null;
    this.phase = { kind: 'waiting', missing };
    if (before && before.join() === missing.join()) return;
    if (before === null || before.length === 0) {
      const { maxDelayMs = 5000 } = this.options;
      this.log(
        `waiting for ${named(missing)} (trying again after ${delay} ms, backing off to ${maxDelayMs} ms); ` +
          'meanwhile /ready answers 503 and other requests not_ready',
      );
    } else {
      this.log(`still waiting for ${named(missing)}`);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.stopping.signal;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
    });
  }

  private throwIfStopped(): void {
    if (this.stopping.signal.aborted) throw new Error('the store was stopped before it served');
  }

  /** Every request is admitted from now on. */
  serve(): void {
    this.throwIfStopped();
    this.phase = { kind: 'serving' };
  }

  /** Ends a wait in progress: {@link open} rejects. */
  stop(): void {
    if (this.phase.kind !== 'serving') this.phase = { kind: 'stopped' };
    this.stopping.abort();
  }

  /** Whether the store serves: its dependencies answered and its cache is loaded. */
  isServing(): boolean {
    return this.phase.kind === 'serving';
  }

  readiness(): Readiness {
    const { phase } = this;
    switch (phase.kind) {
      case 'serving':
        return { ready: true };
      case 'waiting':
        return phase.missing.length === 0
          ? { ready: false, reason: 'starting' }
          : {
              ready: false,
              reason: `waiting for ${named(phase.missing)}`,
              waiting_for: phase.missing,
            };
      case 'loading':
        return {
          ready: false,
          reason: phase.failure
            ? `loading the cache failed (${phase.failure}); retrying`
            : 'loading the cache',
        };
      case 'stopped':
        return { ready: false, reason: 'stopping' };
    }
  }

  /** The error a request gets while the store does not serve; null once it does. */
  refusal(): StockwireError | null {
    if (this.phase.kind === 'serving') return null;
    const { reason = 'starting', waiting_for } = this.readiness();
    return new StockwireError(
      ERROR_CODES.NOT_READY,
      `This store is not serving yet: ${reason}. Nothing was done; try again shortly.`,
      waiting_for ? { waiting_for } : undefined,
    );
  }
}
