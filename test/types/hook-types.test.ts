// Typed hooks: a consumer file is type-checked with the TypeScript compiler API; exactly the lines marked
// `// ts-error` must fail (a misspelt event name, a context field that does not exist or has another type).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const fixture = path.join(__dirname, 'misspelt-hook.fixture.ts');

test('misspelt hook names and wrong context fields fail tsc; correct ones pass', () => {
  const program = ts.createProgram([fixture], {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    types: ['node'],
    skipLibCheck: true,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const errorLines = new Set<number>();
  for (const d of diagnostics) {
    // Errors anywhere but the fixture (in lib/) would be a broken library, not a typed-hook check.
    expect(d.file?.fileName).toBe(fixture);
    errorLines.add(d.file!.getLineAndCharacterOfPosition(d.start!).line + 1);
  }
  const marked = fs
    .readFileSync(fixture, 'utf8')
    .split('\n')
    .map((line, i) => (line.endsWith('// ts-error') ? i + 1 : 0))
    .filter((n) => n > 0);
  expect(marked.length).toBe(5);
  expect([...errorLines].sort((a, b) => a - b)).toEqual(marked);
  const messages = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n');
  expect(messages).toContain('"ws:mesage"');
  expect(messages).toContain("Property 'request' does not exist");
}, 60_000);
