// Runs compiled jest test files (.js) on a Node where jest itself cannot start: the arm64 Node under
// qemu-user (jest 30 resolves modules with a linux-x64-only native binding, and spawns `node` children,
// which qemu-user cannot run without binfmt). Only what the native test files use: describe/test/it
// (+ .each with %s/%i/%d/%p names), before/after hooks, and jest's own `expect` package (pure JS).
// Usage: node mini-jest.js file.test.js...   Prints "mini-jest: N passed, N failed" and exits 1 on failure.
'use strict';
const path = require('node:path');
const util = require('node:util');
const { expect } = require('expect');

function suite(name, parent) {
  return { name, parent, tests: [], children: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] };
}
const root = suite('', null);
let current = root;

function title(template, args) {
  let i = 0;
  return template.replace(/%[sidfpjo#%]/g, (spec) => {
    if (spec === '%%') return '%';
    if (spec === '%#') return String(args.index);
    const value = args.values[i++];
    if (spec === '%i' || spec === '%d') return String(Math.trunc(Number(value)));
    if (spec === '%s') return String(value);
    return util.inspect(value);
  });
}

function withEach(register) {
  register.each = (table) => (template, fn, timeout) => {
    table.forEach((row, index) => {
      const values = Array.isArray(row) ? row : [row];
      register(title(template, { values, index }), (...rest) => fn(...values, ...rest), timeout);
    });
  };
  return register;
}

global.describe = withEach((name, fn) => {
  const s = suite(name, current);
  current.children.push(s);
  const parent = current;
  current = s;
  try { fn(); } finally { current = parent; }
});
global.test = global.it = withEach((name, fn) => { current.tests.push({ name, fn }); });
for (const hook of ['beforeAll', 'afterAll', 'beforeEach', 'afterEach']) global[hook] = (fn) => current[hook].push(fn);
global.expect = expect;

let passed = 0;
let failed = 0;

async function callAll(fns) {
  for (const fn of fns) await fn();
}

function chain(s) {
  const list = [];
  for (let p = s; p; p = p.parent) list.unshift(p);
  return list;
}

async function run(s, prefix) {
  await callAll(s.beforeAll);
  const label = prefix + (s.name ? s.name + ' › ' : '');
  for (const t of s.tests) {
    const suites = chain(s);
    try {
      for (const x of suites) await callAll(x.beforeEach);
      await t.fn();
      for (const x of suites.reverse()) await callAll(x.afterEach);
      passed++;
    } catch (err) {
      failed++;
      console.log(`  FAIL ${label}${t.name}\n    ${String(err && err.stack || err).split('\n').slice(0, 6).join('\n    ')}`);
    }
  }
  for (const child of s.children) await run(child, label);
  await callAll(s.afterAll);
}

(async () => {
  for (const file of process.argv.slice(2)) {
    const before = passed + failed;
    const start = Date.now();
    Object.assign(root, suite('', null));
    current = root;
    require(path.resolve(file));
    const fileFailed = failed;
    await run(root, '');
    const status = failed === fileFailed ? 'PASS' : 'FAIL';
    console.log(`${status} ${path.basename(file)} (${passed + failed - before} tests, ${((Date.now() - start) / 1000).toFixed(1)} s)`);
  }
  console.log(`mini-jest: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
