/**
 * `npm run migrate`: Supabase's roles, then `supabase/migrations` and `seed.sql`, on the Postgres
 * named by DATABASE_URL (a superuser URL). What the local stack does at start, for a database of
 * your own (e.g. the one in docker-compose.yml). AUTHENTICATOR_PASSWORD sets PostgREST's login.
 */
import { join } from 'node:path';
import { ensureSupabaseRoles, migrate, PROJECT_ROOT } from '@stockwire/local-stack';
import { scriptEnv } from './env.js';

const env = scriptEnv();
if (!env.DATABASE_URL) {
  console.error('Set DATABASE_URL to the Postgres to migrate (a superuser connection string).');
  process.exit(1);
}
if (!env.AUTHENTICATOR_PASSWORD) {
  console.error('Set AUTHENTICATOR_PASSWORD: the password PostgREST logs in with.');
  process.exit(1);
}
await ensureSupabaseRoles(env.DATABASE_URL, env.AUTHENTICATOR_PASSWORD);
const { applied, seeded } = await migrate(env.DATABASE_URL, join(PROJECT_ROOT, 'supabase'));
console.log(`applied: ${applied.join(', ') || 'none'}; seeded: ${seeded ? 'yes' : 'no (already)'}`);
