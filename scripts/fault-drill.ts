/**
 * `npm run fault-drill [-- <drill>...] [--outage-ms 3000] [--json] [--verbose]`: starts a fresh
 * local stack and three store processes with a Redis and a database gateway of their own, then
 * takes things away from them one drill at a time and reports what the stores did and how long
 * every cache took to equal the database again. Exits 1 if any drill found a problem.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  crashAndRestart,
  databaseOutage,
  gracefulShutdown,
  messageChaos,
  redisOutage,
  startCluster,
  type Cluster,
} from '@stockwire/fault-drill';
import { PROJECT_ROOT, startLocalStack } from '@stockwire/local-stack';
import { scriptEnv } from './env.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'outage-ms': { type: 'string', default: '3000' },
    json: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});
const outageMs = Number(values['outage-ms']);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

interface Drill {
  what: string;
  /** Runs the drill; returns the report, what it measured, and any problem found. */
  run(cluster: Cluster): Promise<{ report: unknown; lines: string[]; problems: string[] }>;
}

const check = (problems: string[], ok: boolean, problem: string) => {
  if (!ok) problems.push(problem);
};

const DRILLS: Record<string, Drill> = {
  database: {
    what: 'the database gateway stops, then returns',
    async run(cluster) {
      const report = await databaseOutage(cluster);
      const problems: string[] = [];
      for (const d of report.during) {
        check(problems, d.write.status === 503, `${d.store}: a write answered ${d.write.status}`);
        check(
          problems,
          d.create.status === 503,
          `${d.store}: a create answered ${d.create.status}`,
        );
        check(problems, d.read.status === 200 && d.read.unchanged, `${d.store}: reads not served`);
        check(problems, d.health.database === 'down', `${d.store}: /health did not say so`);
      }
      check(problems, report.writtenDuringOutage === 0, 'something was written during the outage');
      check(problems, report.crashed.length === 0, `crashed: ${report.crashed.join(', ')}`);
      return {
        report,
        problems,
        lines: [
          `writes ${report.during.map((d) => d.write.status).join('/')}, reads ${report.during.map((d) => d.read.status).join('/')} while down`,
          `writes accepted at every store ${s(report.recoveredMs)} after the gateway returned`,
          `caches equal the database ${s(report.convergedMs)} later`,
        ],
      };
    },
  },
  messages: {
    what: 'messages are lost, duplicated, replayed and forged on inventory_updates',
    async run(cluster) {
      const report = await messageChaos(cluster);
      const problems: string[] = [];
      check(problems, report.duplicates.divergedAfter === 0, 'a duplicate changed a cache');
      check(problems, report.duplicates.repairsNeeded === 0, 'duplicates needed repairs');
      check(problems, report.crashed.length === 0, `crashed: ${report.crashed.join(', ')}`);
      return {
        report,
        problems,
        lines: [
          `${report.duplicates.republished} duplicates and old versions ignored`,
          `lost versions revealed by the next change: converged in ${s(report.revealedLossConvergedMs)}`,
          `a lost version nothing reveals (digest check): converged in ${s(report.silentLossConvergedMs)}`,
          `forged versions, a phantom product and garbage: converged in ${s(report.forgeryConvergedMs)}`,
          `repairs per store: ${report.health.map((h) => `${h.store} ${h.repairs}`).join(', ')}`,
        ],
      };
    },
  },
  redis: {
    what: `Redis is killed for ${s(outageMs)} during a stream of writes, then restarted`,
    async run(cluster) {
      const report = await redisOutage(cluster, outageMs);
      const problems: string[] = [];
      const w = report.writes;
      check(
        problems,
        w.acknowledged === w.attempted,
        `${w.attempted - w.acknowledged} write(s) failed`,
      );
      check(problems, w.lost === 0, `${w.lost} acknowledged write(s) not in the ledger`);
      for (const d of report.during) {
        check(problems, d.readStatus === 200, `${d.store}: a read answered ${d.readStatus}`);
        check(problems, d.staleHeader === 'true', `${d.store}: a read was not marked stale`);
      }
      check(problems, report.liveAfterwards, 'changes did not flow again afterwards');
      check(problems, report.crashed.length === 0, `crashed: ${report.crashed.join(', ')}`);
      return {
        report,
        problems,
        lines: [
          `${w.acknowledged}/${w.attempted} writes acknowledged, ${w.lost} lost`,
          `reads while down: ${report.during.map((d) => `${d.readStatus} stale=${d.staleHeader}`).join(', ')}`,
          `every cache equal to the database ${s(report.convergedMs)} after Redis returned`,
          `held publishes sent afterwards: ${report.after.map((a) => `${a.store} ${a.outbox.republished}`).join(', ')}`,
        ],
      };
    },
  },
  crash: {
    what: 'a store is killed (SIGKILL) during writes, then started again',
    async run(cluster) {
      const report = await crashAndRestart(cluster);
      const problems: string[] = [];
      check(problems, report.writes.lost === 0, `${report.writes.lost} acknowledged write(s) lost`);
      for (const c of report.survivors) {
        check(problems, c.disconnects.length === 0, `${c.store}: a client was disconnected`);
        check(
          problems,
          c.differences.length === 0,
          `${c.store}: a client shows ${c.differences[0]}`,
        );
      }
      check(problems, report.crashed.length === 0, `crashed: ${report.crashed.join(', ')}`);
      return {
        report,
        problems,
        lines: [
          `${report.victim} ready ${s(report.readyMs)} after it was started again`,
          `caches equal to the database ${s(report.convergedMs)} after the writes stopped`,
          `${report.writes.acknowledged} writes acknowledged, ${report.writes.lost} lost, ${report.writes.committedUnanswered} committed without an answer`,
          `clients of the others: ${report.survivors.map((c) => `${c.store} ${c.updates} updates, ${c.disconnects.length} disconnects`).join('; ')}`,
        ],
      };
    },
  },
  shutdown: {
    what: 'a store gets SIGTERM with a request in flight and live clients',
    async run(cluster) {
      const report = await gracefulShutdown(cluster);
      const problems: string[] = [];
      check(
        problems,
        report.inFlight.status === 200,
        `the request in flight got ${report.inFlight.status}`,
      );
      check(problems, report.exit.code === 0, `exit ${report.exit.code ?? report.exit.signal}`);
      check(problems, report.socket.shutdownNotices === 1, 'Socket.IO client not told');
      check(problems, report.ws.closeCode === 1012, `/ws closed with ${report.ws.closeCode}`);
      check(problems, report.reconnectedElsewhere, 'no fresh snapshot from another store');
      return {
        report,
        problems,
        lines: [
          `request in flight answered ${report.inFlight.status}, committed: ${report.inFlight.committed}`,
          `clients told (Socket.IO ${report.socket.disconnect}, /ws ${report.ws.closeCode}); new connections refused: ${report.refusedNewConnections}`,
          `a client reconnecting to another store got a snapshot with that write: ${report.reconnectedElsewhere}`,
          `exit code ${report.exit.code} ${s(report.exitMs)} after SIGTERM (the drill held the request open)`,
        ],
      };
    },
  },
};

