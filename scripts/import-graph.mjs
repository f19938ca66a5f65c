// The import graph of lib/: every value and type import between its files, checked against the layer order
// (docs/internals.md, "Layers"). Fails (exit 1) on a value-import cycle, a type-only cycle wider than 3 files,
// or an import from a lower layer to a higher one.
//
//   node scripts/import-graph.mjs            summary: layers, edges, cycles, violations
//   node scripts/import-graph.mjs --edges    also every edge ("V"alue or "T"ype), grouped by layer
//   node scripts/import-graph.mjs --dot      Graphviz dot of the layer graph on stdout
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// IMPORT_GRAPH_ROOT: another lib/ tree (the test checks the checker on a copy with a planted fault).
const root = process.env.IMPORT_GRAPH_ROOT ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib');

// Bottom to top. A file may import from its own layer or a lower one. A pattern ending in '/' is a folder
// (with its subfolders unless a more specific pattern claims them); anything else is one file.
export const LAYERS = [
  ['base', ['base/']],
  ['backend', ['backend/']],
  ['settings', ['settings/']],
  ['schema', ['schema/']],
  ['transport (shared)', ['transport/']],
  ['transports', ['transport/krozen/', 'transport/node/', 'transport/http2/']],
  ['routing', ['router.ts']],
  ['http', ['http/']],
  ['pubsub', ['pubsub/']],
  ['ws', ['ws/']],
  ['features', ['features/', 'diagnostics.ts']],
  ['realtime', ['realtime/']],
  ['app', ['router-group.ts', 'hooks.ts', 'app.ts', 'cluster.ts', 'reuse-port.ts', 'server.ts']],
  ['entry', ['index.ts']],
];
const MAX_TYPE_CYCLE = 3;

function layerOf(file) {
  let best = -1;
  let bestLen = -1;
  LAYERS.forEach(([, patterns], i) => {
    for (const p of patterns) {
      const hit = p.endsWith('/') ? file.startsWith(p) : file === p;
      if (hit && p.length > bestLen) {
        best = i;
        bestLen = p.length;
      }
    }
  });
  return best;
}

function listFiles(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) listFiles(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** [from, to, typeOnly] for every relative import/export/require/import() type of lib/. */
export function importEdges() {
  const edges = [];
  for (const file of listFiles(root)) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const add = (spec, typeOnly) => {
      if (!spec.startsWith('.')) return;
      let target = path.resolve(path.dirname(file), spec);
      if (fs.existsSync(`${target}.ts`)) target += '.ts';
      else if (fs.existsSync(path.join(target, 'index.ts'))) target = path.join(target, 'index.ts');
      else throw new Error(`${path.relative(root, file)}: cannot resolve ${spec}`);
      edges.push([path.relative(root, file), path.relative(root, target), typeOnly]);
    };
    const visit = (node) => {
      if (ts.isImportDeclaration(node)) {
        const c = node.importClause;
        const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : null;
        const typeOnly =
          !!c && (c.isTypeOnly || (!c.name && named !== null && named.length > 0 && named.every((e) => e.isTypeOnly)));
        add(node.moduleSpecifier.text, typeOnly);
      } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
        const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : null;
        add(
          node.moduleSpecifier.text,
          node.isTypeOnly || (named !== null && named.length > 0 && named.every((e) => e.isTypeOnly)),
        );
      } else if (
        ts.isImportTypeNode(node) &&
        ts.isLiteralTypeNode(node.argument) &&
        ts.isStringLiteral(node.argument.literal)
      ) {
        add(node.argument.literal.text, true);
      } else if (
        ts.isCallExpression(node) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === 'require' &&
        node.arguments.length === 1 &&
        ts.isStringLiteral(node.arguments[0])
      ) {
        add(node.arguments[0].text, false);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return edges;
}

/** Strongly connected components with more than one file (Tarjan). */
function cycles(nodes, edges) {
  const next = new Map(nodes.map((n) => [n, []]));
  for (const [a, b] of edges) if (a !== b) next.get(a).push(b);
  let index = 0;
  const stack = [];
  const onStack = new Set();
  const idx = new Map();
  const low = new Map();
  const found = [];
  const connect = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)) {
      if (!idx.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const c = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) found.push(c.sort());
    }
  };
  for (const n of nodes) if (!idx.has(n)) connect(n);
  return found;
}

const edges = importEdges();
const files = listFiles(root).map((f) => path.relative(root, f));
const problems = [];
for (const f of files) if (layerOf(f) < 0) problems.push(`${f}: in no layer (add it to LAYERS)`);
const upward = edges.filter(([a, b]) => layerOf(b) > layerOf(a));
for (const [a, b, t] of upward)
  problems.push(
    `${a} (${LAYERS[layerOf(a)][0]}) ${t ? 'type-imports' : 'imports'} ${b} (${LAYERS[layerOf(b)][0]}): upward`,
  );
const valueCycles = cycles(
  files,
  edges.filter(([, , t]) => !t),
);
for (const c of valueCycles) problems.push(`value-import cycle: ${c.join(' → ')}`);
const allCycles = cycles(files, edges);
for (const c of allCycles)
  if (c.length > MAX_TYPE_CYCLE)
    problems.push(`import cycle of ${c.length} files (> ${MAX_TYPE_CYCLE}): ${c.join(', ')}`);

const arg = process.argv[2];
if (arg === '--dot') {
  const pairs = new Map();
  for (const [a, b, t] of edges) {
    const la = LAYERS[layerOf(a)][0];
    const lb = LAYERS[layerOf(b)][0];
    if (la === lb) continue;
    const k = `"${la}" -> "${lb}"`;
    pairs.set(k, (pairs.get(k) ?? true) && t);
  }
  console.log('digraph lib {\n  rankdir=BT;');
  for (const [k, typeOnly] of pairs) console.log(`  ${k}${typeOnly ? ' [style=dashed]' : ''};`);
  console.log('}');
} else {
  console.log(
    `lib/: ${files.length} files, ${edges.length} imports (${edges.filter((e) => !e[2]).length} value, ${edges.filter((e) => e[2]).length} type-only)`,
  );
  console.log('layers, bottom to top (a file imports only from its own layer or lower ones):');
  LAYERS.forEach(([name, patterns], i) => {
    const n = files.filter((f) => layerOf(f) === i).length;
    console.log(`  ${i + 1}. ${name.padEnd(20)} ${String(n).padStart(3)} files  ${patterns.join(' ')}`);
  });
  if (arg === '--edges') {
    for (const [a, b, t] of [...edges].sort((x, y) => layerOf(y[0]) - layerOf(x[0]) || x[0].localeCompare(y[0])))
      console.log(`  ${t ? 'T' : 'V'} ${a} -> ${b}`);
  }
  console.log(`value-import cycles: ${valueCycles.length}`);
  console.log(
    `import cycles (type-only edges included): ${allCycles.length}${allCycles.length ? ', largest ' + Math.max(...allCycles.map((c) => c.length)) + ' files: ' + allCycles.map((c) => c.join(' ↔ ')).join('; ') : ''}`,
  );
  console.log(`upward imports: ${upward.length}`);
  for (const p of problems) console.log(`  ✗ ${p}`);
  console.log(problems.length ? `${problems.length} problem(s)` : 'ok');
}
process.exit(problems.length ? 1 : 0);
