/** `npm run keys`: the anon and service-role keys for JWT_SECRET, as Supabase signs them. */
import { supabaseKeys } from '@stockwire/local-stack';
import { scriptEnv } from './env.js';

const env = scriptEnv();
if (!env.JWT_SECRET) {
  console.error('Set JWT_SECRET (at least 32 characters).');
  process.exit(1);
}
const { anonKey, serviceRoleKey } = supabaseKeys(env.JWT_SECRET);
console.log(`SUPABASE_ANON_KEY=${anonKey}\nSUPABASE_SERVICE_ROLE_KEY=${serviceRoleKey}`);
