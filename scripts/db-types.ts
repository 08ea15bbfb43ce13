/**
 * `npm run db:types`: writes apps/api/src/store/database.types.ts, the `Database` type supabase-js
 * is given, from a database that supabase/migrations build, on a Postgres of its own (started
 * afresh under .data/db-types and stopped again). Run it after adding a migration; the suite fails
 * while the committed file is stale.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ensureDatabase,
  ensureSupabaseRoles,
  freePort,
  generateDatabaseTypes,
  migrate,
  PROJECT_ROOT,
  startEmbeddedPostgres,
  withDatabase,
} from '@stockwire/local-stack';

const DATABASE_TYPES = join(PROJECT_ROOT, 'apps/api/src/store/database.types.ts');

const dir = join(PROJECT_ROOT, '.data', 'db-types');
await rm(dir, { recursive: true, force: true });
const server = await startEmbeddedPostgres({
  dir: join(dir, 'postgres'),
  port: await freePort(),
  password: 'db-types',
  log: () => {},
});
try {
  await ensureDatabase(server.adminUrl, 'stockwire', true);
  const url = withDatabase(server.adminUrl, 'stockwire');
  await ensureSupabaseRoles(url);
  await migrate(url, join(PROJECT_ROOT, 'supabase'));
  await writeFile(DATABASE_TYPES, await generateDatabaseTypes(url));
  console.log(`wrote ${DATABASE_TYPES.slice(PROJECT_ROOT.length + 1)}`);
} finally {
  await server.stop();
}
