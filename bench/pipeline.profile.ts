/**
 * One cached read through the store's request pipeline alone (no database, no Redis: the ports it
 * needs are stubs), to measure and profile the pipeline's own cost per request:
 *
 *   npx tsx bench/pipeline.profile.ts [pipeline | headers | bare] [--log]
 *   wrk -t1 -c64 -d5s http://127.0.0.1:4599/inventory/ABC        # apt-get install wrk
 *
 * `pipeline` serves `GET /inventory/{id}` through RequestPipeline and the node:http adapter;
 * `headers` answers with the same headers written directly; `bare` with two headers only.
 * `--log` writes request lines as a store does (to /dev/null). Add `node --cpu-prof` for a profile.
 */
import { createServer, type RequestListener } from 'node:http';
import bodyParser from 'body-parser';
import { pino } from 'pino';
import { nodeAdapter } from '../apps/api/src/http/node.adapter.js';
import { RequestDrain } from '../apps/api/src/http/request.drain.js';
import { RequestPipeline } from '../apps/api/src/http/request.pipeline.js';
import { Encoded, reply, type Route } from '../apps/api/src/http/route.js';
import { SecurityHeaders } from '../apps/api/src/http/security.headers.js';
import { createLogger } from '../apps/api/src/telemetry/logger.js';
import { StoreMetrics } from '../apps/api/src/telemetry/metrics.js';
import { requestRecorder } from '../apps/api/src/telemetry/request.recorder.js';

const mode = process.argv[2] ?? 'pipeline';
const body = Buffer.alloc(558, 'x');
const logger = process.argv.includes('--log')
  ? createLogger({
      store: 'bench',
      instanceId: 'bench',
      format: 'json',
      destination: pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 }),
    })
  : null;
const security = new SecurityHeaders([], false);
const routes: Route[] = [
  {
    method: 'GET',
    path: '/inventory/:product_id',
    cached: true,
    handle: () => reply(new Encoded(body)),
  },
];
const json = bodyParser.json();
const pipeline = new RequestPipeline({
  drain: new RequestDrain(),
  security,
  parseBody: (req, res) =>
    new Promise((resolve, reject) => {
      json(req, res, (error?: Error) => (error ? reject(error) : resolve()));
    }),
  authenticate: () => Promise.resolve(null),
  readsPublic: true,
  clientIp: () => '127.0.0.1',
  spendWriteBudget: () => Promise.resolve(),
  isStale: () => false,
  refusal: () => null,
  answered: requestRecorder(new StoreMetrics('bench'), logger, () => '127.0.0.1'),
  log: () => {},
});
const headers = security.for({ method: 'GET', headers: {} } as never).headers;
const length = String(body.length);
const listeners: Record<string, RequestListener> = {
  pipeline: nodeAdapter(pipeline, routes, (_req, res) => res.writeHead(404).end()),
  headers: (_req, res) => {
    res.writeHead(200, [...headers, 'content-type', 'application/json', 'content-length', length]);
    res.end(body);
  },
  bare: (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': length });
    res.end(body);
  },
};
const listener = listeners[mode];
if (!listener) throw new Error(`mode is one of ${Object.keys(listeners).join(', ')}`);
createServer(listener).listen(4599, '127.0.0.1', () => console.log(`${mode} on :4599`));
