// Typed routes: route-types.check.ts must compile as it is (so every `@ts-expect-error` there is used), and
// with the directives taken out each marked line must fail: a misspelt param, a wrong body field, a wrong
// response shape, an undeclared status, a wrong publish payload… The check file is also part of
// `npm run typecheck`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const checkFile = path.join(__dirname, 'route-types.check.ts');
// app.realtime<Api>(): the same two checks on its own file.
const realtimeFile = path.join(__dirname, 'realtime-types.check.ts');
const DIRECTIVE = '// @ts-expect-error';

function diagnose(file: string): readonly ts.Diagnostic[] {
  // The project's own compiler options (tsconfig.test.json), on this one file.
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(__dirname, '..', '..', 'tsconfig.test.json'),
    { types: ['node'] },
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  const program = ts.createProgram([file], { ...config!.options, noEmit: true });
  return ts.getPreEmitDiagnostics(program);
}

function lineOf(d: ts.Diagnostic): number | string {
  if (d.file === undefined) return ts.flattenDiagnosticMessageText(d.messageText, '\n');
  return d.file.getLineAndCharacterOfPosition(d.start!).line + 1;
}

test.each([checkFile, realtimeFile])(
  '%s compiles, every @ts-expect-error used',
  (file) => {
    const diagnostics = diagnose(file);
    expect(diagnostics.map((d) => `${lineOf(d)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)).toEqual([]);
  },
  120_000,
);

test.each([
  [checkFile, 12],
  [realtimeFile, 7],
])(
  'without the directives in %s, exactly the marked lines fail',
  (file, least) => {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const marked: number[] = [];
    // Each directive becomes an empty line (line numbers stay); the line after it must then be an error.
    const stripped = lines.map((line, i) => {
      if (!line.trim().startsWith(DIRECTIVE)) return line;
      marked.push(i + 2);
      return '';
    });
    expect(marked.length).toBeGreaterThanOrEqual(least);
    const copy = file.replace(/\.check\.ts$/, '.stripped.fixture.ts');
    fs.writeFileSync(copy, stripped.join('\n'));
    try {
      const diagnostics = diagnose(copy);
      for (const d of diagnostics) expect(d.file?.fileName).toBe(copy);
      const errorLines = [...new Set(diagnostics.map(lineOf))].sort((a, b) => Number(a) - Number(b));
      expect(errorLines).toEqual(marked);
    } finally {
      fs.rmSync(copy, { force: true });
    }
  },
  120_000,
);
