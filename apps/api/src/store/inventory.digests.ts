/** A summary of all stock that two holders can compare without exchanging it. */
export interface InventoryDigest {
  products: number;
  /** Stock rows, one per (product, location). */
  rows: number;
  /** md5, hex, of the canonical text described in `sync/inventory.digest.ts`. */
  digest: string;
}

/** The database's side of the anti-entropy check: a digest of all it holds. */
export interface InventoryDigests {
  digest(): Promise<InventoryDigest>;
}
