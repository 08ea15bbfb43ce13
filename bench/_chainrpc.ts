import pg from 'pg';
import { scratchDatabases } from './sql/databases.js';
const dbs = await scratchDatabases('bench-chainrpc');
const url = dbs.after;
const mk = async () => { const c = new pg.Client({ connectionString: url }); await c.connect(); await c.query(`select set_config('request.headers', $1, false)`, [JSON.stringify({ 'x-stockwire-store': 'bench' })]); return c; };
const a = await mk();
await a.query(`insert into public.locations (id, name, kind) select 'chain-' || lpad(i::text, 3, '0'), 'c', 'store' from generate_series(1,100) i on conflict do nothing`).catch(async (e) => { console.log('loc', e.message); });
await a.query(`insert into public.products (id, name, low_stock_threshold) select 'CHAIN-' || lpad(i::text,4,'0'), 'c', 5 from generate_series(1,1000) i`);
await a.query(`insert into public.stock_levels (product_id, location, on_hand) select 'CHAIN-' || lpad(i::text,4,'0'), 'chain-' || lpad(l::text,3,'0'), 1000000 from generate_series(1,1000) i, generate_series(1,100) l`);
await a.query('vacuum analyze');
const b = await mk();
const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ product_id: `CHAIN-${String(1 + Math.floor(Math.random() * 1000)).padStart(4, '0')}`, location: `chain-${String(1 + Math.floor(Math.random() * 100)).padStart(3, '0')}`, change: -1, update_type: 'sale', request_id: `r${Math.random()}`, store: 'bench', actor: 'key:bench' }));
const run = async (c: pg.Client, n: number, k: number) => { const t = performance.now(); for (let i = 0; i < k; i++) await c.query('select public.apply_stock_changes($1::jsonb)', [JSON.stringify(batch(n))]); return (performance.now() - t) / k; };
for (const n of [16, 128]) {
  await run(a, n, 5);
  console.log(`batch ${n}: one client ${(await run(a, n, 20)).toFixed(1)} ms/batch`);
  const [x, y] = await Promise.all([run(a, n, 20), run(b, n, 20)]);
  console.log(`batch ${n}: two clients ${x.toFixed(1)} / ${y.toFixed(1)} ms/batch`);
}
await a.end(); await b.end(); await dbs.stop();
