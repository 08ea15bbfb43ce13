/**
 * `npm run fault-drill [-- <drill>...] [--outage-ms 3000] [--json] [--verbose]`: starts a fresh
 * local stack and three store processes with a Redis and a database gateway of their own, then
 * takes things away from them one drill at a time and reports what the stores did and how long
 * every cache took to equal the database again. Exits 1 if any drill found a problem.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DRILLS, startCluster, type Cluster } from '@stockwire/fault-drill';
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
const options = { outageMs: Number(values['outage-ms']) };

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
    say(`${name}: ${drill.what(options)}`);
    try {
      const { report, lines, problems } = await drill.run(cluster, options);
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
