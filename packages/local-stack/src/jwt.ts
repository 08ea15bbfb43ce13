import { createHmac, timingSafeEqual } from 'node:crypto';

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

/** The roles a Supabase API key carries: what the gateway lets through. */
const API_KEY_ROLES = new Set(['anon', 'service_role']);

/**
 * Whether `token` is an API key of the project whose JWT secret is `secret`, as Supabase's API
 * gateway decides it: an HS256 JWT with that secret, `role` `anon` or `service_role`, not expired.
 * Any such key counts, whenever it was signed (`npm run keys`, another gateway, a restart).
 */
export function isApiKey(token: string, secret: string, nowSeconds = Date.now() / 1000): boolean {
  const [header = '', body = '', signature = '', ...rest] = token.split('.');
  if (rest.length > 0) return false;
  const expected = createHmac('sha256', secret).update(`${header}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  try {
    const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: unknown };
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as {
      role?: unknown;
      exp?: unknown;
    };
    const fresh = typeof claims.exp !== 'number' || nowSeconds < claims.exp;
    return (
      alg === 'HS256' && typeof claims.role === 'string' && API_KEY_ROLES.has(claims.role) && fresh
    );
  } catch {
    return false;
  }
}
