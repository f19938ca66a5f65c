// krozen/client typed from a RealtimeApi map: a consumer file is type-checked with the compiler API, and
// exactly the lines marked `// ts-error` fail (a wrong topic, event or request name, data or result type).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const fixture = path.join(__dirname, 'client-api.fixture.ts');

test('wrong topic names and data types fail tsc; right ones pass', () => {
  const program = ts.createProgram([fixture], {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    types: ['node'],
    skipLibCheck: true,
  });
  const errorLines = new Set<number>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    expect(d.file?.fileName).toBe(fixture); // an error inside client/ is a broken client, not this check
    errorLines.add(d.file!.getLineAndCharacterOfPosition(d.start!).line + 1);
  }
  const marked = fs
    .readFileSync(fixture, 'utf8')
    .split('\n')
    .map((line, i) => (line.endsWith('// ts-error') ? i + 1 : 0))
    .filter((n) => n > 0);
  expect(marked.length).toBe(10);
  expect([...errorLines].sort((a, b) => a - b)).toEqual(marked);
}, 60_000);
