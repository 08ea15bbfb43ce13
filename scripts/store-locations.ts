/**
 * The locations of the stores `npm start` runs: each store needs one of its own (it exits without
 * it), so the ones STORES names that the database lacks are added, as stores, through the same
 * `create_location` function `POST /locations` calls. Resolves with the ids it added.
 */
export async function ensureStoreLocations(
  supabaseUrl: string,
  serviceRoleKey: string,
  names: readonly string[],
): Promise<string[]> {
  const added: string[] = [];
  for (const id of names) {
    const res = await fetch(`${supabaseUrl}/rest/v1/rpc/create_location`, {
      method: 'POST',
      headers: {
        apikey: serviceRoleKey,
        authorization: `Bearer ${serviceRoleKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ location: { id, name: id, kind: 'store' } }),
    });
    if (!res.ok) throw new Error(`could not add location ${id}: ${res.status} ${await res.text()}`);
    const answer = (await res.json()) as { ok: boolean; code?: string };
    if (answer.ok) added.push(id);
  }
  return added;
}
