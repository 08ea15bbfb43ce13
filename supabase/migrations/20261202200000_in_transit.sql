-- Units sent to a location by a transfer and not yet received there. They belong to no shelf yet:
-- not on hand, not available, but counted when a location's stock is judged against its reorder
-- point. Kept on the destination's stock row so that a product view reads it with the rest.
alter table public.stock_levels
  add column in_transit integer not null default 0 check (in_transit >= 0);
