import { launchStore } from './app.js';
import { StartRefused } from './assembly/readiness.gate.js';
import { loadConfig } from './env.js';
import { messageLogger, storeLogger } from './telemetry/logger.js';

const config = loadConfig();
const logger = storeLogger(config);
const log = messageLogger(logger);
// Listens at once; serves once Redis and the database answer, however long that takes.
const store = await launchStore(config, logger);
store.ready.then(
  () => {
    logger.info(`ready at ${store.url} (instance ${config.store.instanceId})`);
    // Whoever started this store (npm start, a supervisor) waits for that line: write it now.
    logger.flush();
  },
  (error: unknown) => {
    // Stopped before it served: stop() below exits. A store that cannot serve at all (the gate
    // logged why) lets go of what it holds and exits failed.
    if (!(error instanceof StartRefused)) return;
    logger.flush();
    void store.close().finally(() => process.exit(1));
  },
);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log(`${signal}: closing`);
  // close() bounds itself by SHUTDOWN_TIMEOUT_MS; this only guards against a hang in it.
  const force = setTimeout(() => process.exit(1), config.http.shutdownTimeoutMs + 5_000);
  force.unref();
  store.close().then(
    () => process.exit(0),
    (error: unknown) => {
      log('close failed', error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
