import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Where each workspace package's imports lead: `@stockwire/x` is `packages/x/src/index.ts`. */
function workspaceEntries(root: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const group of ['apps', 'packages']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const manifest = join(dir, name, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      const entry = join(dir, name, 'src', 'index.ts');
      if (pkg.name && existsSync(entry)) entries.set(pkg.name, entry);
    }
  }
  return entries;
}

/** Every `.ts` file below `dir`, without node_modules. */
function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The project files `file` imports (type-only imports included: they are dependencies too). */
function importsOf(file: string, packages: Map<string, string>): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles.flatMap(({ fileName: spec }) => {
    const workspace = packages.get(spec);
    if (workspace) return [workspace];
    if (!spec.startsWith('.')) return [];
    const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
    return existsSync(target) ? [target] : [];
  });
}

/**
 * Import cycles among the TypeScript files below `dirs` (and the workspace packages they import),
 * each as the list of files around it, relative to `root`.
 */
export function importCycles(root: string, dirs: string[]): string[][] {
  const packages = workspaceEntries(root);
  const graph = new Map<string, string[]>();
  const visit = (file: string) => {
    if (graph.has(file)) return;
    const next = importsOf(file, packages);
    graph.set(file, next);
    next.forEach(visit);
  };
  dirs.flatMap((d) => sourceFiles(join(root, d))).forEach(visit);

  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const walk = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push(path.slice(path.indexOf(next)));
      else if (!state.has(next)) walk(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) walk(file);
  return cycles.map((cycle) => cycle.map((f) => relative(root, f)));
}
