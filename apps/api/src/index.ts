export { startStore, type StoreInstance, type Logger } from './app.js';
export { loadConfig, type StoreConfig } from './env.js';
