-- The Online Boutique catalogue, stocked at the three stores `npm start` runs, and the chain's
-- warehouse. Applied once, right after the migrations of a new database.
-- (A database built by older migrations, as the benches and tests that compare versions build,
-- has no locations: there the stock rows name them alone.)
do $seed$
begin
  if to_regclass('public.locations') is not null then
    insert into public.locations (id, name, kind) values
      ('main-store', 'Main Store', 'store'),
      ('downtown-store', 'Downtown Store', 'store'),
      ('mall-store', 'Mall Store', 'store'),
      ('central-warehouse', 'Central Warehouse', 'warehouse')
    on conflict (id) do nothing;
  end if;
end
$seed$;

select public.create_product(p)
  from jsonb_array_elements($$[
    {"id": "OLJCESPC7Z", "name": "Sunglasses", "description": "Add a modern touch to your outfits with these sleek aviator sunglasses.", "low_stock_threshold": 10, "stock": {"main-store": 60, "downtown-store": 45, "mall-store": 30}},
    {"id": "66VCHSJNUP", "name": "Tank Top", "description": "Perfectly cropped cotton tank, with a scooped neckline.", "low_stock_threshold": 10, "stock": {"main-store": 80, "downtown-store": 50, "mall-store": 40}},
    {"id": "1YMWWN1N4O", "name": "Watch", "description": "This gold-tone stainless steel watch will work with most of your outfits.", "low_stock_threshold": 5, "stock": {"main-store": 25, "downtown-store": 15, "mall-store": 12}},
    {"id": "L9ECAV7KIM", "name": "Loafers", "description": "A neat addition to your summer wardrobe.", "low_stock_threshold": 8, "stock": {"main-store": 40, "downtown-store": 20, "mall-store": 25}},
    {"id": "2ZYFJ3GM2N", "name": "Hairdryer", "description": "This lightweight hairdryer has 3 heat and speed settings. It's perfect for travel.", "low_stock_threshold": 5, "stock": {"main-store": 30, "downtown-store": 18, "mall-store": 22}},
    {"id": "0PUK6V6EV0", "name": "Candle Holder", "description": "This small but intricate candle holder is an excellent gift.", "low_stock_threshold": 10, "stock": {"main-store": 70, "downtown-store": 35, "mall-store": 50}},
    {"id": "LS4PSXUNUM", "name": "Salt & Pepper Shakers", "description": "Add some flavor to your kitchen.", "low_stock_threshold": 10, "stock": {"main-store": 55, "downtown-store": 40, "mall-store": 35}},
    {"id": "9SIQT8TOJO", "name": "Bamboo Glass Jar", "description": "This bamboo glass jar can hold 57 oz (1.7 l) and is perfect for any kitchen.", "low_stock_threshold": 10, "stock": {"main-store": 65, "downtown-store": 30, "mall-store": 45}},
    {"id": "6E92ZMYYFZ", "name": "Mug", "description": "A simple mug with a mustard interior.", "low_stock_threshold": 12, "stock": {"main-store": 90, "downtown-store": 60, "mall-store": 55}}
  ]$$::jsonb) as p
 where not exists (select 1 from public.products where id = p ->> 'id');
