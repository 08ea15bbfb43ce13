import { describe, expect, it } from 'vitest';
import { scriptEnv } from '../env.js';
import { simulateOptions } from './options.js';

describe('simulateOptions', () => {
  it("defaults to npm start's three stores, 2 actions per second, for a minute", () => {
    expect(simulateOptions([], scriptEnv({}))).toEqual({
      rate: 2,
      duration: 60,
      urls: ['http://127.0.0.1:3001', 'http://127.0.0.1:3002', 'http://127.0.0.1:3003'],
    });
  });

  it('takes the environment, and flags over it', () => {
    const env = scriptEnv({ SIMULATE_RATE: '5', SIMULATE_DURATION: '0', STORES: 'a:4001,b:4002' });
    expect(simulateOptions([], env)).toEqual({
      rate: 5,
      duration: 0,
      urls: ['http://127.0.0.1:4001', 'http://127.0.0.1:4002'],
    });
    expect(simulateOptions(['--rate', '0.5', '--stores', 'c:4003'], env)).toEqual({
      rate: 0.5,
      duration: 0,
      urls: ['http://127.0.0.1:4003'],
    });
    expect(
      simulateOptions(['--url', 'http://10.1.2.3:3001', '--url', 'http://lb:8080'], env)?.urls,
    ).toEqual(['http://10.1.2.3:3001', 'http://lb:8080']);
    expect(simulateOptions(['--help'], env)).toBeNull();
  });

  it('names each bad option', () => {
    const env = scriptEnv({});
    expect(() => simulateOptions(['--rate', '0', '--duration', 'soon'], env)).toThrow(
      /--rate: must be more than 0[\s\S]*--duration/,
    );
    expect(() => simulateOptions(['--stores', 'main-store'], env)).toThrow(/--stores/);
    expect(() => simulateOptions(['--url', 'ftp://x'], env)).toThrow(
      /--url: must be an http\(s\) URL/,
    );
    expect(() => simulateOptions(['--speed', '3'], env)).toThrow(/speed/);
    expect(() => scriptEnv({ SIMULATE_RATE: '-1' })).toThrow(/SIMULATE_RATE/);
  });
});
