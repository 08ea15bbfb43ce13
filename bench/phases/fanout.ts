import { fmt, ms, type Figure } from '../lib/report.js';
import type { FanoutResult, RedisFloorResult } from '../load/protocol.js';
import { say, type BenchContext, type PhaseResult } from './context.js';

/** The fan-out figure at latency quantile `q`, beside the same quantile of Redis itself. */
function againstFloor(q: 'p50' | 'p99', f: FanoutResult, floor: RedisFloorResult) {
  return {
    value: f.latency[q],
    unit: 'ms',
    baseline: { label: `Redis PUBLISH → subscriber ${q}`, value: floor.latency[q], unit: 'ms' },
    ratio: f.latency[q] / floor.latency[q],
  };
}

/**
 * How long a write at one store takes to reach Socket.IO clients of the other two, beside Redis
 * PUBLISH → subscriber on the same machine.
 */
export async function fanout(ctx: BenchContext): Promise<PhaseResult> {
  say('fan-out');
  const { stack, stores, worker, meter, accepted, size, key, products, target } = ctx;
  const [main, downtown, mall] = stores;
  const floor = await meter.measured('fan-out: Redis PUBLISH → subscriber, 1,000/s', () =>
    worker.run('redisFloor', { redisUrl: stack.redisUrl, rate: 1000, durationMs: size.floorMs }),
  );
  const figures: Figure[] = [];
  const checks: PhaseResult['checks'] = {};
  for (const rate of size.fanoutRates) {
    const f = await meter.measured(
      `fan-out: ${rate} writes/s, ${size.fanoutClients} clients on two other stores`,
      () =>
        worker.run('fanout', {
          key,
          writer: { name: main.name, port: main.port },
          listeners: [downtown.url, mall.url],
          clients: size.fanoutClients,
          rate,
          durationMs: size.fanoutMs,
          products,
        }),
    );
    accepted.record(f);
    const label = `${rate} writes/s, ${f.clients} clients`;
    figures.push(
      {
        section: 'Fan-out',
        label: `p50 write response → update at another store (${label})`,
        ...againstFloor('p50', f, floor),
        detail:
          `${f.beforeResponse} of ${f.deliveries} arrived before the response` +
          (f.writes.dropped ? `; ${fmt(f.writes.dropped)} writes not sent: overloaded` : ''),
        target: rate === 200 ? target('≤ 2 ms', f.latency.p50 <= 2, 2) : undefined,
      },
      {
        section: 'Fan-out',
        label: `p99 (max ${ms(f.latency.max)})`,
        ...againstFloor('p99', f, floor),
        target: rate === 200 ? target('≤ 15 ms', f.latency.p99 <= 15, 15) : undefined,
      },
      {
        section: 'Fan-out',
        label: `deliveries per second (${label})`,
        value: f.deliveriesPerSecond,
        unit: 'events/s',
        detail: `${f.expectedDeliveries - f.deliveries} of ${f.expectedDeliveries} missing`,
      },
    );
    checks[`fan-out deliveries missing at ${rate}/s`] = f.expectedDeliveries - f.deliveries;
    checks[`fan-out clients that could not connect at ${rate}/s`] = f.failedClients;
  }
  return { figures, checks };
}
