import { residentBytes } from '../lib/processes.js';
import { fmt } from '../lib/report.js';
import { say, sleep, type BenchContext, type PhaseResult } from './context.js';

/** How many Socket.IO clients one store holds, and what each costs it in memory. */
export async function connections({
  stores,
  worker,
  meter,
  size,
  target,
}: BenchContext): Promise<PhaseResult> {
  say('connections');
  const [main] = stores;
  const before = await residentBytes(main.pid!);
  const opened = await meter.measured(
    `connections: ${fmt(size.connections)} Socket.IO clients`,
    () => worker.run('connectionsOpen', { url: main.url, count: size.connections }),
  );
  await sleep(1000);
  const after = await residentBytes(main.pid!);
  const res = await fetch(`${main.url}/health`);
  if (!res.ok) throw new Error(`GET ${main.url}/health: ${res.status}`);
  const health = (await res.json()) as { clients: { socketio: number } };
  await worker.run('connectionsClose', {});
  const held = health.clients.socketio;
  const perConnection = before !== null && after !== null ? (after - before) / held / 1024 : NaN;
  return {
    figures: [
      {
        section: 'Connections',
        label: 'Socket.IO clients held by one store',
        value: held,
        unit: 'clients',
        detail: `${fmt(opened.seconds)} s to connect, ${opened.failed} failed`,
        target: target('≥ 10,000', held >= 10_000, 10_000),
      },
      {
        section: 'Connections',
        label: 'memory per Socket.IO connection (store RSS growth ÷ clients)',
        value: perConnection,
        unit: 'KiB',
        detail: `RSS ${fmt((before ?? 0) / 2 ** 20)} → ${fmt((after ?? 0) / 2 ** 20)} MiB`,
      },
    ],
    checks: {},
  };
}
