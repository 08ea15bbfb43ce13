/**
 * `npm run gateway`: serves a PostgREST (POSTGREST_URL) under `/rest/v1` on SUPABASE_PORT, accepting
 * any anon or service-role key signed with JWT_SECRET — the local stack's gateway on its own,
 * for docker-compose.yml.
 */
import { onStopSignal, startGateway } from '@stockwire/local-stack';
import { scriptEnv } from './env.js';

const env = scriptEnv();
if (!env.JWT_SECRET || !env.POSTGREST_URL) {
  console.error('Set JWT_SECRET and POSTGREST_URL.');
  process.exit(1);
}
const gateway = await startGateway({
  port: env.SUPABASE_PORT,
  host: '0.0.0.0',
  postgrestUrl: env.POSTGREST_URL,
  jwtSecret: env.JWT_SECRET,
});
console.log(`gateway on ${gateway.url}/rest/v1 -> ${env.POSTGREST_URL}`);
onStopSignal(() => void gateway.stop().then(() => process.exit(0)));
