import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Secrets of one local stack, made once and kept with its data so restarts keep working keys. */
export interface StackSecrets {
  jwtSecret: string;
  postgresPassword: string;
  authenticatorPassword: string;
  /** API keys for the stores `npm start` runs: local development only. */
  devAdminKey: string;
  devStaffKey: string;
}

export async function loadOrCreateSecrets(dir: string): Promise<StackSecrets> {
  const file = join(dir, 'secrets.json');
  const fresh: StackSecrets = {
    jwtSecret: randomBytes(32).toString('hex'),
    postgresPassword: randomBytes(16).toString('hex'),
    authenticatorPassword: randomBytes(16).toString('hex'),
    devAdminKey: `swk_admin_${randomBytes(18).toString('base64url')}`,
    devStaffKey: `swk_staff_${randomBytes(18).toString('base64url')}`,
  };
  try {
    // Secrets added in later versions are filled in; existing ones are kept.
    const kept = JSON.parse(await readFile(file, 'utf8')) as Partial<StackSecrets>;
    const secrets = { ...fresh, ...kept };
    if (Object.keys(kept).length !== Object.keys(secrets).length) {
      await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    }
    return secrets;
  } catch {
    const secrets = fresh;
    await mkdir(dir, { recursive: true });
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    return secrets;
  }
}
