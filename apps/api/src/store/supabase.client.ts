import type { StoreName } from '@stockwire/domain';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import type { Database } from './database.types.js';
import { keepAliveFetch } from './keep-alive.fetch.js';

/** A service-role client as every store adapter uses it: no session, kept-alive connections. */
export function supabaseClient(
  url: string,
  serviceRoleKey: string,
  store?: StoreName,
): SupabaseClient<Database> {
  return createClient<Database>(url, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // supabase-js needs a WebSocket implementation for realtime on Node 20, even unused.
    realtime: { transport: WebSocket as never },
    global: { fetch: keepAliveFetch(), headers: store ? { 'X-Stockwire-Store': store } : {} },
  });
}
