import pg from 'pg';
import { withClient } from './postgres.js';

/**
 * Creates the roles a Supabase project has, so the same migrations and grants work here:
 * PostgREST logs in as `authenticator` and switches to the role named in the request's JWT.
 * Roles belong to the cluster, the grants and default privileges to the database: for another
 * database on a cluster that has them, leave out the password and the authenticator keeps its own.
 */
export async function ensureSupabaseRoles(databaseUrl: string, authenticatorPassword?: string) {
  await withClient(databaseUrl, async (client) => {
    await client.query(`
      do $$
      begin
        if not exists (select from pg_roles where rolname = 'anon') then
          create role anon nologin noinherit;
        end if;
        if not exists (select from pg_roles where rolname = 'authenticated') then
          create role authenticated nologin noinherit;
        end if;
        if not exists (select from pg_roles where rolname = 'service_role') then
          create role service_role nologin noinherit bypassrls;
        end if;
        if not exists (select from pg_roles where rolname = 'authenticator') then
          create role authenticator login noinherit;
        end if;
      end
      $$;
      grant anon, authenticated, service_role to authenticator;
      grant usage on schema public to anon, authenticated, service_role;
      alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
      alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
      alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
    `);
    if (authenticatorPassword === undefined) return;
    await client.query(
      `alter role authenticator with login password ${pg.escapeLiteral(authenticatorPassword)}`,
    );
  });
}
