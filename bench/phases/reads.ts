import { forkBareServer } from '../lib/processes.js';
import { p50p99, type Figure } from '../lib/report.js';
import { say, type BenchContext, type PhaseResult } from './context.js';

/** The read routes measured, each beside bare `node:http` answering with the same bytes. */
const ROUTES = [
  { label: 'GET /inventory/{id}', path: (product: string) => `/inventory/${product}` },
  { label: 'GET /inventory', path: () => '/inventory' },
  { label: 'GET /products', path: () => '/products' },
  { label: 'GET /events', path: () => '/events' },
  { label: 'GET /alerts', path: () => '/alerts' },
] as const;

/** Every read route at one store beside bare `node:http`; one product at all three stores. */
export async function reads(ctx: BenchContext): Promise<PhaseResult> {
  say('reads');
  const { stores, worker, meter, size, products, target } = ctx;
  const [main] = stores;
  const routes = ROUTES.map((r) => ({ label: r.label, path: r.path(products[0]!) }));
  const bodies = new Map<string, Buffer>();
  for (const { path } of routes) {
    bodies.set(path, Buffer.from(await (await fetch(`${main.url}${path}`)).arrayBuffer()));
  }
  const bare = await forkBareServer(bodies);
  ctx.cleanups.add(() => bare.stop());
  meter.name(bare.pid, 'bare');
  const common = {
    connections: size.readConnections,
    durationMs: size.readMs / size.rounds,
    warmupMs: size.warmupMs / 2,
  };
  const load = (ports: number[], path: string) => () =>
    worker.run('reads', { ...common, ports, path });
  const results = await meter.interleaved([
    ...routes.flatMap(({ label, path }) => [
      [`reads: ${label}, bare node:http, same bytes`, load([bare.port], path)] as const,
      [`reads: ${label}, one store`, load([main.port], path)] as const,
    ]),
    [
      'reads: GET /inventory/{id}, three stores',
      load(
        stores.map((s) => s.port),
        routes[0]!.path,
      ),
    ],
  ]);
  await bare.stop();

  const figures: Figure[] = routes.map(({ label, path }, i) => {
    const ceiling = results[2 * i]!;
    const one = results[2 * i + 1]!;
    const ratio = one.perSecond / ceiling.perSecond;
    return {
      section: 'Reads',
      label: `${label}, one store (${common.connections} connections, ${bodies.get(path)!.length} B)`,
      value: one.perSecond,
      unit: 'req/s',
      detail: p50p99(one),
      baseline: {
        label: 'bare node:http, same bytes',
        value: ceiling.perSecond,
        unit: 'req/s',
        detail: p50p99(ceiling),
      },
      ratio,
      target: target('≥ 40 %', ratio >= 0.4, 0.4 * ceiling.perSecond),
    };
  });
  const three = results.at(-1)!;
  figures.push({
    section: 'Reads',
    label: 'GET /inventory/{id}, three stores together',
    value: three.perSecond,
    unit: 'req/s',
    detail: p50p99(three),
    baseline: figures[0]!.baseline!,
    ratio: three.perSecond / figures[0]!.baseline!.value,
  });
  const non200 = results.reduce((n, r) => n + r.requests - (r.statuses['200'] ?? 0), 0);
  return { figures, checks: { 'reads not answered 200': non200 } };
}
