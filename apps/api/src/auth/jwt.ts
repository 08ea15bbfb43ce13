import { createHmac, timingSafeEqual } from 'node:crypto';

export type JwtClaims = Record<string, unknown>;

/** Why a token was refused; said in the 401 so callers can tell expired from forged. */
export type JwtFailure =
  'malformed' | 'unsupported' | 'bad_signature' | 'expired' | 'not_yet_valid';

/**
 * Verifies an HS256 JWT as Supabase Auth signs them (with the project's JWT secret) and checks
 * `exp` and `nbf`. Returns the claims, or why not.
 */
export function verifyJwt(
  token: string,
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): { ok: true; claims: JwtClaims } | { ok: false; reason: JwtFailure } {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [header, body, signature] = parts as [string, string, string];
  let head: unknown;
  let claims: unknown;
  try {
    head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof head !== 'object' || head === null || (head as { alg?: unknown }).alg !== 'HS256') {
    return { ok: false, reason: 'unsupported' };
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = createHmac('sha256', secret).update(`${header}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }
  const { exp, nbf } = claims as { exp?: unknown; nbf?: unknown };
  if (typeof exp === 'number' && nowSeconds >= exp) return { ok: false, reason: 'expired' };
  if (typeof nbf === 'number' && nowSeconds < nbf) return { ok: false, reason: 'not_yet_valid' };
  return { ok: true, claims: claims as JwtClaims };
}
