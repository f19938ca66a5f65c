// Every fenced code block in the documentation is checked: README.md, CONTRIBUTING.md, RELEASING.md,
// bench/README.md and docs/*.md (not docs/api/, typedoc's output).
//
// - `ts` / `typescript` blocks are type-checked, strict, against krozen's own types (`krozen` → lib/index.ts,
//   `krozen/client` → client/index.ts), each block its own module; `js` / `javascript` / `cjs` / `mjs` blocks
//   are checked as JavaScript (checkJs). One compiler program holds every block, so the whole check takes a few seconds.
// - The blocks tagged in NOT_CODE are not code (shell sessions, wire text, shapes) and are skipped. A block
//   with any other tag, or none, fails: a new language must be added here on purpose.
// - A block may be named by the line before its fence: `<!-- file: quick-start/app.ts -->`. Named blocks of
//   one document sit in one directory, so they can import each other (`import { app } from './app'`).
// - The README's Quick start is also run: its `quick-start/*.ts` blocks are compiled to JS in a temp
//   directory and its test block (quick-start/app.test.ts, jest calls) registers its tests here. A wrong
//   status or body in the README's example fails this file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '../..');
const CODE_TS = new Set(['ts', 'typescript']);
const CODE_JS = new Set(['js', 'javascript', 'cjs', 'mjs']);
const NOT_CODE = new Set(['sh', 'bash', 'text', 'json', 'http']);

interface Block {
  doc: string; // relative to the repository root
  line: number; // 1-based line of the opening fence
  tag: string;
  name: string | undefined; // from <!-- file: ... -->
  code: string;
}

function documents(): string[] {
  const docs = ['README.md', 'CONTRIBUTING.md', 'RELEASING.md', 'bench/README.md'];
  const dir = path.join(root, 'docs');
  if (fs.existsSync(dir)) {
    for (const f of fs.readdirSync(dir).sort()) if (f.endsWith('.md')) docs.push(`docs/${f}`);
  }
  return docs.filter((d) => fs.existsSync(path.join(root, d)));
}

function extractBlocks(doc: string): Block[] {
  const lines = fs.readFileSync(path.join(root, doc), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, tag] = open;
    const named = i > 0 ? /^\s*<!--\s*file:\s*(\S+)\s*-->\s*$/.exec(lines[i - 1]) : null;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(lines[j]);
      if (close && close[1][0] === fence[0] && close[1].length >= fence.length) break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
    }
    if (j === lines.length) throw new Error(`${doc}:${i + 1}: a code fence that is never closed`);
    blocks.push({ doc, line: i + 1, tag: tag.toLowerCase(), name: named?.[1], code: body.join('\n') + '\n' });
    i = j;
  }
  return blocks;
}

const allBlocks = documents().flatMap(extractBlocks);
const codeBlocks = allBlocks.filter((b) => CODE_TS.has(b.tag) || CODE_JS.has(b.tag));

/** Where a block lives in the virtual tree: .doc-blocks/<doc>/<name or line-N.ext>. */
function virtualPath(b: Block): string {
  const ext = CODE_TS.has(b.tag) ? '.ts' : b.tag === 'mjs' ? '.mjs' : b.tag === 'cjs' ? '.cjs' : '.js';
  const file = b.name ?? `line-${b.line}${ext}`;
  return path.join(root, '.doc-blocks', b.doc.replace(/[/.]/g, '_'), file);
}

test('every fenced block has a known tag (code, or one of the non-code tags)', () => {
  const unknown = allBlocks
    .filter((b) => !CODE_TS.has(b.tag) && !CODE_JS.has(b.tag) && !NOT_CODE.has(b.tag))
    .map((b) => `${b.doc}:${b.line}: \`\`\`${b.tag || '(no tag)'}`);
  expect(unknown).toEqual([]);
  expect(codeBlocks.length).toBeGreaterThan(20);
});

