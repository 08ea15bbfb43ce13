import { z } from 'zod';
import type { UpdateType } from './update-type.js';

/** Who may change stock. `admin` may do everything `staff` may, and more. */
export const ROLES = ['staff', 'admin'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** Everything that needs a credential, with the least role that may do it. */
export const REQUIRED_ROLE = {
  sell: 'staff',
  restock: 'staff',
  return: 'staff',
  reserve: 'staff',
  order: 'staff',
  count: 'staff',
  transfer: 'staff',
  receive_transfer: 'staff',
  cancel_transfer: 'admin',
  damage: 'admin',
  adjust: 'admin',
  create_product: 'admin',
  manage_keys: 'admin',
  manage_locations: 'admin',
  manage_reorders: 'admin',
  manage_webhooks: 'admin',
  read: 'staff',
} as const satisfies Record<string, Role>;
export type Action = keyof typeof REQUIRED_ROLE;

const RANK: Record<Role, number> = { staff: 1, admin: 2 };

export function allows(role: Role | null, action: Action): boolean {
  return role !== null && RANK[role] >= RANK[REQUIRED_ROLE[action]];
}

/** The action a stock update is, by its type. */
export const UPDATE_ACTION: Record<UpdateType, Action> = {
  sale: 'sell',
  restock: 'restock',
  return: 'return',
  damage: 'damage',
  adjustment: 'adjust',
};

/** Who made a request: recorded in the ledger as `actor`. */
export interface Principal {
  /** `key:<id>` for an API key, `user:<sub>` for a Supabase Auth user. */
  actor: string;
  /** Null for a valid token that grants no Stockwire role (e.g. a Supabase anon key). */
  role: Role | null;
}

export const ApiKeyIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, - and _, at most 64');

/** An API key given in configuration: `id:role:secret`. */
export const ApiKeySpecSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}:(staff|admin):\S{24,}$/,
    'id:role:secret, with a secret of at least 24 characters',
  )
  .transform((spec) => {
    const [id = '', role = '', ...secret] = spec.split(':');
    return { id, role: RoleSchema.parse(role), secret: secret.join(':') };
  });
export type ApiKeySpec = z.output<typeof ApiKeySpecSchema>;

/** Body of `POST /keys`. */
export const CreateApiKeyRequestSchema = z.strictObject({
  id: ApiKeyIdSchema,
  role: RoleSchema,
});

export const ApiKeyIdParamsSchema = z.object({ id: ApiKeyIdSchema });
