// krozen/client ships to browsers: it may import nothing from lib/ but the shared type map, and that only
// with `import type` (erased), nor any package at run time except the `ws` fallback loaded on use.
import * as fs from 'node:fs';
import * as path from 'node:path';

const dir = path.resolve(__dirname, '../../client');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));

test.each(files)('client/%s imports only client/ files, and lib/realtime/api-types as types', (file) => {
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  const specifiers = [...text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)].map((m) => ({
    typeOnly: Boolean(m[2]),
    spec: m[3],
  }));
  for (const { typeOnly, spec } of specifiers) {
    if (spec.startsWith('./')) continue;
    expect({ spec, typeOnly }).toEqual({ spec: '../lib/realtime/api-types', typeOnly: true });
  }
  // Dynamic imports: only the ws fallback.
  for (const m of text.matchAll(/import\((?:\/\*.*?\*\/\s*)?'([^']+)'\)/g)) expect(m[1]).toBe('ws');
});

test('the check sees the files it guards', () => {
  expect(files).toEqual(expect.arrayContaining(['index.ts', 'client.ts', 'errors.ts']));
});
