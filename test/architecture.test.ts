// lib/'s shape: the layer order and cycle rules (scripts/import-graph.mjs, docs/internals.md "Layers"), and
// no file over 450 lines. The checker itself is checked on a copy of lib/ with a fault planted in it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repo = path.join(__dirname, '..');
const script = path.join(repo, 'scripts', 'import-graph.mjs');

function graph(root?: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [script], {
    env: { ...process.env, ...(root ? { IMPORT_GRAPH_ROOT: root } : {}) },
    encoding: 'utf8',
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

function copyLib(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-graph-'));
  fs.cpSync(path.join(repo, 'lib'), dir, { recursive: true });
  return dir;
}

describe('lib/ layers', () => {
  test('no value cycle, no type cycle over 3 files, no upward import', () => {
    const { status, out } = graph();
    expect(out).toContain('value-import cycles: 0');
    expect(out).toContain('upward imports: 0');
    expect(status).toBe(0);
  });

  test('the checker fails on an upward import (base importing the app)', () => {
    const dir = copyLib();
    try {
      fs.appendFileSync(
        path.join(dir, 'base', 'errors.ts'),
        "\nimport type { App } from '../app';\nexport type X = App;\n",
      );
      const { status, out } = graph(dir);
      expect(status).toBe(1);
      expect(out).toMatch(/base\/errors\.ts \(base\) type-imports app\.ts \(app\): upward/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the checker fails on a value-import cycle', () => {
    const dir = copyLib();
    try {
      fs.writeFileSync(
        path.join(dir, 'base', 'a.ts'),
        "import { b } from './b';\nexport const a = (): number => b();\n",
      );
      fs.writeFileSync(
        path.join(dir, 'base', 'b.ts'),
        "import { a } from './a';\nexport const b = (): number => a();\n",
      );
      const { status, out } = graph(dir);
      expect(status).toBe(1);
      expect(out).toContain('value-import cycle: base/a.ts → base/b.ts');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('no file in lib/ is over 450 lines', () => {
    const long: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && fs.readFileSync(p, 'utf8').split('\n').length > 451)
          long.push(path.relative(repo, p));
      }
    };
    walk(path.join(repo, 'lib'));
    expect(long).toEqual([]);
  });
});
