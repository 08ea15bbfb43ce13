import type { Cluster } from '../cluster.js';

/** What the command line may tune in the drills. */
export interface DrillOptions {
  /** How long Redis stays away in the Redis drill, in milliseconds. */
  outageMs: number;
}

/** What a drill ran into: its report, what it measured in words, and every problem it found. */
export interface DrillResult {
  report: unknown;
  /** What it measured, a line each. */
  lines: string[];
  /** What the stores got wrong: none when they behaved. */
  problems: string[];
}

/** One fault drill, as `npm run fault-drill` lists and runs it. */
export interface Drill {
  /** What the drill does to the cluster, in a few words. */
  what(options: DrillOptions): string;
  run(cluster: Cluster, options: DrillOptions): Promise<DrillResult>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 50 ms; throws naming `what` if it still fails after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Stores of the cluster that are not running although nobody stopped them. */
export const crashed = (cluster: Cluster) =>
  cluster.stores.filter((s) => !s.running).map((s) => s.name);

/** Milliseconds as seconds, for a drill's lines. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Records `problem` unless `ok`. */
export function check(problems: string[], ok: boolean, problem: string): void {
  if (!ok) problems.push(problem);
}
