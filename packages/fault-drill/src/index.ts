export * from './cluster.js';
export * from './store-process.js';
export * from './convergence.js';
export * from './writes.js';
export * from './messages.js';
export * from './clients.js';
export * from './drills.js';