const chosen = positionals.length > 0 ? positionals : Object.keys(DRILLS);
const unknown = chosen.filter((name) => !(name in DRILLS));
if (unknown.length > 0) {
  console.error(
    `Unknown drill(s): ${unknown.join(', ')}. Drills: ${Object.keys(DRILLS).join(', ')}`,
  );
  process.exit(2);
}

const env = scriptEnv();
const dataDir = join(PROJECT_ROOT, '.data', 'drill');
const say = (line: string) => console.log(`[drill] ${line}`);
say('starting a fresh local stack and three store processes…');
const stack = await startLocalStack({
  dataDir,
  databaseUrl: env.DATABASE_URL,
  database: 'stockwire_drill',
  fresh: true,
  ownRedis: true,
});
let failed = false;
let cluster: Cluster | undefined;
try {
  cluster = await startCluster({
    database: stack,
    dir: join(dataDir, 'redis'),
    redis: stack.redis ?? undefined,
    log: values.verbose ? (line) => console.log(`  | ${line}`) : undefined,
  });
  say(`stores: ${cluster.stores.map((st) => `${st.name} ${st.url}`).join(', ')}`);
  for (const name of chosen) {
    const drill = DRILLS[name]!;
    say(`${name}: ${drill.what}`);
    try {
      const { report, lines, problems } = await drill.run(cluster);
      for (const line of lines) say(`  ${line}`);
      for (const problem of problems) say(`  PROBLEM: ${problem}`);
      say(`  ${problems.length === 0 ? 'PASS' : 'FAIL'}`);
      if (values.json) console.log(JSON.stringify(report, null, 2));
      failed ||= problems.length > 0;
    } catch (error) {
      failed = true;
      say(`  FAIL: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
} finally {
  await cluster?.stop();
  await stack.stop();
}
say(failed ? 'some drills failed' : 'all drills passed');
process.exit(failed ? 1 : 0);
