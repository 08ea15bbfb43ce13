import { performance } from 'node:perf_hooks';
import { fmt } from '../lib/report.js';
import { benchConvergence } from './caches.js';
import { say, sleep, type BenchContext, type PhaseResult } from './context.js';

/** How long after Redis restarts, killed under writes, every cache equals the database again. */
export async function recovery(ctx: BenchContext): Promise<PhaseResult> {
  say('recovery');
  const { stack, targets, worker, meter, accepted, size, key, products, quick, target } = ctx;
  const redis = stack.redis;
  if (!redis) {
    say('  skipped: Redis is not one this run started, so it cannot restart it');
    return { figures: [], checks: {} };
  }
  const limitMs = quick ? 5000 : 10_000;
  const writes = worker.run('writes', {
    key,
    stores: targets,
    products,
    connections: 0,
    rate: 200,
    durationMs: 1000 + size.outageMs,
    warmupMs: 0,
  });
  await sleep(1000);
  await redis.stop({ kill: true });
  await sleep(size.outageMs);
  const restartedAt = performance.now();
  const { seconds, stale } = await meter.measured(
    'recovery: Redis killed under writes, then restarted',
    async () => {
      await redis.start();
      accepted.record(await writes);
      const { converged, staleRows } = await benchConvergence(ctx, {
        timeoutMs: limitMs - (performance.now() - restartedAt),
        intervalMs: 25,
      });
      const elapsed = performance.now() - restartedAt;
      return converged ? { seconds: elapsed / 1000, stale: 0 } : { seconds: NaN, stale: staleRows };
    },
  );
  return {
    figures: [
      {
        section: 'Recovery',
        label: `all caches equal the database after Redis restarts (down ${fmt(size.outageMs / 1000)} s under writes)`,
        value: seconds,
        unit: 's',
        ...(stale > 0 && {
          detail: `${stale} cached rows still differed ${fmt(limitMs / 1000)} s after the restart`,
        }),
        target: target('≤ 2 s', seconds <= 2, 2),
      },
    ],
    checks: { 'cached rows stale after the Redis restart': stale },
  };
}
