import { randomUUID } from 'node:crypto';

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
  method: 'GET' | 'POST' | 'DELETE',
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
