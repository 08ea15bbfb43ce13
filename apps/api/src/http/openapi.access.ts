import { REQUIRED_ROLE, type Action, type Role } from '@stockwire/domain';

/** The name of the one security scheme in `#/components/securitySchemes`. */
export const BEARER = 'bearer';

type Security = Record<string, string[]>[];

/** `security` of an operation that needs a credential. */
export const CREDENTIAL_REQUIRED: Security = [{ [BEARER]: [] }];

/**
 * `security` of a read: none needed, or the credential, which a store with `READS_PUBLIC=false`
 * asks for. Swagger UI's Authorize then applies to reads as well.
 */
export const CREDENTIAL_OPTIONAL: Security = [{}, { [BEARER]: [] }];

/**
 * The sentence an operation's description ends with: which role each of its actions needs, as
 * `REQUIRED_ROLE` says. `actions` maps what the caller does (e.g. an update type) to its action.
 */
export function roleNote(actions: Record<string, Action>): string {
  const byRole = new Map<Role, string[]>();
  for (const [label, action] of Object.entries(actions)) {
    const role = REQUIRED_ROLE[action];
    byRole.set(role, [...(byRole.get(role) ?? []), `\`${label}\``]);
  }
  const roles = [...byRole].map(([role, labels]) =>
    byRole.size === 1 ? `\`${role}\`` : `\`${role}\` for ${labels.join(', ')}`,
  );
  const staffToo = byRole.has('staff') ? '; `admin` may do all that `staff` may' : '';
  return `**Needs a credential** (\`Authorization: Bearer …\`) with role ${roles.join('; ')}${staffToo}.`;
}

/** A read's note on access, for stores that keep reads private. */
export const READ_NOTE =
  'Public, unless the store runs with `READS_PUBLIC=false`: then it needs a credential of any role.';

/** What each role may do, from `REQUIRED_ROLE`: `admin` may do all that `staff` may, and more. */
function rolesText(): string {
  const words = (role: Role) =>
    Object.entries(REQUIRED_ROLE)
      .filter(([, r]) => r === role)
      .map(([action]) => action.replace('_', ' '))
      .join(', ');
  return `\`staff\` may ${words('staff')}; \`admin\` may also ${words('admin')}.`;
}

/** The one security scheme: a bearer API key or Supabase Auth JWT, and what each role may do. */
export const BEARER_SCHEME = {
  type: 'http',
  scheme: 'bearer',
  description: [
    '`Authorization: Bearer <API key or Supabase Auth JWT with app_metadata.stockwire_role>`.',
    "API keys come from the store's configuration (`API_KEYS`) or from `POST /keys`. A Supabase Auth JWT counts when the store knows the project's JWT secret; its role is `app_metadata.stockwire_role`.",
    rolesText(),
  ].join(' '),
} as const;
