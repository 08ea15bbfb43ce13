import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Latencies } from '../lib/latency.js';
import { closedLoop } from '../lib/load.js';
import { postJsonRequest } from '../lib/raw-http.js';
import type { Tasks, WriteLoadResult } from './protocol.js';
import { AcceptedLedger, randomMovement, updateType, type Movement } from './stock-changes.js';

const change = (m: Movement) => ({
  product_id: m.product,
  location: m.location,
  change: m.change,
  update_type: updateType(m.change),
  request_id: null,
  store: 'bench',
});

const randomLocation = (locations: string[]) =>
  locations[Math.floor(Math.random() * locations.length)]!;

/**
 * The database's own ceiling for the naive design: `apply_stock_changes` with one change per call,
 * over direct Postgres connections, no HTTP in between.
 */
export async function sqlDirect(p: Tasks['sqlDirect']['params']): Promise<WriteLoadResult> {
  const ledger = new AcceptedLedger();
  const clients = await Promise.all(
    Array.from({ length: p.clients }, async () => {
      const client = new pg.Client({ connectionString: p.databaseUrl });
      await client.connect();
      return client;
    }),
  );
  const latency = new Latencies();
  const statuses: Record<string, number> = {};
  let unknown = 0;
  const start = performance.now();
  const measureFrom = start + p.warmupMs;
  const end = measureFrom + p.durationMs;
  let cpu = process.cpuUsage();
  let cpuTaken = false;
  await Promise.all(
    clients.map(async (client) => {
      for (;;) {
        const sent = performance.now();
        if (sent >= end) return;
        if (!cpuTaken && sent >= measureFrom) {
          cpuTaken = true;
          cpu = process.cpuUsage();
        }
        const m = randomMovement(p.products, randomLocation(p.locations));
        let status = 'error';
        try {
          const { rows } = await client.query<{ r: Array<{ ok: boolean }> }>(
            'select public.apply_stock_changes($1::jsonb) as r',
            [JSON.stringify([change(m)])],
          );
          const ok = rows[0]?.r[0]?.ok === true;
          if (ok) ledger.add(m);
          status = ok ? 'ok' : 'refused';
        } catch {
          unknown++;
        }
        if (sent >= measureFrom) {
          latency.add(performance.now() - sent);
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - measureFrom) / 1000;
  const used = process.cpuUsage(cpu);
  await Promise.all(clients.map((c) => c.end()));
  return {
    requests: latency.count,
    perSecond: latency.count / seconds,
    statuses,
    latency: latency.summary(),
    cpuSeconds: (used.user + used.system) / 1e6,
    seconds,
    accepted: ledger.accepted,
    unknown,
  };
}

/**
 * The naive design through Supabase: one `rpc/apply_stock_changes` call per change, through the
 * gateway and PostgREST, on keep-alive connections.
 */
export async function postgrestDirect(
  p: Tasks['postgrestDirect']['params'],
): Promise<WriteLoadResult> {
  const ledger = new AcceptedLedger();
  const port = Number(new URL(p.supabaseUrl).port);
  const headers = { apikey: p.serviceRoleKey, authorization: `Bearer ${p.serviceRoleKey}` };
  const last: Movement[] = [];
  let unknown = 0;
  const result = await closedLoop({
    connections: p.connections,
    portOf: () => port,
    next: (i) => {
      const m = randomMovement(p.products, randomLocation(p.locations));
      last[i] = m;
      return postJsonRequest('/rest/v1/rpc/apply_stock_changes', { changes: [change(m)] }, headers);
    },
    durationMs: p.durationMs,
    warmupMs: p.warmupMs,
    onResponse: (i, res) => {
      if (res.status !== 200) return;
      const [r] = JSON.parse(res.body.toString()) as Array<{ ok: boolean }>;
      if (r?.ok) ledger.add(last[i]!);
    },
    onError: () => unknown++,
  });
  return { ...result, accepted: ledger.accepted, unknown };
}
