import type pg from 'pg';

/** The schemas the project defines; the rest (pg_catalog, supabase_migrations, …) is not ours. */
const SCHEMAS = `('public', 'stockwire_private')`;

/**
 * An ACL as sorted `grantee=privilege/grantor` items (`*`: with grant option); a null ACL as the
 * default it stands for. `kind` is the SQL for the object kind `acldefault` takes.
 */
const acl = (column: string, kind: string, owner: string) => `(
  select coalesce(string_agg(coalesce(g.rolname, 'PUBLIC') || '=' || x.privilege_type
                             || case when x.is_grantable then '*' else '' end || '/' || o.rolname,
                             ' ' order by coalesce(g.rolname, 'PUBLIC'), x.privilege_type), '-')
    from aclexplode(coalesce(${column}, acldefault(${kind}, ${owner}))) x
    left join pg_roles g on g.oid = x.grantee
    join pg_roles o on o.oid = x.grantor)`;

/**
 * What a database is made of, as `[key, definition]` rows, e.g. `['function public.x(jsonb)',
 * 'CREATE OR REPLACE FUNCTION …']`: schemas, relations (kind, row level security, options, ACL),
 * columns (position among the live ones, type, null, default, identity, ACL), constraints,
 * indexes, views, sequences, triggers, policies, functions (`pg_get_functiondef` and ACL), types,
 * extensions and default privileges. Names of what Postgres names itself (constraints, sequences)
 * are part of the keys, as code refers to them.
 */
const QUERIES: string[] = [
  `select 'schema ' || n.nspname, 'owner ' || pg_get_userbyid(n.nspowner) || ', acl ' || ${acl('n.nspacl', `'n'`, 'n.nspowner')}
     from pg_namespace n where n.nspname in ${SCHEMAS}`,
  `select 'relation ' || c.oid::regclass::text,
          'kind ' || c.relkind::text || ', rls ' || c.relrowsecurity || ', forced rls ' || c.relforcerowsecurity
          || ', options ' || coalesce(array_to_string(c.reloptions, ' '), '-')
          || ', owner ' || pg_get_userbyid(c.relowner)
          || ', acl ' || ${acl('c.relacl', `(case c.relkind when 'S' then 's' else 'r' end)::"char"`, 'c.relowner')}
     from pg_class c
    where c.relnamespace::regnamespace::text in ${SCHEMAS} and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')`,
  `select 'column ' || c.oid::regclass::text || '.' || a.attname,
          '#' || row_number() over (partition by c.oid order by a.attnum) || ' '
          || format_type(a.atttypid, a.atttypmod)
          || case when a.attnotnull then ' not null' else '' end
          || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
          || case a.attidentity when 'a' then ' identity always' when 'd' then ' identity by default' else '' end
          || case a.attgenerated when '' then '' else ' generated ' || a.attgenerated::text end
          || coalesce(' collate ' || nullif(co.collname, 'default'), '')
          || coalesce(', acl ' || array_to_string(a.attacl, ' '), '')
     from pg_class c
     join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
     left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
     left join pg_collation co on co.oid = a.attcollation
    where c.relnamespace::regnamespace::text in ${SCHEMAS} and c.relkind in ('r', 'p', 'v', 'm', 'f')`,
  `select 'constraint ' || k.conrelid::regclass::text || ' ' || k.conname,
          pg_get_constraintdef(k.oid) || case when k.convalidated then '' else ' (not validated)' end
     from pg_constraint k
    where k.connamespace::regnamespace::text in ${SCHEMAS} and k.conrelid <> 0`,
  `select 'index ' || i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
     from pg_index i join pg_class c on c.oid = i.indexrelid
    where c.relnamespace::regnamespace::text in ${SCHEMAS}`,
  `select 'view ' || c.oid::regclass::text, pg_get_viewdef(c.oid)
     from pg_class c
    where c.relnamespace::regnamespace::text in ${SCHEMAS} and c.relkind in ('v', 'm')`,
  `select 'sequence ' || s.seqrelid::regclass::text,
          format_type(s.seqtypid, null) || ' start ' || s.seqstart || ' increment ' || s.seqincrement
          || ' min ' || s.seqmin || ' max ' || s.seqmax || ' cycle ' || s.seqcycle
          || coalesce(' owned by ' || (select d.refobjid::regclass::text || '.' || a.attname
                                         from pg_depend d
                                         join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
                                        where d.classid = 'pg_class'::regclass and d.objid = s.seqrelid
                                          and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')), '')
     from pg_sequence s join pg_class c on c.oid = s.seqrelid
    where c.relnamespace::regnamespace::text in ${SCHEMAS}`,
  `select 'trigger ' || t.tgrelid::regclass::text || ' ' || t.tgname,
          pg_get_triggerdef(t.oid) || ', enabled ' || t.tgenabled::text
     from pg_trigger t join pg_class c on c.oid = t.tgrelid
    where not t.tgisinternal and c.relnamespace::regnamespace::text in ${SCHEMAS}`,
  `select 'policy ' || p.polrelid::regclass::text || ' ' || p.polname,
          'cmd ' || p.polcmd::text || ', permissive ' || p.polpermissive
          || ', roles ' || array_to_string(array(select coalesce(r.rolname, 'PUBLIC') from unnest(p.polroles) u(oid)
                                                 left join pg_roles r on r.oid = u.oid order by 1), ' ')
          || coalesce(', using ' || pg_get_expr(p.polqual, p.polrelid), '')
          || coalesce(', with check ' || pg_get_expr(p.polwithcheck, p.polrelid), '')
     from pg_policy p join pg_class c on c.oid = p.polrelid
    where c.relnamespace::regnamespace::text in ${SCHEMAS}`,
  `select 'function ' || p.oid::regprocedure::text,
          pg_get_functiondef(p.oid) || E'\\nowner ' || pg_get_userbyid(p.proowner)
          || ', acl ' || ${acl('p.proacl', `'f'`, 'p.proowner')}
     from pg_proc p
    where p.pronamespace::regnamespace::text in ${SCHEMAS}`,
  `select 'type ' || t.oid::regtype::text,
          'kind ' || t.typtype::text || coalesce(', base ' || nullif(t.typbasetype, 0)::regtype::text, '')
          || coalesce(', labels ' || (select string_agg(e.enumlabel, ' ' order by e.enumsortorder)
                                        from pg_enum e where e.enumtypid = t.oid), '')
          || coalesce(', attributes ' || (select string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' order by a.attnum)
                                            from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0), '')
          || ', acl ' || ${acl('t.typacl', `'T'`, 't.typowner')}
     from pg_type t
    where t.typnamespace::regnamespace::text in ${SCHEMAS}
      and (t.typrelid = 0 or (select c.relkind from pg_class c where c.oid = t.typrelid) = 'c')
      and not exists (select 1 from pg_type el where el.typarray = t.oid)`,
  `select 'extension ' || e.extname, e.extversion || ' in ' || e.extnamespace::regnamespace::text
     from pg_extension e where e.extname <> 'plpgsql'`,
  `select 'default privileges ' || coalesce(d.defaclnamespace::regnamespace::text, '*') || ' '
          || pg_get_userbyid(d.defaclrole) || ' ' || d.defaclobjtype::text,
          array_to_string(array(select x::text from unnest(d.defaclacl) x order by 1), ' ')
     from pg_default_acl d`,
];

