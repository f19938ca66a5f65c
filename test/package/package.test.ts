// The package as users get it: `npm pack`, then install the tarball into an empty project whose PATH has
// no compiler (no cc/g++/make/python3). With the prebuild the addon loads from prebuilds/; with the
// prebuild removed the install still succeeds and the JS twins run.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-pack-'));

/** A PATH holding only node, npm and sh: what a machine without build tools has. */
function noCompilerPath(): string {
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const npmCli = fs.realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync(npmCli, path.join(bin, 'npm'));
  fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
  fs.symlinkSync('/usr/bin/env', path.join(bin, 'env'));
  return bin;
}

function cleanEnv(PATH: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH };
  delete env.KROZEN_NO_NATIVE; // the consumer sees the package as installed, whatever this suite's run forces
  for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];
  return env;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): string {
  return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
}

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
  const project = path.join(work, `consumer-${name}`);
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: `consumer-${name}`, version: '1.0.0', private: true }));
  run('npm', ['install', tgz, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'], project, cleanEnv(PATH));
  return project;
}

let tarball = '';
let PATH = '';

beforeAll(() => {
  PATH = noCompilerPath();
  // dist/ is built by `npm test` (build:ts) before jest runs; --ignore-scripts keeps prepack from rebuilding it.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' });
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
});

test('with a prebuild: installs without a compiler and loads the native kernel from prebuilds/', () => {
  const withPrebuild = variant(tarball, 'with-prebuild', (pkg) => {
    const dest = path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`);
    if (!fs.existsSync(dest)) {
      // A dev checkout after `npm ci` has build/Release only; CI has run `npm run build:prebuild`.
      const built = path.join(root, 'build', 'Release', 'krozen.node');
      const prebuilt = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'krozen.node');
      const source = fs.existsSync(prebuilt) ? prebuilt : built;
      if (!fs.existsSync(source)) throw new Error('no addon built: run `npm run build:native` (or build:prebuild) first');
      fs.mkdirSync(dest, { recursive: true });
      fs.copyFileSync(source, path.join(dest, 'krozen.node'));
    }
  });
  const project = installInto(withPrebuild, 'prebuild', PATH);
  expect(fs.existsSync(path.join(project, 'node_modules', 'krozen', 'build'))).toBe(false); // nothing compiled
  const env = cleanEnv(PATH);
  const backends = JSON.parse(run('node', ['-e', "console.log(JSON.stringify(require('krozen').getBackends()))"], project, env));
  expect(backends.mask).toMatch(/^native-(avx2|sse2|neon|scalar)$/);
  expect(backends.json).toBe('native');
  expect(backends.loadError).toBeUndefined();

  // ESM and CommonJS both work, and share one module instance.
  const esm = run('node', ['--input-type=module', '-e',
    "import { getBackends, createApp } from 'krozen'; import k from 'krozen'; import { createRequire } from 'node:module';" +
    "const cjs = createRequire(process.cwd() + '/x.js')('krozen');" +
    "console.log(typeof createApp, getBackends === cjs.getBackends, k.getBackends === cjs.getBackends)"], project, env);
  expect(esm.trim()).toBe('function true true');

  // A server starts and answers with nothing but the package's runtime dependencies installed.
  const served = run('node', ['-e', `
    const { createApp, Server } = require('krozen');
    const app = createApp({ port: 0 });
    app.get('/hi/:name', (req) => ({ body: { hello: req.params.name } }));
    new Server(app).run().then(async (server) => {
      const res = await fetch('http://127.0.0.1:' + server.port + '/hi/there');
      console.log(res.status, await res.text());
      await server.stop();
    });`], project, env);
  expect(served.trim()).toBe('200 {"hello":"there"}');

  // The types check from a consumer TypeScript file.
  fs.writeFileSync(path.join(project, 'consumer.ts'), `
import { createApp, Server, getBackends, type Settings } from 'krozen';
const app = createApp({ port: 0 });
app.get('/x/:id', (req) => ({ status: 200, body: { id: req.params.id } }));
const port: Settings['port'] = app.settings.port;
const mask: string = getBackends().mask;
void new Server(app).run().then((s) => s.stop());
void port; void mask;
`);
  fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'commonjs', target: 'es2022', types: ['node'],
      typeRoots: [path.join(root, 'node_modules', '@types')], skipLibCheck: false },
    files: ['consumer.ts'],
  }));
  run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], project, env);
}, 240_000);

test('without a prebuild and without a compiler: the install succeeds and the JS twins run', () => {
  const noPrebuild = variant(tarball, 'no-prebuild', (pkg) => fs.rmSync(path.join(pkg, 'prebuilds'), { recursive: true, force: true }));
  const project = installInto(noPrebuild, 'js', PATH);
  const backends = JSON.parse(run('node', ['-e', "console.log(JSON.stringify(require('krozen').getBackends()))"], project, cleanEnv(PATH)));
  expect(backends.mask).toBe('js');
  expect(backends.json).toBe('js');
  expect(typeof backends.loadError).toBe('string');
}, 240_000);
