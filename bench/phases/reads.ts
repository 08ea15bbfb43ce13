import type { LoadResult } from '../lib/load.js';
import { forkBareServer } from '../lib/processes.js';
import { p50p99, type Figure } from '../lib/report.js';
import { say, type BenchContext, type PhaseResult } from './context.js';

/** `GET /inventory/{id}` at one store, three, and through Express, beside bare `node:http`. */
export async function reads(ctx: BenchContext): Promise<PhaseResult> {
  say('reads');
  const { stores, worker, meter, size, products, target } = ctx;
  const [main] = stores;
  const path = `/inventory/${products[0]}`;
  const body = Buffer.from(await (await fetch(`${main.url}${path}`)).arrayBuffer());
  const bare = await forkBareServer(body);
  ctx.cleanups.add(() => bare.stop());
  meter.name(bare.pid, 'bare');
  const common = {
    connections: size.readConnections,
    durationMs: size.readMs / size.rounds,
    warmupMs: size.warmupMs / 2,
  };
  const [ceiling, one, three, express] = (await meter.interleaved([
    [
      'reads: bare node:http, same bytes',
      () => worker.run('reads', { ...common, ports: [bare.port], path }),
    ],
    ['reads: one store', () => worker.run('reads', { ...common, ports: [main.port], path })],
    [
      'reads: three stores',
      () => worker.run('reads', { ...common, ports: stores.map((s) => s.port), path }),
    ],
    [
      'reads: one store, through Express',
      () => worker.run('reads', { ...common, ports: [main.port], path: `${path}?via=express` }),
    ],
  ])) as [LoadResult, LoadResult, LoadResult, LoadResult];
  await bare.stop();
  const baseline = {
    label: 'bare node:http, same bytes',
    value: ceiling.perSecond,
    unit: 'req/s',
    detail: p50p99(ceiling),
  };
  const figures: Figure[] = [
    {
      section: 'Reads',
      label: `GET /inventory/{id}, one store (${common.connections} connections)`,
      value: one.perSecond,
      unit: 'req/s',
      detail: p50p99(one),
      baseline,
      ratio: one.perSecond / ceiling.perSecond,
      target: target('≥ 40 %', one.perSecond / ceiling.perSecond >= 0.4, 0.4 * ceiling.perSecond),
    },
    {
      section: 'Reads',
      label: 'GET /inventory/{id}, three stores together',
      value: three.perSecond,
      unit: 'req/s',
      detail: p50p99(three),
      baseline,
      ratio: three.perSecond / ceiling.perSecond,
    },
    {
      section: 'Reads',
      label: 'the same through the Express router (`?via=express`)',
      value: express.perSecond,
      unit: 'req/s',
      detail: p50p99(express),
      baseline,
      ratio: express.perSecond / ceiling.perSecond,
    },
  ];
  const non200 = [ceiling, one, three, express].reduce(
    (n, r) => n + r.requests - (r.statuses['200'] ?? 0),
    0,
  );
  return { figures, checks: { 'reads not answered 200': non200 } };
}
