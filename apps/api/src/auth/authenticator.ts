import {
  ERROR_CODES,
  RoleSchema,
  StockwireError,
  allows,
  type Action,
  type Principal,
} from '@stockwire/domain';
import type { ApiKeyRegistry } from './api-keys.js';
import { verifyJwt } from './jwt.js';

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** Where in a Supabase Auth JWT the Stockwire role is read: `app_metadata.stockwire_role`. */
function roleFromClaims(claims: Record<string, unknown>): unknown {
  const meta = claims.app_metadata;
  return typeof meta === 'object' && meta !== null
    ? (meta as Record<string, unknown>).stockwire_role
    : undefined;
}

function unauthorized(message: string): StockwireError {
  return new StockwireError(ERROR_CODES.UNAUTHORIZED, message);
}

/**
 * Turns an `Authorization: Bearer …` credential into a principal: an API key, or a Supabase Auth
 * JWT verified with the project's JWT secret and carrying `app_metadata.stockwire_role`.
 */
export class Authenticator {
  constructor(
    private readonly keys: ApiKeyRegistry,
    private readonly jwtSecret: string | undefined,
  ) {}

  /** The principal, null without a credential; a credential that does not hold is a 401. */
  async authenticate(authorization: string | undefined): Promise<Principal | null> {
    if (authorization === undefined || authorization === '') return null;
    const match = /^Bearer (\S{1,4096})$/i.exec(authorization);
    if (!match?.[1]) throw unauthorized('Authorization must be "Bearer <API key or JWT>"');
    const token = match[1];
    if (JWT_SHAPE.test(token)) return this.fromJwt(token);
    const principal = await this.keys.resolve(token);
    if (!principal) throw unauthorized('Unknown or revoked API key');
    return principal;
  }

  private fromJwt(token: string): Principal {
    if (!this.jwtSecret)
      throw unauthorized('JWTs are not accepted by this store (no JWT secret configured)');
    const verified = verifyJwt(token, this.jwtSecret);
    if (!verified.ok) {
      throw unauthorized(
        verified.reason === 'expired' ? 'The JWT has expired' : `Invalid JWT (${verified.reason})`,
      );
    }
    const role = RoleSchema.safeParse(roleFromClaims(verified.claims));
    const claimed = verified.claims.sub ?? verified.claims.role;
    const who = typeof claimed === 'string' ? claimed.slice(0, 128) : 'unknown';
    return { actor: `user:${who}`, role: role.success ? role.data : null };
  }
}

/** Checks a principal may do `action`: none is a 401, too small a role a 403. */
export function authorize(principal: Principal | null, action: Action): Principal {
  if (!principal)
    throw unauthorized(`A credential is required: send Authorization: Bearer <API key>`);
  if (!allows(principal.role, action)) {
    throw new StockwireError(
      ERROR_CODES.FORBIDDEN,
      principal.role
        ? `Role ${principal.role} may not ${action.replace('_', ' ')}`
        : 'This credential carries no Stockwire role (app_metadata.stockwire_role)',
    );
  }
  return principal;
}
