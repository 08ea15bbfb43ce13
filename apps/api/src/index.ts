export { launchStore, startStore, type StoreInstance } from './app.js';
export { loadConfig, type StoreConfig } from './env.js';
export type { Logger } from './telemetry/logger.js';
export { StartRefused } from './assembly/readiness.gate.js';
