import { readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { withClient } from './postgres.js';

/**
 * The `[db.migrations] schema_paths` of a `config.toml`: the strings of that one array, as the
 * Supabase CLI reads them. Not a TOML parser: the array must be written as it is in this project's
 * config, one double-quoted string a line at most, comments after `#`.
 */
export function schemaPaths(configToml: string): string[] {
  const section = /^\[db\.migrations\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(configToml)?.[1];
  const array = section && /^schema_paths\s*=\s*\[([\s\S]*?)\]/m.exec(section)?.[1];
  if (!array) throw new Error('config.toml has no [db.migrations] schema_paths');
  return array
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .flatMap((line) => [...line.matchAll(/"([^"]+)"/g)].map((m) => m[1]!));
}

async function sqlFilesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = posix.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...(await sqlFilesUnder(join(dir, entry.name), path)));
    else if (entry.name.endsWith('.sql')) out.push(path);
  }
  return out;
}

/**
 * The files of `supabase/schemas/` in the order `schema_paths` builds them (paths relative to the
 * supabase folder). A glob (`*` within a file name) adds the files it matches that no earlier
 * entry named, in name order. Fails on an entry that matches nothing and on a file under
 * `schemas/` that no entry names, so that no object is left out of the build unseen.
 */
export async function schemaFiles(supabaseDir: string): Promise<string[]> {
  const patterns = schemaPaths(await readFile(join(supabaseDir, 'config.toml'), 'utf8'));
  const all = (await sqlFilesUnder(join(supabaseDir, 'schemas'), 'schemas')).sort();
  const ordered: string[] = [];
  for (const pattern of patterns) {
    const normal = posix.normalize(pattern);
    const regex = new RegExp(
      `^${normal.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*')}$`,
    );
    const matched = all.filter((f) => regex.test(f));
    if (matched.length === 0) throw new Error(`schema_paths entry ${pattern} matches no file`);
    for (const file of matched) if (!ordered.includes(file)) ordered.push(file);
  }
  const unlisted = all.filter((f) => !ordered.includes(f));
  if (unlisted.length > 0)
    throw new Error(`not in config.toml schema_paths: ${unlisted.join(', ')}`);
  return ordered;
}

/**
 * Builds the declared schema (`supabase/schemas/`, see `schemaFiles`) into an empty database, in
 * one transaction. Returns the files, in the order applied.
 */
export async function applySchemas(databaseUrl: string, supabaseDir: string): Promise<string[]> {
  const files = await schemaFiles(supabaseDir);
  const sql = await Promise.all(files.map((f) => readFile(join(supabaseDir, f), 'utf8')));
  await withClient(databaseUrl, async (client) => {
    await client.query('begin');
    try {
      for (const [i, file] of files.entries()) {
        try {
          await client.query(sql[i]!);
        } catch (cause) {
          throw new Error(`${file} failed to apply`, { cause });
        }
      }
      await client.query('commit');
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
  });
  return files;
}
