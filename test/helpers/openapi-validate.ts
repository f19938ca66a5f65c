// @seriousme/openapi-schema-validator is ESM only and jest runs the tests as CommonJS, so the validator runs
// in a child node process: documents in on stdin, one { valid, errors } per document out.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const VALIDATE = `
import { Validator } from '@seriousme/openapi-schema-validator';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const doc of JSON.parse(input)) out.push(await new Validator().validate(doc));
process.stdout.write(JSON.stringify(out));
`;

export function validateOpenApi(docs: object[]): Array<{ valid: boolean; errors?: unknown }> {
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', VALIDATE], {
    cwd: path.join(__dirname, '..', '..'),
    input: JSON.stringify(docs),
    encoding: 'utf8',
    timeout: 20000,
  });
  return JSON.parse(stdout);
}
