import { join } from 'node:path';
import {
  coldStart,
  crashAndRestart,
  databaseOutage,
  externalWrites,
  gracefulShutdown,
  lostAnswers,
  messageChaos,
  redisOutage,
  redisRestart,
  startCluster,
  type Cluster,
} from '@stockwire/fault-drill';
import { PROJECT_ROOT } from '@stockwire/local-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stack } from './support/stack.js';

// Three stores as processes of their own, with a Redis and a database gateway that only they use,
// so that each can be stopped. Every drill ends with every cache equal to the database (compared
// product by product with a direct SQL read), polled with a generous deadline.
let cluster: Cluster;

beforeAll(async () => {
  const { postgrestUrl, serviceRoleKey, anonKey, jwtSecret, databaseUrl } = stack();
  cluster = await startCluster({
    database: { postgrestUrl, serviceRoleKey, anonKey, jwtSecret, databaseUrl },
    dir: join(PROJECT_ROOT, '.data', 'test', 'fault-redis'),
  });
});
afterAll(async () => {
  await cluster?.stop();
});

describe('faults, with every store a process of its own', () => {
  it('refuses writes with 503 and writes nothing while the database is away, serves reads, and recovers', async () => {
    const report = await databaseOutage(cluster);
    for (const store of report.during) {
      expect(store).toMatchObject({
        write: {
          status: 503,
          code: 'database_unavailable',
          message: expect.stringContaining('nothing was changed'),
          retryAfter: '1',
        },
        create: { status: 503, code: 'database_unavailable' },
        read: { status: 200, unchanged: true },
        health: { status: 'degraded', database: 'down' },
      });
    }
    expect(report.writtenDuringOutage).toBe(0);
    expect(report.crashed).toEqual([]);
  }, 90_000);

  it('answers every write truly when the database connection is cut mid-burst: made, unknown, or not made', async () => {
    // Longer than the stores look for a lost answer, so some cannot be found out and say so.
    const report = await lostAnswers(cluster, 5000);
    expect(report.answers['200']).toBeGreaterThan(0);
    expect(report).toMatchObject({
      wrongMade: 0,
      wrongUnavailable: 0,
      unsettledRetries: 0,
      crashed: [],
    });
  }, 90_000);

  it('converges despite lost, duplicated, stale and forged messages on inventory_updates', async () => {
    const report = await messageChaos(cluster);
    expect(report.duplicates.republished).toBeGreaterThan(0);
    expect(report.duplicates).toMatchObject({ divergedAfter: 0, repairsNeeded: 0 });
    for (const store of report.health) {
      // The forged next version and the phantom product needed the database to set them right.
      expect(store.repairs).toBeGreaterThanOrEqual(1);
      expect(store.refetches).toBeGreaterThanOrEqual(1);
      // Garbage and a message that does not parse are dropped and counted.
      expect(store.invalid).toBeGreaterThanOrEqual(2);
    }
    expect(report.crashed).toEqual([]);
  }, 90_000);

  it('survives Redis stopping during a stream of writes: no write lost, reads served stale, every cache converges', async () => {
    const report = await redisOutage(cluster, 3000);
    expect(report.writes.acknowledged).toBe(report.writes.attempted);
    expect(report.writes).toMatchObject({ lost: 0, refused: {}, refusedButRecorded: 0 });
    for (const store of report.during) {
      expect(store).toMatchObject({
        readStatus: 200,
        staleHeader: 'true',
        health: { status: 'degraded', redis: 'down', stale: true },
      });
    }
    for (const store of report.after) {
      expect(store.stale).toBe(false);
      expect(store.resyncs).toBeGreaterThan(0);
      expect(store.outbox.queued).toBe(0);
    }
    // Publishes refused during the outage were sent once Redis was back.
    expect(report.after.some((s) => s.outbox.republished > 0)).toBe(true);
    expect(report.liveAfterwards).toBe(true);
    expect(report.crashed).toEqual([]);
  }, 90_000);

  it('answers every order_validate entry exactly once when Redis returns without its data, no store restarted', async () => {
    const report = await redisRestart(cluster);
    // Added to the empty Redis before any store could reach it: the group was gone.
    expect(report.groupMissingWhenStaged).toBe(true);
    expect(report.staged).toBe(10);
    const { orders } = report;
    expect(orders.addedSince).toBeGreaterThan(report.staged);
    expect(orders).toMatchObject({
      unanswered: [],
      answeredTwice: [],
      failed: 0,
      answeredNotApplied: [],
      appliedNotAdded: [],
      ledgeredTwice: [],
    });
    expect(orders.slowestAnswerMs).toBeLessThanOrEqual(5000);
    expect(report.pendingAfter).toBe(0);
    expect(report.crashed).toEqual([]);
  }, 90_000);

  it('brings a store killed during writes back ready and caught up, unnoticed by the other stores’ clients', async () => {
    const report = await crashAndRestart(cluster);
    expect(report.victimExit.signal).toBe('SIGKILL');
    expect(report.writes).toMatchObject({ lost: 0, refusedButRecorded: 0 });
    expect(report.writes.acknowledged).toBeGreaterThan(0);
    for (const client of report.survivors) {
      expect(client).toMatchObject({ disconnects: [], snapshots: 1, differences: [] });
      expect(client.updates).toBeGreaterThan(0);
    }
    expect(report.crashed).toEqual([]);
  }, 90_000);

  it('on SIGTERM finishes the request in flight, tells live clients to reconnect elsewhere, refuses new connections and exits 0', async () => {
    const report = await gracefulShutdown(cluster);
    expect(report).toMatchObject({
      inFlight: { status: 200, committed: true },
      refusedNewConnections: true,
      socket: { shutdownNotices: 1, disconnect: 'transport close' },
      ws: { shutdownNotice: true, closeCode: 1012 },
      reconnectedElsewhere: true,
      exit: { code: 0, signal: null },
      backAndConverged: true,
    });
  }, 90_000);

  it('serves a store started while Redis and the database were down once they return, saying meanwhile what it waits for', async () => {
    const report = await coldStart(cluster);
    expect(report.bothDown).toEqual({
      status: 503,
      body: {
        ready: false,
        reason: 'waiting for Redis and the database',
        waiting_for: ['redis', 'database'],
      },
    });
    expect(report.readWhileWaiting).toEqual({ status: 503, code: 'not_ready' });
    expect(report.databaseDown).toEqual({
      status: 503,
      body: { ready: false, reason: 'waiting for the database', waiting_for: ['database'] },
    });
    expect(report).toMatchObject({ writeStatus: 200, converged: true, crashed: [] });
    expect(report.stoppedWhileWaiting).toEqual({ code: 0, signal: null });
    expect(report.stoppedAfter).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('serves and ledgers changes made outside the stores during writes, through a cut of every listener', async () => {
    const report = await externalWrites(cluster);
    expect(report.writes).toMatchObject({ lost: 0, refusedButRecorded: 0 });
    expect(report.direct.ledgered).toBe(report.direct.made);
    expect(report.rpc.ledgered).toBe(report.rpc.made);
    expect(report.seenMs).toHaveLength(report.direct.made);
    expect(report.unseen).toBe(0);
    expect(report.listenersCut).toBe(3);
    for (const store of report.health) {
      expect(store).toMatchObject({ mode: 'listen', reconnects: 1 });
    }
    expect(report.crashed).toEqual([]);
  }, 90_000);
});
