import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StoreProcess } from '@stockwire/fault-drill';
import { freePort, PROJECT_ROOT } from '@stockwire/local-stack';
import { fmt } from '../lib/report.js';
import { DATA_DIR, say, sleep, type BenchContext, type PhaseResult } from './context.js';

const TARGET_MIB = 70;

async function residentMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
}

/**
 * One store started and left alone, its resident memory read once a second for `ms`. V8 shrinks
 * its heap some seconds after the start-up work ends, so the figure is what it settles at: the
 * median of the last five readings.
 */
async function idleStore(ctx: BenchContext, compiled: boolean, ms: number) {
  const { stack, key, cleanups } = ctx;
  const store = new StoreProcess({
    name: 'main-store',
    port: await freePort(),
    compiled,
    env: {
      SUPABASE_URL: stack.supabaseUrl,
      SUPABASE_SERVICE_ROLE_KEY: stack.serviceRoleKey,
      REDIS_URL: stack.redisUrl,
      API_KEYS: `bench:admin:${key}`,
      LOG_FORMAT: 'json',
    },
    logFile: join(DATA_DIR, 'logs', `idle-${compiled ? 'compiled' : 'tsx'}.log`),
  });
  cleanups.add(() => store.stop());
  await store.start();
  const readings: number[] = [];
  for (let t = 0; t < ms; t += 1000) {
    await sleep(1000);
    readings.push(await residentMiB(store.pid!));
  }
  await store.stop();
  const last = readings.slice(-5).sort((a, b) => a - b);
  return { settled: last[Math.floor(last.length / 2)]!, peak: Math.max(...readings) };
}

/** Resident memory of an idle store: compiled JavaScript with plain node, beside tsx. */
export async function idle(ctx: BenchContext): Promise<PhaseResult> {
  const { size, target } = ctx;
  say('idle: npm run build, then a compiled store and a tsx store left idle');
  await promisify(execFile)('npm', ['run', 'build'], { cwd: PROJECT_ROOT });
  const [compiled, tsx] = await Promise.all([
    idleStore(ctx, true, size.idleMs),
    idleStore(ctx, false, size.idleMs),
  ]);
  return {
    figures: [
      {
        section: 'Memory',
        label: 'resident memory of an idle store, compiled (node apps/api/dist/main.js)',
        value: compiled.settled,
        unit: 'MiB',
        detail: `settled after ${fmt(size.idleMs / 1000)} s idle; ${fmt(compiled.peak)} MiB at most`,
        baseline: {
          label: 'the same store through tsx',
          value: tsx.settled,
          unit: 'MiB',
          detail: `${fmt(tsx.peak)} MiB at most`,
        },
        ratio: compiled.settled / tsx.settled,
        target: target(`≤ ${TARGET_MIB} MiB`, compiled.settled <= TARGET_MIB, TARGET_MIB),
      },
    ],
    checks: {},
  };
}
