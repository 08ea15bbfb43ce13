import { createHash } from 'node:crypto';
import type { ApiKeySpec, Principal, Role } from '@stockwire/domain';

/** How keys are stored and compared: never the secret, only its SHA-256. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A key as the database keeps it. */
export interface StoredApiKey {
  id: string;
  role: Role;
  created_by: string | null;
  created_at: string;
  revoked_at: string | null;
}

/** Where keys made through the API live (the database). */
export interface ApiKeyStore {
  findApiKey(keyHash: string): Promise<StoredApiKey | null>;
}

interface Cached {
  principal: Principal | null;
  id: string | null;
  until: number;
}

/**
 * Resolves bearer secrets to principals: keys from configuration first, then keys made through
 * the API, remembered for `ttlMs` (a revoked key is forgotten at once on every instance through
 * the bus, and at the latest after `ttlMs`).
 */
export class ApiKeyRegistry {
  private readonly configured = new Map<string, Principal>();
  private readonly cache = new Map<string, Cached>();

  constructor(
    keys: readonly ApiKeySpec[],
    private readonly store: ApiKeyStore,
    private readonly ttlMs = 30_000,
  ) {
    for (const key of keys)
      this.configured.set(hashSecret(key.secret), { actor: `key:${key.id}`, role: key.role });
  }

  async resolve(secret: string): Promise<Principal | null> {
    const hash = hashSecret(secret);
    const configured = this.configured.get(hash);
    if (configured) return configured;
    const cached = this.cache.get(hash);
    if (cached && cached.until > Date.now()) return cached.principal;
    const stored = await this.store.findApiKey(hash);
    const principal =
      stored && !stored.revoked_at ? { actor: `key:${stored.id}`, role: stored.role } : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, id: stored?.id ?? null, until: Date.now() + this.ttlMs });
    return principal;
  }

  /** Forgets a key, e.g. when it was revoked at another store. */
  forget(id: string): void {
    for (const [hash, entry] of this.cache) if (entry.id === id) this.cache.delete(hash);
  }
}
