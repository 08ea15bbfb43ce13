import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '@stockwire/local-stack';
import { describe, expect, it, onTestFinished } from 'vitest';
import { importCycles } from './import-graph.js';

describe('imports', () => {
  it('form no cycle anywhere in the project’s source', () => {
    expect(importCycles(PROJECT_ROOT, ['apps', 'packages', 'scripts', 'bench'])).toEqual([]);
  });

  it('are seen to cycle when they do, type-only imports and package entries included', () => {
    const root = mkdtempSync(join(tmpdir(), 'import-graph-'));
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    mkdirSync(join(root, 'packages/shapes/src'), { recursive: true });
    writeFileSync(join(root, 'packages/shapes/package.json'), '{"name":"@test/shapes"}');
    writeFileSync(join(root, 'packages/shapes/src/index.ts'), "export * from './square.js';\n");
    writeFileSync(
      join(root, 'packages/shapes/src/square.ts'),
      "import type { Area } from './area.js';\nexport const side = 2;\nexport type A = Area;\n",
    );
    writeFileSync(
      join(root, 'packages/shapes/src/area.ts'),
      "import { side } from '@test/shapes';\nexport type Area = typeof side;\n",
    );
    const cycles = importCycles(root, ['packages']);
    expect(cycles).toHaveLength(1);
    expect([...cycles[0]!].sort()).toEqual([
      'packages/shapes/src/area.ts',
      'packages/shapes/src/index.ts',
      'packages/shapes/src/square.ts',
    ]);
  });
});
