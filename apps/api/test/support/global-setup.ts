import { join } from 'node:path';
import { PROJECT_ROOT, startLocalStack, type LocalStack } from '@stockwire/local-stack';
import type { TestProject } from 'vitest/node';

export interface TestStack {
  supabaseUrl: string;
  postgrestUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  databaseUrl: string;
  redisUrl: string;
  jwtSecret: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: TestStack;
  }
}

let stack: LocalStack | undefined;

/**
 * One real stack for the integration tests: embedded Postgres with a fresh database, PostgREST
 * behind the gateway, and a Redis of the suite's own (so other Redis users neither see nor disturb it).
 */
export async function setup(project: TestProject) {
  stack = await startLocalStack({
    dataDir: join(PROJECT_ROOT, '.data', 'test'),
    database: 'stockwire_test',
    fresh: true,
    ownRedis: true,
  });
  project.provide('stack', {
    supabaseUrl: stack.supabaseUrl,
    postgrestUrl: stack.postgrestUrl,
    anonKey: stack.anonKey,
    serviceRoleKey: stack.serviceRoleKey,
    databaseUrl: stack.databaseUrl,
    redisUrl: stack.redisUrl,
    jwtSecret: stack.jwtSecret,
  });
}

export async function teardown() {
  await stack?.stop();
}
