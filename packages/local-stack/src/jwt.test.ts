import { describe, expect, it } from 'vitest';
import { isApiKey, signJwt, supabaseKeys } from './jwt.js';

const SECRET = 'a-project-jwt-secret-of-thirty-two-chars';
const NOW = 1_900_000_000;

describe('isApiKey', () => {
  it('accepts the anon and service-role keys of the project, whenever they were signed', () => {
    const { anonKey, serviceRoleKey } = supabaseKeys(SECRET);
    expect(isApiKey(anonKey, SECRET)).toBe(true);
    expect(isApiKey(serviceRoleKey, SECRET)).toBe(true);
    const lastYear = signJwt({ role: 'anon', iat: NOW - 31_536_000, exp: NOW + 60 }, SECRET);
    expect(isApiKey(lastYear, SECRET, NOW)).toBe(true);
    expect(isApiKey(signJwt({ role: 'service_role' }, SECRET), SECRET, NOW)).toBe(true);
  });

  it('refuses a key of another project, an expired one, another role, and what is not a JWT', () => {
    const other = supabaseKeys('another-projects-secret-of-32-chars!').anonKey;
    expect(isApiKey(other, SECRET)).toBe(false);
    expect(isApiKey(signJwt({ role: 'anon', exp: NOW - 1 }, SECRET), SECRET, NOW)).toBe(false);
    expect(isApiKey(signJwt({ role: 'authenticated' }, SECRET), SECRET, NOW)).toBe(false);
    expect(isApiKey(signJwt({ sub: 'someone' }, SECRET), SECRET, NOW)).toBe(false);
    const { anonKey } = supabaseKeys(SECRET);
    const [header, , signature] = anonKey.split('.');
    const forged = Buffer.from(JSON.stringify({ role: 'service_role' })).toString('base64url');
    expect(isApiKey(`${header}.${forged}.${signature}`, SECRET)).toBe(false);
    expect(isApiKey('not-a-jwt', SECRET)).toBe(false);
    expect(isApiKey(`${anonKey}.extra`, SECRET)).toBe(false);
  });
});
