import { inject } from 'vitest';
import type { TestStack } from './global-setup.js';

/** The suite's stack (Postgres, PostgREST behind the gateway, Redis), as global setup started it. */
export const stack = (): TestStack => inject('stack');
