import { describe, expect, it } from 'vitest';
import { AddressGuard, addressRefusal } from './address.guard.js';

describe('where webhooks may go', () => {
  it('refuses loopback, private, link-local, shared and unspecified addresses, v4, v6 and v4-mapped', () => {
    for (const address of [
      '127.0.0.1',
      '127.8.9.10',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd12:3456::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
    ])
      expect(addressRefusal(address), address).toMatch(/loopback, private or link-local/);
  });

  it('lets public addresses through', () => {
    for (const address of ['93.184.216.34', '172.32.0.1', '8.8.8.8', '2606:4700::1111'])
      expect(addressRefusal(address), address).toBeNull();
  });

  it('refuses schemes other than http(s) even with private addresses allowed', async () => {
    const open = new AddressGuard(true);
    expect(await open.refusal('file:///etc/passwd')).toBe('must be http or https');
    expect(await open.refusal('gopher://example.com/')).toBe('must be http or https');
    expect(await open.refusal('http://127.0.0.1:8080/hooks')).toBeNull();
  });

  it('checks IP literals without a lookup, and names that resolve to loopback after one', async () => {
    const strict = new AddressGuard(false);
    expect(await strict.refusal('http://[::1]/hooks')).toMatch(/::1/);
    expect(await strict.refusal('https://10.0.0.7/hooks')).toMatch(/10\.0\.0\.7/);
    expect(await strict.refusal('http://localhost:8080/hooks')).toMatch(/loopback/);
    expect(strict.literalRefusal(new URL('http://192.168.0.9/'))).toMatch(/192\.168\.0\.9/);
    expect(strict.literalRefusal(new URL('http://93.184.216.34/'))).toBeNull();
  });

  it('refuses, at connection time, a name whose every address is refused', async () => {
    const strict = new AddressGuard(false);
    const error = await new Promise<Error | null>((resolve) => {
      strict.lookup('localhost', { all: true }, (e) => resolve(e));
    });
    expect(error?.message).toMatch(/localhost resolves to .*loopback/);
    expect((error as { code?: string }).code).toBe('EADDRNOTALLOWED');
  });
});
