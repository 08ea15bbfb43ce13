import { describe, expect, it } from 'vitest';
import { loadConfig } from './env.js';

const STAFF = 'till-secret-for-tests-only-0001';
const ADMIN = 'office-secret-for-tests-only-0002';
const BASE = {
  SUPABASE_URL: 'http://127.0.0.1:54321',
  SUPABASE_SERVICE_ROLE_KEY: 'service-role-key-for-tests-only',
  API_KEYS: `till:staff:${STAFF},office:admin:${ADMIN}`,
};

describe('DASHBOARD_API_KEY', () => {
  it('is optional: without it the dashboard has no key and asks for one', () => {
    expect(loadConfig(BASE).access.dashboardApiKey).toBeUndefined();
  });

  it('gives the dashboard the key configured', () => {
    expect(loadConfig({ ...BASE, DASHBOARD_API_KEY: STAFF }).access.dashboardApiKey).toBe(STAFF);
  });

  it('refuses an admin key of API_KEYS: every browser that opens the dashboard would get it', () => {
    expect(() => loadConfig({ ...BASE, DASHBOARD_API_KEY: ADMIN })).toThrow(
      /DASHBOARD_API_KEY: is the admin key office/,
    );
  });

  it('refuses a value that cannot be a bearer token', () => {
    expect(() => loadConfig({ ...BASE, DASHBOARD_API_KEY: 'two words' })).toThrow(
      /DASHBOARD_API_KEY/,
    );
  });
});

describe('TRUST_PROXY', () => {
  it('trusts loopback proxies by default', () => {
    expect(loadConfig(BASE).http.trustProxy).toEqual(['loopback']);
  });

  it('takes true, false, a number of hops, or a list of addresses and CIDRs', () => {
    const trust = (TRUST_PROXY: string) => loadConfig({ ...BASE, TRUST_PROXY }).http.trustProxy;
    expect(trust('true')).toBe(true);
    expect(trust('false')).toBe(false);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8, 192.0.2.7,uniquelocal')).toEqual([
      '10.0.0.0/8',
      '192.0.2.7',
      'uniquelocal',
    ]);
  });

  it('refuses what is not an address, naming the variable', () => {
    expect(() => loadConfig({ ...BASE, TRUST_PROXY: 'the-load-balancer' })).toThrow(/TRUST_PROXY/);
  });
});

describe('REDIS_CLUSTER_NODES', () => {
  it('is empty by default: one Redis, at REDIS_URL', () => {
    expect(loadConfig(BASE).redis).toEqual({ url: 'redis://127.0.0.1:6379', clusterNodes: [] });
  });

  it('takes host:port nodes, IPv6 ones in brackets', () => {
    const nodes = loadConfig({
      ...BASE,
      REDIS_CLUSTER_NODES: 'redis-a:7000, 10.0.0.2:7001,[::1]:7002',
    }).redis.clusterNodes;
    expect(nodes).toEqual([
      { host: 'redis-a', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
  });

  it('refuses a node without a port, or with one out of range, naming the variable', () => {
    for (const REDIS_CLUSTER_NODES of ['redis-a', 'redis-a:70000', 'redis://redis-a:7000']) {
      expect(() => loadConfig({ ...BASE, REDIS_CLUSTER_NODES })).toThrow(/REDIS_CLUSTER_NODES/);
    }
  });
});
