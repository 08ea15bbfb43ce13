-- What the API's functions share and nobody else may call: the guard, the idempotency keys, the
-- row locks. PostgREST serves only `public`, and no role but the owner may use this schema.
create schema stockwire_private;
revoke all on schema stockwire_private from public;