test('every ts / js block in the docs type-checks against krozen (strict, one module per block)', () => {
  const parsed = ts.parseJsonConfigFileContent(
    ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile).config,
    ts.sys,
    root,
  );
  const options: ts.CompilerOptions = {
    ...parsed.options,
    rootDir: undefined,
    outDir: undefined,
    declaration: false,
    noEmit: true,
    allowJs: true,
    checkJs: true,
    strict: true,
    skipLibCheck: true,
    moduleDetection: ts.ModuleDetectionKind.Force,
    types: ['node', 'jest'],
    paths: { krozen: [path.join(root, 'lib/index.ts')], 'krozen/client': [path.join(root, 'client/index.ts')] },
  };
  const virtual = new Map<string, Block>();
  for (const b of codeBlocks) {
    const p = virtualPath(b);
    if (virtual.has(p)) throw new Error(`${b.doc}:${b.line}: a second block named ${b.name}`);
    virtual.set(p, b);
  }
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile, directoryExists } = host;
  const virtualDirs = new Set(
    [...virtual.keys()].flatMap((p) => {
      const dirs: string[] = [];
      for (let d = path.dirname(p); d.length > root.length; d = path.dirname(d)) dirs.push(d);
      return dirs;
    }),
  );
  host.directoryExists = (d) =>
    virtualDirs.has(path.resolve(d)) || (directoryExists?.call(host, d) ?? ts.sys.directoryExists(d));
  host.fileExists = (f) => virtual.has(path.resolve(f)) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(path.resolve(f))?.code ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, onError, create) => {
    const b = virtual.get(path.resolve(f));
    return b ? ts.createSourceFile(f, b.code, lang, true) : getSourceFile.call(host, f, lang, onError, create);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  const problems: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const b = d.file && virtual.get(path.resolve(d.file.fileName));
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!b) {
      // An error outside the blocks (lib/ itself) is not the docs' fault, but it would hide theirs: report it.
      problems.push(`${d.file ? path.relative(root, d.file.fileName) : '(options)'}: TS${d.code} ${text}`);
      continue;
    }
    const line = d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line;
    problems.push(`${b.doc}:${b.line + 1 + line} (${b.tag} block at line ${b.line}): TS${d.code} ${text}`);
  }
  expect(problems).toEqual([]);
});

// ---- links ------------------------------------------------------------------------------------------------
/** GitHub's heading anchors: lower case, punctuation dropped, spaces → '-'. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) fenced = !fenced;
    const h = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!h) continue;
    let slug = h[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    for (let n = 1; anchors.has(slug); n++) slug = `${slug.replace(/-\d+$/, '')}-${n}`;
    anchors.add(slug);
  }
  return anchors;
}

test('every relative link in the docs points to a file (and heading) that exists', () => {
  const broken: string[] = [];
  for (const doc of documents()) {
    const text = fs.readFileSync(path.join(root, doc), 'utf8').replace(/^(`{3,}|~{3,})[\s\S]*?^\1\s*$/gm, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      const [file, anchor] = target.split('#');
      const resolved = file ? path.resolve(path.dirname(path.join(root, doc)), file) : path.join(root, doc);
      if (!fs.existsSync(resolved)) {
        broken.push(`${doc}: ${target} (no such file)`);
        continue;
      }
      if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor))
        broken.push(`${doc}: ${target} (no such heading)`);
    }
  }
  expect(broken).toEqual([]);
});

// ---- the README's Quick start, run ----------------------------------------------------------------------
const quickStart = allBlocks.filter((b) => b.doc === 'README.md' && b.name?.startsWith('quick-start/'));
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-quick-start-'));
afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

describe('README Quick start, run', () => {
  test('the README names its quick start blocks (an app and its inject() test)', () => {
    expect(quickStart.map((b) => b.name)).toEqual(
      expect.arrayContaining(['quick-start/app.ts', 'quick-start/app.test.ts']),
    );
  });
  for (const b of quickStart) {
    const { outputText } = ts.transpileModule(b.code, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: b.name,
    });
    // The package's own sources stand in for the installed package (jest's swc transform compiles them).
    const js = outputText.replace(
      /require\("krozen"\)/g,
      `require(${JSON.stringify(path.join(root, 'lib/index.ts'))})`,
    );
    const target = path.join(outDir, b.name!.replace(/^quick-start\//, '').replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, js);
  }
  // Registers the README's own test() calls inside this describe.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest registers the README's tests at require time
  if (quickStart.some((b) => b.name === 'quick-start/app.test.ts')) require(path.join(outDir, 'app.test.js'));
});
