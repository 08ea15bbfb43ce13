import { describe, expect, it } from 'vitest';
import { stockRow, supabaseClient } from './support/database.js';
import { stack } from './support/stack.js';

describe('database access through the Supabase API', () => {
  it('refuses the anon key every write function, and writes nothing', async () => {
    const before = await stockRow('OLJCESPC7Z', 'main-store');
    const anon = supabaseClient(stack().anonKey);
    const write = await anon.rpc('apply_stock_changes', {
      changes: [
        {
          product_id: 'OLJCESPC7Z',
          location: 'main-store',
          change: -1,
          update_type: 'sale',
          store: 'x',
        },
      ],
    });
    expect(write.error?.code).toBe('42501');
    const create = await anon.rpc('create_product', { product: { id: 'ANONPRODUCT', name: 'x' } });
    expect(create.error?.code).toBe('42501');
    expect(await stockRow('OLJCESPC7Z', 'main-store')).toEqual(before);
  });

  it('lets the anon key read no table', async () => {
    const anon = supabaseClient(stack().anonKey);
    for (const table of ['products', 'stock_levels', 'inventory_events']) {
      const { data, error } = await anon.from(table).select('*').limit(1);
      expect(data).toBeNull();
      expect(error?.code).toBe('42501');
    }
  });

  it('lets the anon key read the public inventory view, and only that', async () => {
    const { data, error } = await supabaseClient(stack().anonKey)
      .from('public_inventory')
      .select('product_id, name, location, on_hand, reserved, available')
      .eq('product_id', 'OLJCESPC7Z')
      .order('location');
    expect(error).toBeNull();
    const rows = (data ?? []) as { location: string }[];
    expect(rows.map((r) => r.location)).toEqual(['downtown-store', 'main-store', 'mall-store']);
    expect(data?.[0]).toMatchObject({ name: 'Sunglasses', available: expect.any(Number) });
    for (const table of ['reservations', 'orders', 'idempotency_keys', 'api_keys']) {
      const denied = await supabaseClient(stack().anonKey).from(table).select('*').limit(1);
      expect(denied.error?.code, table).toBe('42501');
    }
  });

  it('answers requests without a known API key with 401 at the gateway', async () => {
    const res = await fetch(`${stack().supabaseUrl}/rest/v1/products`, {
      headers: { apikey: 'forged' },
    });
    expect(res.status).toBe(401);
  });

  it('lets the service role read stock', async () => {
    const { data, error } = await supabaseClient(stack().serviceRoleKey)
      .from('stock_levels')
      .select('product_id, location, on_hand')
      .eq('product_id', 'OLJCESPC7Z');
    expect(error).toBeNull();
    expect(data).toHaveLength(3);
  });
});
