import { performance } from 'node:perf_hooks';
import { cpuBetween, sampleCpu } from './cpu.js';
import type { LoadResult } from './load.js';
import type { BenchReport, CpuRow } from './report.js';

/** A task's result for the report, without its per-row tallies (kept only for the ledger check). */
function withoutAccepted(result: unknown): unknown {
  if (typeof result !== 'object' || result === null) return result;
  const rest: Record<string, unknown> = { ...result };
  delete rest.accepted;
  return rest;
}

/**
 * Rounds of one measurement as one: rates over all of them, p50 the median round's, the tail
 * (p90, p99, max) the worst round's.
 */
export function combineRounds(rounds: LoadResult[]): LoadResult {
  const requests = rounds.reduce((n, r) => n + r.requests, 0);
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  const statuses: Record<string, number> = {};
  for (const r of rounds) {
    for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  }
  const p50s = rounds.map((r) => r.latency.p50).sort((a, b) => a - b);
  const worst = (f: (r: LoadResult) => number) => Math.max(...rounds.map(f));
  return {
    requests,
    seconds,
    perSecond: requests / seconds,
    statuses,
    cpuSeconds: rounds.reduce((n, r) => n + r.cpuSeconds, 0),
    dropped: rounds.reduce((n, r) => n + (r.dropped ?? 0), 0),
    latency: {
      count: requests,
      mean: rounds.reduce((n, r) => n + r.latency.mean * r.requests, 0) / Math.max(1, requests),
      p50: p50s[Math.floor((p50s.length - 1) / 2)] ?? 0,
      p90: worst((r) => r.latency.p90),
      p99: worst((r) => r.latency.p99),
      max: worst((r) => r.latency.max),
    },
  };
}

/**
 * Times measured stretches and the CPU every group of processes spent in them, and keeps what
 * each stretch returned for the report's `raw`.
 */
export class Meter {
  /** CPU per phase: seconds of CPU while measuring, cores once `toCores` has run. */
  readonly cpu: CpuRow[] = [];
  readonly raw: BenchReport['raw'] = {};
  private readonly groups = new Map<number, string>();

  constructor(
    private readonly rounds: number,
    private readonly say: (line: string) => void,
  ) {}

  /** Counts process `pid` (and its children) under `group` in the CPU table. */
  name(pid: number, group: string): void {
    this.groups.set(pid, group);
  }

  /** Runs one measured stretch; stretches with the same name (rounds) add up in the CPU table. */
  async measured<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    if (!this.cpu.some((r) => r.phase === phase)) this.say(`  ${phase}…`);
    const before = sampleCpu(this.groups);
    const t = performance.now();
    const result = await fn();
    const seconds = (performance.now() - t) / 1000;
    const used = cpuBetween(before, sampleCpu(this.groups));
    const row = this.cpu.find((r) => r.phase === phase);
    if (row) {
      // Stored as CPU seconds until the end, when they become cores.
      for (const [k, v] of Object.entries(used)) row.cores[k] = (row.cores[k] ?? 0) + v;
      row.seconds += seconds;
    } else {
      this.cpu.push({ phase, seconds, cores: used });
    }
    const rounds = (this.raw[phase] ??= []) as unknown[];
    rounds.push(withoutAccepted(result));
    return result;
  }

  /**
   * Runs each measurement `rounds` times, taking turns, so that whatever else loads the machine
   * meanwhile falls on figure and baseline alike; returns each measurement's rounds combined.
   */
  async interleaved(
    measurements: ReadonlyArray<readonly [phase: string, run: () => Promise<LoadResult>]>,
  ): Promise<LoadResult[]> {
    const results = measurements.map(() => [] as LoadResult[]);
    for (let round = 0; round < this.rounds; round++) {
      for (const [i, [phase, fn]] of measurements.entries()) {
        results[i]!.push(await this.measured(phase, fn));
      }
    }
    return results.map(combineRounds);
  }

  /** Turns the CPU table's seconds of CPU into cores, once measuring is over. */
  toCores(): CpuRow[] {
    for (const row of this.cpu) {
      for (const k of Object.keys(row.cores)) row.cores[k] = row.cores[k]! / row.seconds;
    }
    return this.cpu;
  }
}
