/**
 * `npm start`: the local Supabase-compatible stack (unless SUPABASE_URL is set), Redis, and one
 * process per store. Ctrl-C, or SIGTERM to its process as a supervisor sends it (`npm start` execs
 * this script, so the signal reaches it), stops everything it started; a second signal forces it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  DEFAULT_DATA_DIR,
  findOrStartRedis,
  onStopSignal,
  PROJECT_ROOT,
  removeStackFile,
  startLocalStack,
  writeStackFile,
} from '@stockwire/local-stack';
import { scriptEnv } from './env.js';
import { ensureStoreLocations } from './store-locations.js';

const env = scriptEnv();
const dataDir = env.DATA_DIR ?? DEFAULT_DATA_DIR;
const say = (line: string) => console.log(`[stockwire] ${line}`);
const stops: Array<() => Promise<void>> = [];

let supabaseUrl: string;
let serviceRoleKey: string;
let anonKey = '';
let redisUrl: string;
let jwtSecret: string | null = null;
// The stores' direct connection, to listen for writes made outside them: the local stack's
// database, or DATABASE_URL beside a Supabase project (its direct connection string).
let databaseUrl: string | null = null;
let devKeys: { admin: string; staff: string } | null = null;
if (env.SUPABASE_URL && env.SUPABASE_SERVICE_ROLE_KEY) {
  supabaseUrl = env.SUPABASE_URL;
  serviceRoleKey = env.SUPABASE_SERVICE_ROLE_KEY;
  databaseUrl = env.DATABASE_URL ?? null;
  say(`using Supabase at ${supabaseUrl}`);
  const redis = await findOrStartRedis({
    url: env.REDIS_URL,
    dir: join(dataDir, 'redis'),
  });
  if (redis.server) stops.push(() => redis.server!.stop());
  redisUrl = redis.url;
} else {
  say('starting the local stack (Postgres, PostgREST, gateway, Redis)…');
  const stack = await startLocalStack({
    dataDir,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    ports: {
      gateway: env.SUPABASE_PORT,
      postgres: env.DATABASE_URL ? undefined : env.POSTGRES_PORT,
    },
    log: () => {},
  });
  stops.push(() => stack.stop());
  ({ supabaseUrl, serviceRoleKey, anonKey, redisUrl, jwtSecret, devKeys, databaseUrl } = stack);
  const { applied, seeded } = stack.migrations;
  const news = [
    applied.length ? `applied ${applied.join(', ')}` : 'migrations up to date',
    seeded ? 'seeded' : '',
  ];
  say(`Supabase API ${supabaseUrl}/rest/v1 (${news.filter(Boolean).join(', ')})`);
}
say(`Redis ${redisUrl}`);
const added = await ensureStoreLocations(
  supabaseUrl,
  serviceRoleKey,
  env.STORES.map((s) => s.name),
);
if (added.length) say(`added location(s) ${added.join(', ')}: the stores in STORES run there`);
// Keys from API_KEYS if given; with the local stack, development keys made for it as well.
const apiKeys = [
  ...(env.API_KEYS ? [env.API_KEYS] : []),
  ...(devKeys ? [`dev-admin:admin:${devKeys.admin}`, `dev-staff:staff:${devKeys.staff}`] : []),
].join(',');

// Browser pages of the stores started here may call any of them; an app elsewhere is added with
// CORS_ORIGINS (the stores check each origin given).
const storeOrigins = env.STORES.flatMap(({ port }) => [
  `http://localhost:${port}`,
  `http://127.0.0.1:${port}`,
]);
const corsOrigins = [...storeOrigins, ...(env.CORS_ORIGINS ? [env.CORS_ORIGINS] : [])].join(',');

const children = new Map<string, ChildProcess>();
let stopping = false;

async function stopAll(code: number) {
  if (stopping) {
    // A second signal: no more waiting for the children.
    say('forced to stop');
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(1);
  }
  stopping = true;
  say('stopping…');
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await removeStackFile(dataDir);
  for (const stop of stops.reverse()) await stop().catch(() => {});
  say('stopped');
  process.exit(code);
}
/**
 * A signal stops everything; a second one forces it. One Ctrl-C in a terminal arrives twice, from
 * the terminal and forwarded by npm: a repeat within a second is that same one.
 */
let firstSignalAt = 0;
const onSignal = () => {
  const now = Date.now();
  if (firstSignalAt !== 0 && now - firstSignalAt < 1000) return;
  firstSignalAt ||= now;
  void stopAll(0);
};
onStopSignal(onSignal);

const ready = env.STORES.map(
  ({ name, port }) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(PROJECT_ROOT, 'apps/api/src/main.ts')],
        {
          cwd: PROJECT_ROOT,
          env: {
            // The stores' logs show in this terminal: pretty there, JSON lines when piped.
            LOG_FORMAT: process.stdout.isTTY ? 'pretty' : 'json',
            ...process.env,
            STORE_NAME: name,
            PORT: String(port),
            SUPABASE_URL: supabaseUrl,
            SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
            REDIS_URL: redisUrl,
            ...(databaseUrl && { DATABASE_URL: databaseUrl }),
            API_KEYS: apiKeys,
            CORS_ORIGINS: corsOrigins,
            ...(jwtSecret && { SUPABASE_JWT_SECRET: jwtSecret }),
            // The dashboards sell and restock with the development staff key.
            ...(devKeys && !env.DASHBOARD_API_KEY && { DASHBOARD_API_KEY: devKeys.staff }),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.set(name, child);
      child.stdout?.on('data', (d: Buffer) => {
        const text = d.toString();
        process.stdout.write(text);
        if (text.includes('ready at')) resolve();
      });
      child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
      child.once('exit', (code, signal) => {
        reject(new Error(`${name} exited (${signal ?? code})`));
        if (!stopping) say(`${name} exited (${signal ?? code}); the other stores keep running`);
      });
    }),
);

try {
  await Promise.all(ready);
} catch (error) {
  console.error(`[stockwire] ${(error as Error).message}`);
  await stopAll(1);
}
await writeStackFile(dataDir, {
  supabaseUrl,
  serviceRoleKey,
  anonKey,
  redisUrl,
  apiKeys,
  jwtSecret,
  devKeys,
  databaseUrl,
  pid: process.pid,
});
say('all stores ready:');
for (const { name, port } of env.STORES)
  say(`  ${name.padEnd(16)} http://localhost:${port}   (/ws, Socket.IO, /health)`);
say(`Supabase URL ${supabaseUrl}${anonKey ? `   anon key ${anonKey}` : ''}`);
if (devKeys) {
  say('development API keys (writes need one; reads are public; the dashboards use staff):');
  say(`  admin  ${devKeys.admin}`);
  say(`  staff  ${devKeys.staff}`);
  say(`  e.g. curl -X POST localhost:${env.STORES[0]!.port}/inventory/OLJCESPC7Z/update \\`);
  say(
    `         -H 'Authorization: Bearer ${devKeys.staff}' -H 'content-type: application/json' \\`,
  );
  say(`         -d '{"change": -1, "update_type": "sale"}'`);
}
say(
  `browser apps on other origins: CORS_ORIGINS=http://localhost:5173 npm start (comma-separated)`,
);
say('Ctrl-C stops everything.');
