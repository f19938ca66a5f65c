// One log path: nothing in lib/ but lib/base/logger.ts touches the console (everything else logs through
// logError / logWarn / logInfo or req.log, so settings.logger sees every line). Parsed with the TypeScript
// compiler, so comments and strings that mention console do not count and `globalThis.console`,
// `console['log']` and a destructured `const { log } = console` do.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const lib = path.join(__dirname, '..', '..', 'lib');
const ALLOWED = path.join(lib, 'base', 'logger.ts');

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) tsFiles(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Lines (1-based) where `source` reaches the console. */
export function consoleUses(source: string, fileName = 'x.ts'): number[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const lines: number[] = [];
  const isConsole = (node: ts.Node): boolean =>
    (ts.isIdentifier(node) && node.text === 'console') ||
    (ts.isPropertyAccessExpression(node) && node.name.text === 'console');
  const visit = (node: ts.Node): void => {
    // `console` as a value: console.x, console['x'], globalThis.console, passing console around, destructuring.
    if (isConsole(node) && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node)) {
      const parent = node.parent;
      const isDeclarationName =
        (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent)) &&
        parent.name === node;
      if (!isDeclarationName) lines.push(sf.getLineAndCharacterOfPosition(node.getStart()).line + 1);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return lines;
}

test('the scanner finds console calls in code, not in comments or strings', () => {
  expect(consoleUses('// console.log("x")\n/* console.error */\nconst s = "console.log";\n')).toEqual([]);
  expect(consoleUses('const a = 1;\nconsole.log(a);\n')).toEqual([2]);
  expect(consoleUses("console['error']('x');")).toEqual([1]);
  expect(consoleUses('globalThis.console.warn(1);')).toEqual([1]);
  expect(consoleUses('const { log } = console;\nlog(1);')).toEqual([1]);
  expect(consoleUses('const o = { console: 1 };\nclass A { console = 2 }')).toEqual([]);
});

test('no file in lib/ other than lib/base/logger.ts uses the console', () => {
  const offenders: string[] = [];
  for (const file of tsFiles(lib)) {
    if (file === ALLOWED) continue;
    for (const line of consoleUses(fs.readFileSync(file, 'utf8'), file))
      offenders.push(`${path.relative(lib, file)}:${line}`);
  }
  expect(offenders).toEqual([]);
  // The allowed file is where the console lines are: the scan would see them there.
  expect(consoleUses(fs.readFileSync(ALLOWED, 'utf8')).length).toBeGreaterThan(0);
});
