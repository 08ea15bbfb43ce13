import type { ProductInventory } from '@stockwire/domain';

/** Plain code-unit order, as Postgres's `collate "C"` orders ASCII ids. */
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One product's line of the canonical text, exactly as the SQL function `inventory_digest`
 * (supabase/migrations) builds it: `id TAB name TAB description TAB threshold` then, per location in
 * byte order, `TAB location=on_hand/reserved@version`. Also used to tell whether a product changed.
 */
export function digestLine(view: ProductInventory): string {
  const levels = Object.keys(view.locations)
    .sort(byCodeUnit)
    .map((location) => {
      const l = view.locations[location]!;
      return `\t${location}=${l.on_hand}/${l.reserved}@${l.version}`;
    });
  return `${view.product_id}\t${view.name}\t${view.description}\t${view.low_stock_threshold}${levels.join('')}`;
}