/** The catalog of the database `client` is connected to, by key (see QUERIES). */
export async function catalog(client: pg.Client): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  // Every name schema-qualified, in keys and definitions alike.
  await client.query("set search_path = ''");
  for (const sql of QUERIES) {
    const { rows } = await client.query<[string, string]>({ text: sql, rowMode: 'array' });
    for (const [key, definition] of rows) out.set(key, definition);
  }
  return out;
}

/** The lines of `a` and `b` that differ, as `-`/`+` lines with their line numbers (LCS diff). */
function lineDiff(a: string, b: string): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  const lcs = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--)
    for (let j = y.length - 1; j >= 0; j--)
      lcs[i]![j] =
        x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let [i, j] = [0, 0];
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) [i, j] = [i + 1, j + 1];
    else if (i < x.length && (j === y.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!))
      out.push(`  - ${i + 1}: ${x[i++]}`);
    else out.push(`  + ${j + 1}: ${y[j++]}`);
  }
  return out;
}

/**
 * Where two catalogs differ, readably: one entry per object, naming the side it is missing from,
 * or the lines of its definition that differ (`-` as in `a`, `+` as in `b`).
 */
export function catalogDiff(
  a: Map<string, string>,
  b: Map<string, string>,
  names: [string, string],
): string[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys.flatMap((key) => {
    const [x, y] = [a.get(key), b.get(key)];
    if (x === y) return [];
    if (y === undefined) return [`${key}: only in ${names[0]}`];
    if (x === undefined) return [`${key}: only in ${names[1]}`];
    return [`${key}: - ${names[0]}, + ${names[1]}\n${lineDiff(x, y).join('\n')}`];
  });
}
