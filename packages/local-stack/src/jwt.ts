import { createHmac } from 'node:crypto';

function base64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

/** Signs an HS256 JWT, the way Supabase signs its anon and service-role keys. */
export function signJwt(payload: Record<string, unknown>, secret: string): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = base64url(JSON.stringify(payload));
  const signature = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${signature}`;
}

/** The two API keys of a Supabase project, for a role claim each. */
export function supabaseKeys(secret: string): { anonKey: string; serviceRoleKey: string } {
  const iat = Math.floor(Date.now() / 1000);
  // Ten years, as Supabase's own local keys: they are rotated by rotating the secret.
  const exp = iat + 10 * 365 * 24 * 3600;
  return {
    anonKey: signJwt({ iss: 'supabase', role: 'anon', iat, exp }, secret),
    serviceRoleKey: signJwt({ iss: 'supabase', role: 'service_role', iat, exp }, secret),
  };
}
