import { randomInt, randomUUID } from 'node:crypto';
import { request } from 'node:http';

/** Credentials every test store accepts. */
export const KEYS = {
  admin: `test-admin-${randomUUID()}`,
  staff: `test-staff-${randomUUID()}`,
};
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
export const NO_CREDENTIAL = { authorization: '' };

/**
 * Sends one request and reads the JSON answer. Writes go as admin unless `headers` carry an
 * `authorization` of their own; an empty one (`NO_CREDENTIAL`) sends none at all.
 */
export async function api<T = unknown>(
  base: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const credential = method === 'GET' || 'authorization' in headers ? {} : bearer(KEYS.admin);
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...credential,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== '')),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** How many requests a store's metrics count for a method, route and status. */
export async function requestsCounted(
  storeUrl: string,
  method: string,
  route: string,
  status: number,
): Promise<number> {
  const res = await fetch(`${storeUrl}/metrics`, { headers: bearer(KEYS.admin) });
  const labels = [`method="${method}"`, `route="${route}"`, `status="${status}"`];
  const line = (await res.text())
    .split('\n')
    .find(
      (l) =>
        l.startsWith('stockwire_http_request_duration_seconds_count{') &&
        labels.every((label) => l.includes(label)),
    );
  return Number(line?.split(' ').at(-1) ?? 0);
}

/**
 * A restock of one unit at main-store with the staff key, sent from `localAddress` (loopback has
 * many: 127.0.0.2, 127.0.0.3…), so that a store counts it against that client address's budget.
 * Resolves with the status.
 */
export function restockFrom(
  url: string,
  localAddress: string,
  product: string,
  headers: Record<string, string> = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ change: 1, update_type: 'restock', warehouse: 'main-store' });
    const req = request(
      `${url}/inventory/${product}/update`,
      {
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', ...bearer(KEYS.staff), ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A loopback address of a test's own, so that its write budget is nobody else's. */
export const loopbackAddress = () =>
  `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
