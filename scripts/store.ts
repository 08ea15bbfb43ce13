/**
 * `npm run store -- --name x --port 3010`: one more store, joining the stack `npm start` runs
 * (or the Supabase and Redis named by SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY and REDIS_URL).
 */
import { parseArgs } from 'node:util';
import { launchStore, loadConfig, StartRefused } from '@stockwire/api';
import { DEFAULT_DATA_DIR, onStopSignal, readStackFile } from '@stockwire/local-stack';

const { values } = parseArgs({
  options: { name: { type: 'string' }, port: { type: 'string' } },
});
const stack = await readStackFile(process.env.DATA_DIR ?? DEFAULT_DATA_DIR);
const env = { ...process.env };
if (values.name) env.STORE_NAME = values.name;
if (values.port) env.PORT = values.port;
if (!env.SUPABASE_URL && stack) {
  env.SUPABASE_URL = stack.supabaseUrl;
  env.SUPABASE_SERVICE_ROLE_KEY = stack.serviceRoleKey;
  env.REDIS_URL ??= stack.redisUrl;
  env.API_KEYS ??= stack.apiKeys;
  if (stack.jwtSecret) env.SUPABASE_JWT_SECRET ??= stack.jwtSecret;
  if (stack.devKeys) env.DASHBOARD_API_KEY ??= stack.devKeys.staff;
  if (stack.databaseUrl) env.DATABASE_URL = stack.databaseUrl;
}
if (!env.SUPABASE_URL) {
  console.error(
    'No stack to join: run `npm start` first, or set SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY.',
  );
  process.exit(1);
}
// Listens at once and serves once Redis and the database answer; a signal stops it either way.
const store = await launchStore(loadConfig(env));
const stop = () => void store.close().then(() => process.exit(0));
onStopSignal(stop);
store.ready.then(
  () => console.log(`[${store.config.store.name}] ready at ${store.url}`),
  // Stopped before it served (stop() exits), or it cannot serve at all (no location of its own,
  // logged): then it lets go and exits failed.
  (error: unknown) => {
    if (error instanceof StartRefused) void store.close().finally(() => process.exit(1));
  },
);
