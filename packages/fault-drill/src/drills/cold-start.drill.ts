import { pingRedis } from '@stockwire/local-stack';
import type { Cluster } from '../cluster.js';
import { waitForConvergence } from '../convergence.js';
import type { Exit, StoreProcess } from '../store-process.js';
import { createProduct, write } from '../writes.js';
import { check, crashed, seconds, until, type Drill } from './drill.js';

/** A store's `GET /ready`, as it answered. */
export interface ReadyAnswer {
  status: number;
  body: { ready?: boolean; reason?: string; waiting_for?: string[] };
}

export interface ColdStartReport {
  /** `/ready` of a store started while Redis and the database were both down. */
  bothDown: ReadyAnswer;
  /** What a read from it answered meanwhile. */
  readWhileWaiting: { status: number; code?: string };
  /** Its `/ready` once Redis was back, the database still down. */
  databaseDown: ReadyAnswer;
  /** From the database's return until it answered `/ready` 200. */
  readyMs: number;
  /** A write at it once ready, and whether every cache then equalled the database. */
  writeStatus: number;
  converged: boolean;
  /** How a second store, sent SIGTERM while it waited, exited. */
  stoppedWhileWaiting: Exit;
  /** How the first one exited when stopped after the drill. */
  stoppedAfter: Exit;
  crashed: string[];
}

async function ready(store: StoreProcess): Promise<ReadyAnswer | null> {
  try {
    const res = await fetch(`${store.url}/ready`, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: (await res.json()) as ReadyAnswer['body'] };
  } catch {
    return null; // not listening (yet)
  }
}

/** Polls `/ready` until `accept` takes its answer; returns that answer. */
async function readyUntil(
  store: StoreProcess,
  accept: (answer: ReadyAnswer) => boolean,
  what: string,
): Promise<ReadyAnswer> {
  let last: ReadyAnswer | null = null;
  await until(async () => {
    last = await ready(store);
    return last !== null && accept(last);
  }, what);
  return last!;
}

const waitingFor = (answer: ReadyAnswer) => answer.body.waiting_for?.join(',') ?? '';

/**
 * Redis and the database gateway are both taken away, and a new store is started: it must listen,
 * say on `/ready` what it waits for, refuse requests with `not_ready`, and serve once Redis and
 * then the database come back, without a restart. A second store started meanwhile is sent
 * SIGTERM while it waits and must exit 0.
 */
export async function coldStart(cluster: Cluster): Promise<ColdStartReport> {
  const { stores, databaseUrl } = cluster;
  const productId = await createProduct(stores);
  const newcomer = await cluster.extraStore('main-store');
  const quitter = await cluster.extraStore('downtown-store');
  await cluster.redis.stop({ kill: true });
  await cluster.gateway.stop();
  try {
    await newcomer.launch();
    await quitter.launch();
    const bothDown = await readyUntil(
      newcomer,
      (a) => waitingFor(a) === 'redis,database',
      'the new store to say it waits for Redis and the database',
    );
    const read = await fetch(`${newcomer.url}/inventory/${productId}`);
    const readBody = (await read.json()) as { error?: { code?: string } };
    const readWhileWaiting = { status: read.status, code: readBody.error?.code };

    await readyUntil(quitter, (a) => a.status === 503, 'the second store to listen');
    await quitter.stop();
    const stoppedWhileWaiting = quitter.exits.at(-1)!;

    await cluster.redis.start();
    const databaseDown = await readyUntil(
      newcomer,
      (a) => waitingFor(a) === 'database',
      'the new store to wait for the database only',
    );
    await cluster.gateway.start();
    const returned = Date.now();
    await newcomer.waitUntilReady(30_000);
    const readyMs = Date.now() - returned;

    const everyone = [...stores, newcomer];
    const written = await write(newcomer, productId, -1);
    const converged = await waitForConvergence(everyone, databaseUrl).then(
      () => true,
      () => false,
    );
    await newcomer.stop();
    return {
      bothDown,
      readWhileWaiting,
      databaseDown,
      readyMs,
      writeStatus: written.status === 'no answer' ? 0 : written.status,
      converged,
      stoppedWhileWaiting,
      stoppedAfter: newcomer.exits.at(-1)!,
      crashed: crashed(cluster),
    };
  } finally {
    await Promise.allSettled([newcomer.stop(), quitter.stop()]);
    // Both are back already, unless the drill failed on the way.
    if (!(await pingRedis(cluster.redis.url))) await cluster.redis.start();
    await cluster.gateway.start();
  }
}

export const coldStartDrill: Drill = {
  what: () => 'A store is started while Redis and the database are down; they come back one by one',
  async run(cluster) {
    const report = await coldStart(cluster);
    const problems: string[] = [];
    check(problems, report.bothDown.status === 503, `/ready answered ${report.bothDown.status}`);
    check(
      problems,
      report.readWhileWaiting.code === 'not_ready',
      `a read while waiting answered ${report.readWhileWaiting.status} ${report.readWhileWaiting.code}`,
    );
    check(
      problems,
      report.writeStatus === 200,
      `a write once ready answered ${report.writeStatus}`,
    );
    check(problems, report.converged, 'the caches did not converge afterwards');
    check(
      problems,
      report.stoppedWhileWaiting.code === 0,
      `stopped while waiting, a store exited ${JSON.stringify(report.stoppedWhileWaiting)}`,
    );
    check(problems, report.stoppedAfter.code === 0, 'the new store did not exit 0');
    check(problems, report.crashed.length === 0, `crashed: ${report.crashed.join(', ')}`);
    return {
      report,
      problems,
      lines: [
        `both down, /ready ${report.bothDown.status}: ${report.bothDown.body.reason}`,
        `Redis back, /ready ${report.databaseDown.status}: ${report.databaseDown.body.reason}`,
        `a read meanwhile: ${report.readWhileWaiting.status} ${report.readWhileWaiting.code}`,
        `ready ${seconds(report.readyMs)} after the database returned, without a restart`,
        `stopped while waiting: exit ${report.stoppedWhileWaiting.code}`,
      ],
    };
  },
};
