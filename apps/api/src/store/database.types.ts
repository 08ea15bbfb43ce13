/**
 * The database as supabase-js sees it (the shape `supabase gen types typescript` produces), kept
 * by hand beside the migrations: tables are read-only to the API, writes are the two functions.
 */
export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[];

interface ReadOnlyTable<Row, Relationships extends unknown[] = []> {
  Row: Row;
  Insert: never;
  Update: never;
  Relationships: Relationships;
}

export interface Database {
  public: {
    Tables: {
      api_keys: ReadOnlyTable<{
        id: string;
        role: string;
        key_hash: string;
        created_by: string | null;
        created_at: string;
        revoked_at: string | null;
      }>;
      reservations: ReadOnlyTable<{
        id: string;
        product_id: string;
        location: string;
        quantity: number;
        status: string;
        expires_at: string;
        client_id: string | null;
        order_id: string | null;
        store: string;
        request_id: string | null;
        created_at: string;
        updated_at: string;
      }>;
      products: ReadOnlyTable<{
        id: string;
        name: string;
        description: string;
        low_stock_threshold: number;
        created_at: string;
      }>;
      stock_levels: ReadOnlyTable<
        {
          product_id: string;
          location: string;
          on_hand: number;
          reserved: number;
          version: number;
          updated_at: string;
        },
        [
          {
            foreignKeyName: 'stock_levels_product_id_fkey';
            columns: ['product_id'];
            isOneToOne: false;
            referencedRelation: 'products';
            referencedColumns: ['id'];
          },
        ]
      >;
      inventory_events: ReadOnlyTable<{
        id: number;
        product_id: string;
        location: string;
        update_type: string;
        change: number;
        previous_quantity: number;
        new_quantity: number;
        version: number;
        request_id: string | null;
        store: string;
        created_at: string;
      }>;
      stock_alerts: ReadOnlyTable<{
        id: number;
        product_id: string;
        location: string;
        kind: string;
        available: number;
        on_hand: number;
        reserved: number;
        threshold: number;
        version: number;
        created_at: string;
      }>;
    };
    Views: Record<never, never>;
    Functions: {
      apply_stock_changes: { Args: { changes: Json }; Returns: Json };
      reserve_stock: { Args: { reservations: Json }; Returns: Json };
      finish_reservation: { Args: { request: Json }; Returns: Json };
      expire_reservations: { Args: { max_rows: number; store: string }; Returns: Json };
      place_order: { Args: { p_order: Json }; Returns: Json };
      save_idempotent_response: {
        Args: { key: string; status: number; body: Json };
        Returns: undefined;
      };
      purge_idempotency_keys: { Args: Record<string, never>; Returns: number };
      create_product: { Args: { product: Json }; Returns: Json };
      create_api_key: { Args: { key: Json }; Returns: Json };
      revoke_api_key: { Args: { key_id: string }; Returns: Json };
      inventory_digest: { Args: Record<string, never>; Returns: Json };
    };
    Enums: Record<never, never>;
    CompositeTypes: Record<never, never>;
  };
}
