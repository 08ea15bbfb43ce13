import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Secrets of one local stack, made once and kept with its data so restarts keep working keys. */
export interface StackSecrets {
  jwtSecret: string;
  postgresPassword: string;
  authenticatorPassword: string;
}

export async function loadOrCreateSecrets(dir: string): Promise<StackSecrets> {
  const file = join(dir, 'secrets.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as StackSecrets;
  } catch {
    const secrets: StackSecrets = {
      jwtSecret: randomBytes(32).toString('hex'),
      postgresPassword: randomBytes(16).toString('hex'),
      authenticatorPassword: randomBytes(16).toString('hex'),
    };
    await mkdir(dir, { recursive: true });
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    return secrets;
  }
}
