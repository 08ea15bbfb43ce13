import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  freePort,
  PROJECT_ROOT,
  signJwt,
  startGateway,
  type Gateway,
} from '@stockwire/local-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stack } from './support/stack.js';

/** A gateway started after the keys were made, in front of the suite's PostgREST. */
let gateway: Gateway;
let keysFromScript: { anon: string; serviceRole: string };

beforeAll(async () => {
  const { stdout } = await promisify(execFile)('npx', ['tsx', 'scripts/keys.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, JWT_SECRET: stack().jwtSecret },
  });
  const value = (name: string) => new RegExp(`^${name}=(\\S+)$`, 'm').exec(stdout)?.[1] ?? '';
  keysFromScript = {
    anon: value('SUPABASE_ANON_KEY'),
    serviceRole: value('SUPABASE_SERVICE_ROLE_KEY'),
  };
  gateway = await startGateway({
    port: await freePort(),
    postgrestUrl: stack().postgrestUrl,
    jwtSecret: stack().jwtSecret,
  });
});
afterAll(async () => {
  await gateway?.stop();
});

const read = (apikey: string) =>
  fetch(`${gateway.url}/rest/v1/public_inventory?limit=1`, { headers: { apikey } });

describe('the local gateway', () => {
  it('accepts the keys npm run keys signed with the project secret, at a gateway started later', async () => {
    expect(keysFromScript.anon).toMatch(/^ey/);
    const anon = await read(keysFromScript.anon);
    expect(anon.status).toBe(200);
    expect(Array.isArray(await anon.json())).toBe(true);
    expect((await read(keysFromScript.serviceRole)).status).toBe(200);
  });

  it('refuses keys of another secret, expired keys and other roles with 401', async () => {
    const secret = stack().jwtSecret;
    const now = Math.floor(Date.now() / 1000);
    for (const key of [
      signJwt({ role: 'service_role' }, 'another-projects-secret-of-32-chars!'),
      signJwt({ role: 'anon', exp: now - 5 }, secret),
      signJwt({ role: 'authenticated', exp: now + 600 }, secret),
      'not-a-key',
    ]) {
      const res = await read(key);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: 'Invalid API key' });
    }
  });
});
