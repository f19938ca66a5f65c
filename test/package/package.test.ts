// The package as users get it: `npm pack`, then install the tarball into an empty project whose PATH has
// no compiler (no cc/g++/make/python3). With the prebuild the addon loads from prebuilds/; with the
// prebuild removed the install still succeeds and the JS twins run.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanEnv, installInto as install, noCompilerPath, run } from '../helpers/consumer';

const root = path.join(__dirname, '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-pack-'));

/** Unpacks the tarball, lets `edit` change the package tree, packs it again. */
function variant(tgz: string, name: string, edit: (pkgDir: string) => void): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  execFileSync('tar', ['xzf', tgz, '-C', dir]);
  edit(path.join(dir, 'package'));
  const out = path.join(work, `${name}.tgz`);
  execFileSync('tar', ['czf', out, '-C', dir, 'package']);
  return out;
}

function installInto(tgz: string, name: string, PATH: string): string {
  return install(work, tgz, name, PATH, ['--foreground-scripts']);
}

let tarball = '';
let PATH = '';

beforeAll(() => {
  PATH = noCompilerPath(work);
  // dist/ is built by `npm test` (build:ts) before jest runs; --ignore-scripts keeps prepack from rebuilding it.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: root,
    encoding: 'utf8',
  });
  tarball = path.join(work, JSON.parse(out)[0].filename);
}, 120_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('the tarball ships dist, the native sources and binding.gyp, not build/ or tests', () => {
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
  expect(files).toContain('package/dist/index.js');
  expect(files).toContain('package/dist/index.mjs');
  expect(files).toContain('package/dist/index.d.ts');
  expect(files).toContain('package/binding.gyp');
  expect(files).toContain('package/native/mask.cc');
  expect(files.some((f) => f.startsWith('package/build/'))).toBe(false);
  expect(files.some((f) => f.startsWith('package/test/'))).toBe(false);
  // Source maps carry the TypeScript inline (--enable-source-maps, debuggers): lib/ need not ship.
  expect(files).toContain('package/dist/index.js.map');
  const map = JSON.parse(execFileSync('tar', ['xzOf', tarball, 'package/dist/app.js.map'], { encoding: 'utf8' }));
  expect(map.sources).toEqual(['../lib/app.ts']);
  expect(map.sourcesContent[0]).toBe(fs.readFileSync(path.join(root, 'lib', 'app.ts'), 'utf8'));
});

test("the packed package.json names its repository, homepage and issue tracker (the registry page's links)", () => {
  const pkg = JSON.parse(execFileSync('tar', ['xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  expect(pkg.repository).toEqual({ type: 'git', url: expect.stringMatching(/^git\+https:\/\/github\.com\/.+\.git$/) });
  expect(pkg.homepage).toMatch(/^https:\/\//);
  expect(pkg.bugs.url).toMatch(/^https:\/\/.+\/issues$/);
});

test('with a prebuild: installs without a compiler and loads the native kernel from prebuilds/', () => {
  const withPrebuild = variant(tarball, 'with-prebuild', (pkg) => {
    const dest = path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`);
    if (!fs.existsSync(dest)) {
      // A dev checkout after `npm ci` has build/Release only; `npm run prebuild:all` makes prebuilds/.
      const built = path.join(root, 'build', 'Release', 'krozen.node');
      const prebuilt = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'krozen.node');
      const source = fs.existsSync(prebuilt) ? prebuilt : built;
      if (!fs.existsSync(source)) throw new Error('no addon built: run `npm run build:native` (or prebuild:all) first');
      fs.mkdirSync(dest, { recursive: true });
      fs.copyFileSync(source, path.join(dest, 'krozen.node'));
    }
  });
  const project = installInto(withPrebuild, 'prebuild', PATH);
  expect(fs.existsSync(path.join(project, 'node_modules', 'krozen', 'build'))).toBe(false); // nothing compiled
  const env = cleanEnv(PATH);
  const backends = JSON.parse(
    run('node', ['-e', "console.log(JSON.stringify(require('krozen').getBackends()))"], project, env),
  );
  expect(backends.mask).toMatch(/^native-(avx2|sse2|neon|scalar)$/);
  expect(backends.json).toBe('native');
  expect(backends.loadError).toBeUndefined();

  // ESM and CommonJS both work, and share one module instance.
  const esm = run(
    'node',
    [
      '--input-type=module',
      '-e',
      "import { getBackends, createApp } from 'krozen'; import k from 'krozen'; import { createRequire } from 'node:module';" +
        "const cjs = createRequire(process.cwd() + '/x.js')('krozen');" +
        'console.log(typeof createApp, getBackends === cjs.getBackends, k.getBackends === cjs.getBackends)',
    ],
    project,
    env,
  );
  expect(esm.trim()).toBe('function true true');

  // A server starts and answers with nothing but the package's runtime dependencies installed.
  const served = run(
    'node',
    [
      '-e',
      `
    const { createApp, Server } = require('krozen');
    const app = createApp({ port: 0 });
    app.get('/hi/:name', (req) => ({ body: { hello: req.params.name } }));
    new Server(app).run().then(async (server) => {
      const res = await fetch('http://127.0.0.1:' + server.port + '/hi/there');
      console.log(res.status, await res.text());
      await server.stop();
    });`,
    ],
    project,
    env,
  );
  expect(served.trim()).toBe('200 {"hello":"there"}');

  // The types check from a consumer TypeScript file.
  fs.writeFileSync(
    path.join(project, 'consumer.ts'),
    `
import { createApp, Server, getBackends, type Settings } from 'krozen';
const app = createApp({ port: 0 });
app.get('/x/:id', (req) => ({ status: 200, body: { id: req.params.id } }));
const port: Settings['port'] = app.settings.port;
const mask: string = getBackends().mask;
void new Server(app).run().then((s) => s.stop());
void port; void mask;
`,
  );
  fs.writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: 'commonjs',
        target: 'es2022',
        types: ['node'],
        typeRoots: [path.join(root, 'node_modules', '@types')],
        skipLibCheck: false,
      },
      files: ['consumer.ts'],
    }),
  );
  run(
    process.execPath,
    [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
    project,
    env,
  );
}, 240_000);

test('without a prebuild and without a compiler: the install succeeds and the JS twins run', () => {
  const noPrebuild = variant(tarball, 'no-prebuild', (pkg) =>
    fs.rmSync(path.join(pkg, 'prebuilds'), { recursive: true, force: true }),
  );
  const project = installInto(noPrebuild, 'js', PATH);
  const backends = JSON.parse(
    run('node', ['-e', "console.log(JSON.stringify(require('krozen').getBackends()))"], project, cleanEnv(PATH)),
  );
  expect(backends.mask).toBe('js');
  expect(backends.json).toBe('js');
  expect(typeof backends.loadError).toBe('string');
}, 240_000);
