import { describe, expect, it } from 'vitest';
import { decide, type RetryOptions } from './retry.policy.js';
import type { SendResult } from './webhook.sender.js';

const OPTIONS: RetryOptions = { baseMs: 1000, maxMs: 60_000, windowMs: 86_400_000 };
const NOW = 1_800_000_000_000;

const answered = (status: number, retryAfterMs: number | null = null): SendResult => ({
  status,
  durationMs: 5,
  error: null,
  response: '',
  retryAfterMs,
  refused: false,
});
const noAnswer: SendResult = { ...answered(0), status: null, error: 'timed out' };

describe('the webhook retry schedule', () => {
  it('counts any 2xx as delivered', () => {
    expect(decide(answered(204), 1, NOW, OPTIONS, NOW)).toEqual({
      outcome: 'delivered',
      retryInMs: null,
    });
  });

  it('retries 5xx, 429 and no answer, and gives up at once on other 4xx and refused addresses', () => {
    for (const result of [answered(500), answered(503), answered(429), noAnswer])
      expect(decide(result, 1, NOW, OPTIONS, NOW).outcome).toBe('retry');
    for (const result of [answered(400), answered(404), answered(410), answered(301)])
      expect(decide(result, 1, NOW, OPTIONS, NOW).outcome).toBe('failed');
    expect(decide({ ...noAnswer, refused: true }, 1, NOW, OPTIONS, NOW).outcome).toBe('failed');
  });

  it('doubles the wait with each attempt, jittered within its upper half, up to the maximum', () => {
    const low = (n: number) => decide(answered(500), n, NOW, OPTIONS, NOW, () => 0).retryInMs;
    const high = (n: number) => decide(answered(500), n, NOW, OPTIONS, NOW, () => 0.999).retryInMs;
    expect([1, 2, 3, 4].map(low)).toEqual([500, 1000, 2000, 4000]);
    expect(high(3)).toBeGreaterThan(3990);
    expect(high(3)).toBeLessThanOrEqual(4000);
    expect(low(40)).toBe(30_000);
  });

  it('waits at least as long as Retry-After asks', () => {
    expect(decide(answered(429, 45_000), 1, NOW, OPTIONS, NOW, () => 0).retryInMs).toBe(45_000);
  });

  it('fails a delivery whose next attempt would fall after the retry window', () => {
    const queued = NOW - OPTIONS.windowMs + 100;
    expect(decide(answered(500), 1, queued, OPTIONS, NOW, () => 0).outcome).toBe('failed');
    expect(decide(answered(500), 1, NOW, OPTIONS, NOW, () => 0).outcome).toBe('retry');
  });
});
